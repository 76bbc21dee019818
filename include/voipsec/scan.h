/* voipsec scan: an asynchronous SIP scanner for targets the user names, and opt-in exposure
 * checks on what it finds.
 *
 * Discovery sends one OPTIONS per (address, port, transport) through one epoll loop: UDP probes
 * are paced by a rate limiter and matched to their answers statelessly (the Via branch and
 * Call-ID carry a keyed hash of the probe's destination, as masscan and zmap do), TCP and TLS
 * probes are connections with bounded concurrency. Every wait has a timeout. Then the checks the
 * user asked for (tls, auth, enum-leak, admin) run on the services that answered, and every
 * answer is fingerprinted and matched against the firmware catalogue. Results come out as host
 * records and findings of the shared shape (docs/cli/scan.md, docs/findings.md). */
#ifndef VOIPSEC_SCAN_H
#define VOIPSEC_SCAN_H

#include <voipsec/finding.h>
#include <voipsec/firmware.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    VS_SCAN_UDP = 1u << 0,
    VS_SCAN_TCP = 1u << 1,
    VS_SCAN_TLS = 1u << 2,
};

enum {
    VS_SCAN_CHECK_TLS = 1u << 0,  /* protocol versions and the certificate */
    VS_SCAN_CHECK_AUTH = 1u << 1, /* unauthenticated INVITE / REGISTER */
    VS_SCAN_CHECK_ENUM = 1u << 2, /* enum-leak: missing and likely users answered differently */
    VS_SCAN_CHECK_ADMIN = 1u << 3, /* AMI, ESL, web UI, telnet, provisioning reachable */
};

/* Parses "udp,tcp,tls" into VS_SCAN_* bits / "tls,auth,enum-leak,admin" (or "all") into
 * VS_SCAN_CHECK_* bits. VS_E_INVAL naming the bad word in err. */
VS_EXPORT vs_rc vs_scan_parse_transports(const char *list, unsigned *out, char *err,
                                         size_t errlen);
VS_EXPORT vs_rc vs_scan_parse_checks(const char *list, unsigned *out, char *err, size_t errlen);

/* ---- targets ------------------------------------------------------------------------------- */

typedef struct vs_scan_targets vs_scan_targets;

VS_EXPORT vs_scan_targets *vs_scan_targets_new(void);
VS_EXPORT void vs_scan_targets_free(vs_scan_targets *t);

/* Adds one target as the user wrote it: an IPv4 or IPv6 address ("192.0.2.7", "::1",
 * "[::1]:5062"), a CIDR block ("192.0.2.0/24", "2001:db8::/120"), a range ("192.0.2.10-192.0.2.20"
 * or "192.0.2.10-20"), a host name ("pbx.example.com"), optionally "host:port", or a URI
 * "udp://host[:port]", "tcp://...", "tls://..." (transport and port then fixed for this target).
 * trunk marks the target as a provider's trunk (its findings go to the provider practice).
 * A block or range larger than 65,536 addresses (a /16) is refused unless allow_large. Host
 * names are resolved here; one that does not resolve is kept and reported as a host record with
 * status VS_SCAN_UNRESOLVED, not an error. VS_E_INVAL with a plain-words message in err for text
 * that is none of these, VS_E_LIMIT for a block that is too large. */
VS_EXPORT vs_rc vs_scan_targets_add(vs_scan_targets *t, const char *spec, bool trunk,
                                    bool allow_large, char *err, size_t errlen);

/* Number of addresses named so far (resolved names count each address). */
VS_EXPORT uint64_t vs_scan_targets_addresses(const vs_scan_targets *t);

/* ---- options and results ------------------------------------------------------------------ */

typedef struct vs_scan_opts {
    unsigned transports;   /* VS_SCAN_* bits for targets without a URI scheme (default UDP) */
    uint16_t ports[16];    /* for targets without a port; none: 5060 (udp, tcp), 5061 (tls) */
    size_t nports;
    double rate;           /* UDP probes and TCP/TLS connection attempts per second (200) */
    double timeout_s;      /* per attempt: answer, connect, handshake (2.0) */
    unsigned retries;      /* UDP probes re-sent to silent targets (1) */
    unsigned max_conns;    /* TCP/TLS connections in flight at once (64) */
    unsigned checks;       /* VS_SCAN_CHECK_* bits (none) */
    char user_agent[64];   /* "voipsec/VERSION" */
    char enum_users[256];  /* likely users for enum-leak, comma-separated
                            * ("100,101,200,1000,1001,2000") */
    const char *data_dir;  /* where fingerprints.tsv, firmware-catalogue.tsv, factory-certs.tsv
                            * are (the CLI's --data-dir) */
    const vs_fp_rules *fingerprints;  /* loaded by the caller; NULL: no fingerprints */
    const vs_catalogue *catalogue;    /* loaded by the caller; NULL: no firmware findings */
} vs_scan_opts;

