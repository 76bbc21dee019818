/* voipsec findings: the one result type of the whole product.
 *
 * The auditor, the scanner, the monitor, the credential store, the inventory and the access log
 * all produce findings of this shape; the posture report groups them by practice and scores them
 * (docs/findings.md). A finding is a plain struct of fixed-size text fields, so that producing one
 * never allocates and storing one is a copy. Text fields are NUL-terminated UTF-8 and are cut (on a
 * character boundary) when too long. Secrets never go into a finding: callers mask them first. */
#ifndef VOIPSEC_FINDING_H
#define VOIPSEC_FINDING_H

#include <stdio.h>
#include <voipsec/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vs_practice {
    VS_PRACTICE_CREDENTIALS = 0, /* strong, rotated, never reused secrets and PINs */
    VS_PRACTICE_FIRMWARE,        /* current, non-vulnerable firmware */
    VS_PRACTICE_NETWORK,         /* no exposed or unauthenticated SIP, TLS done right */
    VS_PRACTICE_EQUIPMENT,       /* controlled access to equipment */
    VS_PRACTICE_ACTIVITY,        /* abnormal activity spotted and stopped */
    VS_PRACTICE_PROVIDER,        /* trunks offer TLS + SRTP and are accredited */
    VS_PRACTICE__COUNT
} vs_practice;

typedef enum vs_severity {
    VS_SEV_INFO = 0,
    VS_SEV_LOW,
    VS_SEV_MEDIUM,
    VS_SEV_HIGH,
    VS_SEV_CRITICAL,
    VS_SEV__COUNT
} vs_severity;

/* "credentials", "firmware", ... ; "" for an out-of-range value. */
VS_EXPORT const char *vs_practice_id(vs_practice p);
/* "info", "low", "medium", "high", "critical"; "" for an out-of-range value. */
VS_EXPORT const char *vs_severity_id(vs_severity s);
/* Parses a severity id (case-insensitive). VS_OK or VS_E_INVAL. */
VS_EXPORT vs_rc vs_severity_parse(const char *text, vs_severity *out);

typedef struct vs_finding_endpoint {
    char ip[46];       /* textual IPv4/IPv6 address; "" when absent */
    uint16_t port;     /* 0 when unknown */
    char transport[8]; /* "udp", "tcp", "tls", "sctp"; "" when unknown */
} vs_finding_endpoint;

typedef struct vs_finding {
    char rule[64];  /* "bruteforce", "asterisk.allowguest", "tls.old-protocol" */
    vs_practice practice;
    vs_severity severity;
    char title[160];  /* one line, for a person who is not a VoIP expert */
    char explain[768];
    char advice[768];
    vs_finding_endpoint src, dst;
    char user[128];   /* extension, account or AOR concerned; "" when none */
    char tool[64];    /* attack tool recognised ("sipvicious"); "" when none */
    int64_t first_seen_us; /* microseconds since the epoch (packet time); 0 when absent */
    int64_t last_seen_us;
    uint64_t count;   /* events aggregated into this finding; 0 when not counted */
    char file[256];   /* configuration file concerned; "" when none */
    unsigned line;    /* its line; 0 when none */
    char evidence[1024]; /* a JSON object as text ("{...}"); "" when none */
} vs_finding;

/* Clears a finding and sets its three mandatory fields. */
VS_EXPORT void vs_finding_init(vs_finding *f, const char *rule, vs_practice practice,
                               vs_severity severity);

/* Copies text into a fixed-size field with truncation on a UTF-8 boundary; always terminates.
 * Use with sizeof: vs_finding_set(f->title, sizeof f->title, "..."). */
VS_EXPORT void vs_finding_set(char *field, size_t size, const char *text);
/* printf-style variant of vs_finding_set. */
VS_EXPORT void vs_finding_setf(char *field, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes one finding as one JSON object and a newline (the shape of docs/findings.md; fields that
 * do not apply are left out). Returns VS_OK or VS_E_IO. */
VS_EXPORT vs_rc vs_finding_write_json(FILE *out, const vs_finding *f);
/* Writes one finding as a short block of text for people: severity and title, where, when, the
 * explanation and the advice. Returns VS_OK or VS_E_IO. */
VS_EXPORT vs_rc vs_finding_write_text(FILE *out, const vs_finding *f);

/* Writes s[0..n) as a quoted JSON string: control bytes \u-escaped, bytes that are not
 * well-formed UTF-8 replaced by U+FFFD, so the output is valid JSON for any input. */
VS_EXPORT void vs_json_write_str(FILE *out, const char *s, size_t n);

/* Formats microseconds since the epoch as "2026-11-29T06:14:34.123Z" into buf (>= 32 bytes). */
VS_EXPORT void vs_time_format(int64_t us, char *buf, size_t size);

/* A small builder for the evidence object: appends "key":value pairs to buf (a "{...}" text of
 * capacity size). Strings are JSON-escaped; a pair that does not fit is dropped whole and the
 * object stays valid. */
VS_EXPORT void vs_evidence_str(char *buf, size_t size, const char *key, const char *value);
VS_EXPORT void vs_evidence_num(char *buf, size_t size, const char *key, double value);
VS_EXPORT void vs_evidence_int(char *buf, size_t size, const char *key, int64_t value);
/* Appends "key":<raw JSON> (an array or object the caller built). */
VS_EXPORT void vs_evidence_raw(char *buf, size_t size, const char *key, const char *json);

#ifdef __cplusplus
}
#endif
#endif
