/* voipsec audit: reads PBX configurations (Asterisk, FreeSWITCH, Kamailio) and reports what is
 * unsafe and why, as findings with file, line, a plain-words explanation and advice.
 *
 * The configuration readers are in conf.h; this is the engine that recognises the product of a
 * path, loads it, runs every check of that product (a catalogue in docs/audit-checks.md, each with
 * a stable dotted id) and hands findings to the caller. Secrets never leave it: evidence masks them
 * ("1*** (4 characters)"). The credential policy (vs_policy) is shared with `voipsec creds`. */
#ifndef VOIPSEC_AUDIT_H
#define VOIPSEC_AUDIT_H

#include <voipsec/conf.h>
#include <voipsec/finding.h>
#include <voipsec/monitor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Credential policy (docs/policy.md) --------------------------------------------------- */
typedef struct vs_policy {
    char preset[16];          /* "seed" or "nist": what the defaults came from */
    unsigned min_length;      /* passwords and SIP secrets */
    unsigned min_classes;     /* of lower, upper, digit, symbol; 0 = no composition rule */
    double min_guesses_log10; /* zxcvbn's estimate must reach 10^this; 0 = not checked */
    unsigned pin_min_length;  /* voicemail and other numeric PINs */
    unsigned max_age_days;    /* rotation; 0 = no age-based rotation (NIST) */
    unsigned history;         /* how many previous secrets may not come back; 0 = none kept */
    char blocklist[512];      /* weak-password list, one per line */
    unsigned firmware_review_days; /* inventory: a device's firmware is overdue for a review
                                    * when neither changed nor reviewed for this long; 0 = never */
} vs_policy;

/* Fills p with a preset: "seed" (length 12, 3 of 4 classes, 60-day rotation, no reuse of the last
 * 6, PINs of 6 digits) or "nist" (SP 800-63B rev. 4: length 15, no composition rules, no periodic
 * rotation, blocklist, PINs of 6 digits); both review device firmware every 90 days. data_dir
 * holds weak-passwords.txt. VS_OK or VS_E_INVAL for an unknown preset. */
VS_EXPORT vs_rc vs_policy_preset(vs_policy *p, const char *preset, const char *data_dir);
/* Reads a policy INI file ([policy] section; "preset = nist" first applies that preset, later keys
 * override it) over p. VS_OK, VS_E_IO, or VS_E_PARSE with "FILE:LINE: message" in err. */
VS_EXPORT vs_rc vs_policy_load(vs_policy *p, const char *path, const char *data_dir, char *err,
                               size_t errlen);

/* The verdict on one secret. */
typedef struct vs_strength {
    bool ok;                /* meets the policy */
    bool too_short;
    bool too_few_classes;
    bool on_blocklist;      /* on the weak-password list (or a vendor default) */
    bool equals_user;       /* equal to the user name or extension (or it reversed) */
    bool too_guessable;     /* zxcvbn estimate below the policy's threshold */
    bool repeats_or_runs;   /* PINs: all one digit, or an ascending/descending run */
    double guesses_log10;   /* zxcvbn's estimate */
    unsigned length;
    unsigned classes;
    char reason[256];       /* the first failed rule, in plain words; never the secret */
} vs_strength;

typedef struct vs_blocklist vs_blocklist;
/* Loads a weak-password list (one per line, '#' comments). NULL with err on failure. */
VS_EXPORT vs_blocklist *vs_blocklist_load(const char *path, char *err, size_t errlen);
VS_EXPORT void vs_blocklist_free(vs_blocklist *b);
VS_EXPORT bool vs_blocklist_has(const vs_blocklist *b, const char *secret);

/* Judges secret against the policy. user and extension (may be NULL) are context words that the
 * secret must not equal or be built from. pin: judge it as a numeric PIN (pin_min_length, no
 * repeats or runs) rather than as a password. bl may be NULL. */
VS_EXPORT void vs_strength_check(const vs_policy *p, const vs_blocklist *bl, const char *secret,
                                 const char *user, const char *extension, bool pin,
                                 vs_strength *out);

/* Masks a secret for evidence: its first character, asterisks, and its length ("1*** (4
 * characters)"); an empty secret gives "(empty)". Never more than one character of the secret. */
VS_EXPORT void vs_secret_mask(const char *secret, char *buf, size_t size);

/* ---- The audit engine ---------------------------------------------------------------------- */
typedef struct vs_audit vs_audit;

/* Creates an auditor. The policy is copied; its blocklist is loaded. NULL with err on failure. */
VS_EXPORT vs_audit *vs_audit_new(const vs_policy *policy, vs_finding_fn on_finding, void *ctx,
                                 char *err, size_t errlen);
VS_EXPORT void vs_audit_free(vs_audit *a);

/* Audits one path (a configuration directory or file): recognises the product, loads it, runs the
 * checks. Returns VS_OK; VS_E_NOTFOUND when the path holds no configuration voipsec knows (err
 * says what was looked for); or the loader's error (err: "file:line: message"). Findings go to
 * the callback as they are found, each with file and line. */
VS_EXPORT vs_rc vs_audit_path(vs_audit *a, const char *path, char *err, size_t errlen);

/* The catalogue: every check id with its product, practice, default severity and one-line
 * rationale, for docs and SARIF rule metadata. Returns the number of checks; *out points at a
 * static array. */
typedef struct vs_audit_check_info {
    const char *id;         /* "asterisk.pjsip.weak-secret" */
    vs_conf_product product;
    vs_practice practice;
    vs_severity severity;
    const char *title;      /* short name */
    const char *rationale;  /* why it matters, one or two sentences */
} vs_audit_check_info;
VS_EXPORT size_t vs_audit_catalogue(const vs_audit_check_info **out);

#ifdef __cplusplus
}
#endif
#endif