/* Defaults above, user_agent "voipsec/" + vs_version(). */
VS_EXPORT void vs_scan_opts_init(vs_scan_opts *o);

typedef enum vs_scan_status {
    VS_SCAN_ANSWERED = 0, /* a SIP answer to the probe */
    VS_SCAN_GARBAGE,      /* something answered, but not a SIP answer to our probe */
    VS_SCAN_SILENT,       /* nothing within the timeout, retries included */
    VS_SCAN_REFUSED,      /* ICMP port unreachable / TCP reset */
    VS_SCAN_UNREACHABLE,  /* ICMP host or network unreachable, no route */
    VS_SCAN_UNRESOLVED,   /* the host name did not resolve */
    VS_SCAN_TLS_FAILED,   /* TCP connected, the TLS handshake failed or stalled */
    VS_SCAN_ERROR,        /* a local error (socket, out of descriptors) */
} vs_scan_status;

/* "answered", "garbage", "silent", "refused", "unreachable", "unresolved", "tls-failed", "error". */
VS_EXPORT const char *vs_scan_status_id(vs_scan_status s);

/* One host record: what one (address, port, transport) did with our probe. Records are made for
 * every service that answered (or answered garbage, or failed TLS) and, for a target naming one
 * host, also when it stayed silent, refused or did not resolve; silent addresses of a block or
 * range are only counted (vs_scan_stats.silent). */
typedef struct vs_scan_result {
    char target[256];      /* the target as the user wrote it */
    char host[256];        /* host name when the target named one, else "" */
    char ip[46];
    uint16_t port;
    char transport[8];     /* "udp", "tcp", "tls" */
    bool trunk;
    vs_scan_status status;
    int sip_status;        /* status code of the answer (0 when none) */
    char reason[64];       /* its reason phrase */
    char server[256];      /* Server header, else User-Agent, of the answer */
    char allow[256];
    char supported[256];
    bool auth_required;    /* the OPTIONS itself was answered 401/407 */
    double rtt_ms;         /* probe to answer */
    char tls_version[16];  /* negotiated on a TLS probe ("TLSv1.3") */
    char tls_cipher[64];
    char error[160];       /* plain words for every status but answered */
    vs_fingerprint fp;     /* from server; fp.vendor "" when no rule matched */
} vs_scan_result;

typedef struct vs_scan_stats {
    uint64_t addresses;    /* addresses named */
    uint64_t probes;       /* (address, port, transport) tuples probed */
    uint64_t sent;         /* UDP datagrams sent, retries included */
    uint64_t connects;     /* TCP/TLS connections attempted */
    uint64_t answered, garbage, silent, refused, unreachable, unresolved, tls_failed, errors;
    uint64_t findings;
    double seconds;        /* wall time of the whole scan */
    double send_seconds;   /* first to last UDP send: sent / send_seconds is the rate achieved */
} vs_scan_stats;

typedef void (*vs_scan_result_fn)(void *ctx, const vs_scan_result *r);
typedef void (*vs_scan_finding_fn)(void *ctx, const vs_finding *f);
/* Called about every 100 ms while probes are in flight: done of total tuples. */
typedef void (*vs_scan_progress_fn)(void *ctx, uint64_t done, uint64_t total);

typedef struct vs_scan_sink {
    vs_scan_result_fn on_result;
    vs_scan_finding_fn on_finding;
    vs_scan_progress_fn on_progress; /* may be NULL */
    void *ctx;
} vs_scan_sink;

/* Runs discovery, then the checks, then fingerprints and firmware matching, calling the sink as
 * results come. Only the targets in t are ever sent anything. Returns VS_OK (whatever the
 * targets did), or VS_E_INVAL / VS_E_NOMEM / VS_E_IO with a message in err when the scan could
 * not run at all (no socket, bad options). */
VS_EXPORT vs_rc vs_scan_run(const vs_scan_targets *t, const vs_scan_opts *o,
                            const vs_scan_sink *sink, vs_scan_stats *stats, char *err,
                            size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
