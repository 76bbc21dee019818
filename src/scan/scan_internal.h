/* voipsec scan, private interfaces between its parts:
 *   targets.c       target parsing, resolution and iteration (vs_scan_targets)
 *   rate.c          the pacer (probes per second, bursts smoothed)
 *   request.c       building SIP requests (OPTIONS, INVITE, REGISTER, CANCEL, ACK)
 *   answer.c        reading a SIP answer into a vs_scan_result
 *   discover*.c     the epoll engine: UDP stateless probes, TCP/TLS connections
 *   tls_ctx.c       OpenSSL client contexts
 *   conn.c          one blocking-with-deadline exchange, for the checks
 *   check_*.c       the opt-in checks (tls, auth, enum-leak, admin)
 *   scan.c          vs_scan_run: discovery, checks, fingerprints, firmware findings */
#ifndef VS_SCAN_INTERNAL_H
#define VS_SCAN_INTERNAL_H

#include <netinet/in.h>
#include <sys/socket.h>

#include <voipsec/scan.h>

typedef struct ssl_ctx_st SSL_CTX;

/* ---- targets (targets.c) ------------------------------------------------------------------ */

/* One probe destination, as the engine walks the targets. */
typedef struct vs__tuple {
    struct sockaddr_storage addr; /* address and port */
    socklen_t addrlen;
    unsigned transport;           /* one VS_SCAN_* bit */
    const char *spec;             /* the target as written (lives as long as the targets) */
    const char *host;             /* host name, or "" */
    bool trunk;
    bool single;                  /* the target names one host: silence is reported */
} vs__tuple;

/* Walks every (address, port, transport) tuple the targets name under the options, in a stable
 * order, without materialising a block: *cursor starts at 0. Returns false at the end. */
bool vs__targets_next(const vs_scan_targets *t, const vs_scan_opts *o, uint64_t *cursor,
                      vs__tuple *out);
/* Number of tuples vs__targets_next will give. */
uint64_t vs__targets_tuples(const vs_scan_targets *t, const vs_scan_opts *o);
/* Names that did not resolve: i-th spec and the resolver's message; false past the end. */
bool vs__targets_unresolved(const vs_scan_targets *t, size_t i, const char **spec,
                            const char **why);

/* ---- SIP requests (request.c) ------------------------------------------------------------- */

typedef struct vs__request {
    const char *method;     /* "OPTIONS", "INVITE", "REGISTER", "CANCEL", "ACK" */
    const char *ruri_user;  /* user part of the Request-URI, NULL or "" for none */
    const char *to_user;    /* To user; NULL: same as ruri_user */
    const char *from_user;  /* From user ("voipsec") */
    const char *host;       /* host for Request-URI/To (name or address; IPv6 without []) */
    uint16_t port;          /* destination port (in the Request-URI when not the default) */
    unsigned transport;     /* VS_SCAN_* bit */
    const char *local_ip;   /* our address as the peer sees it (Via, Contact); IPv6 without [] */
    uint16_t local_port;
    const char *branch;     /* Via branch without the magic cookie prefix (we add z9hG4bK) */
    const char *call_id;
    const char *from_tag;
    const char *to_tag;     /* NULL: none (requests outside a dialog) */
    uint32_t cseq;
    const char *user_agent;
    const char *extra;      /* extra header lines, each ending in CRLF, or NULL */
} vs__request;

/* Writes the request into buf. Returns its length, or 0 when it does not fit. */
size_t vs__request_build(char *buf, size_t size, const vs__request *r);

/* "udp" / "tcp" / "tls" for a VS_SCAN_* bit; "SIP/2.0/UDP" style Via transport via upper. */
const char *vs__transport_id(unsigned transport);

/* ---- answers (answer.c) ------------------------------------------------------------------- */

/* Parses buf as a SIP response and fills r's sip_status, reason, server, allow, supported and
 * auth_required. Returns true for a SIP response; false (r untouched) otherwise. When call_id is
 * not NULL, the answer must carry that Call-ID (else false). */
bool vs__answer_read(const char *buf, size_t len, const char *call_id, vs_scan_result *r);

/* ---- the pacer (rate.c) ------------------------------------------------------------------- */

typedef struct vs__pacer {
    double rate;        /* events per second */
    double burst;       /* at most this many events may go at once after an idle spell */
    double tokens;
    int64_t last_ns;
} vs__pacer;

void vs__pacer_init(vs__pacer *p, double rate, int64_t now_ns);
/* Takes one token if available at now_ns: true. Otherwise false and *wait_ns says how long until
 * one is. */
bool vs__pacer_take(vs__pacer *p, int64_t now_ns, int64_t *wait_ns);

/* Monotonic clock in nanoseconds. */
int64_t vs__now_ns(void);

/* ---- discovery (discover*.c) -------------------------------------------------------------- */

/* Sends the probes and reports one vs_scan_result per record (fp left empty): answered, garbage
 * and tls-failed services always; silent, refused, unreachable and unresolved only for targets
 * naming one host. Fills the counters of stats it owns (addresses, probes, sent, connects, the
 * status counts, send_seconds). VS_OK, or an error in err when it could not run at all. */
vs_rc vs__discover(const vs_scan_targets *t, const vs_scan_opts *o, vs_scan_result_fn on_result,
                   vs_scan_progress_fn on_progress, void *ctx, vs_scan_stats *stats, char *err,
                   size_t errlen);

/* ---- TLS (tls_ctx.c) ---------------------------------------------------------------------- */

/* A client context that accepts any certificate (we inspect it, we do not trust it) and allows
 * the protocol versions min..max (TLS1_VERSION .. TLS1_3_VERSION; 0 for OpenSSL's default),
 * with the security level lowered to 0 so that old versions can be tried. NULL on failure. */
SSL_CTX *vs__tls_client_ctx(int min_version, int max_version);

/* ---- checks (check_*.c, conn.c) ----------------------------------------------------------- */

/* Runs the checks in o->checks that apply to one answered service (tls on TLS services, auth and
 * enum-leak on every SIP service), reporting findings through fn. Blocking, every wait bounded by
 * o->timeout_s; safe to call from several threads at once on different services. */
void vs__check_service(const vs_scan_result *svc, const vs_scan_opts *o, vs_scan_finding_fn fn,
                       void *ctx);
/* The admin check on one address (once per address, whatever its SIP services). */
void vs__check_admin(const char *ip, const char *host, bool trunk, const vs_scan_opts *o,
                     vs_scan_finding_fn fn, void *ctx);

/* Practice of a network-type finding about a target: provider for trunks, else network. */
static inline vs_practice vs__scan_practice(bool trunk)
{
    return trunk ? VS_PRACTICE_PROVIDER : VS_PRACTICE_NETWORK;
}

#endif
