/* voipsec scan, private to the checks (conn.c, check_*.c, checks.c): one blocking exchange with a
 * deadline over UDP, TCP or TLS, the SIP request/answer helpers built on it, and the internal entry
 * point of the admin check that takes its port list (so that tests can point it at ephemeral
 * ports). Everything here is reentrant: no global state, a vs__conn belongs to one thread. */
#ifndef VS_SCAN_CONN_H
#define VS_SCAN_CONN_H

#include "scan/scan_internal.h"

typedef struct ssl_st SSL;

enum { VS__CONN_BUF = 16384 };

/* One connection (TCP, TLS) or one socket talking to one peer (UDP). Lives on the caller's stack;
 * zero it with vs__conn_init before use. */
typedef struct vs__conn {
    int fd;
    unsigned transport;           /* VS_SCAN_* bit */
    SSL *ssl;                     /* TLS only, after the handshake */
    SSL_CTX *own_ctx;             /* a context opened by vs__conn_open_service, freed on close */
    struct sockaddr_storage peer; /* where requests go */
    socklen_t peerlen;
    struct sockaddr_storage from; /* UDP: sender of the last datagram read */
    socklen_t fromlen;
    char local_ip[46]; /* our address as the peer sees it (no brackets) */
    uint16_t local_port;
    bool timed_out; /* the last failure was the deadline */
    bool refused;   /* connection refused / reset */
    bool closed;    /* the peer closed the stream */
    size_t rlen;    /* stream bytes buffered in rbuf */
    char rbuf[VS__CONN_BUF];
} vs__conn;

/* Monotonic deadline timeout_s seconds from now (at least 1 ms, at most one hour). */
int64_t vs__deadline(double timeout_s);

/* Fills an address from a textual IPv4/IPv6 address and a port. false when ip is not one. */
bool vs__addr_make(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);

/* VS_SCAN_* bit of "udp" / "tcp" / "tls"; 0 for anything else. */
unsigned vs__transport_bit(const char *id);

/* Writes n random lowercase hex digits and a NUL into out (n + 1 bytes). */
void vs__rand_hex(char *out, size_t n);

void vs__conn_init(vs__conn *c);

/* Opens a socket to addr. UDP: a socket bound to the local address that routes to addr (learnt by
 * connecting a throwaway socket), never connected, so answers from another port of the peer are
 * read too. TCP: a non-blocking connect waited for with poll. TLS: that, then SSL_connect on ctx
 * (owned by the caller; sni, when a host name and not NULL, goes in the ClientHello). Every wait
 * ends at deadline_ns. VS_OK; VS_E_IO with c->timed_out / c->refused telling why; VS_E_NOMEM. On
 * failure c is closed. */
vs_rc vs__conn_open(vs__conn *c, const struct sockaddr *addr, socklen_t addrlen, unsigned transport,
                    SSL_CTX *ctx, const char *sni, int64_t deadline_ns);

/* vs__conn_open for an answered service: its address, port and transport; for TLS a context of
 * its own (any version, no verification) that vs__conn_close frees. */
vs_rc vs__conn_open_service(vs__conn *c, const vs_scan_result *svc, int64_t deadline_ns);

/* Closes the connection (TLS: one non-blocking close_notify); safe on a closed or zeroed conn. */
void vs__conn_close(vs__conn *c);

/* Sends len bytes (UDP: one datagram to the peer). VS_OK or VS_E_IO. */
vs_rc vs__conn_send(vs__conn *c, const char *buf, size_t len, int64_t deadline_ns);
/* UDP: sends one datagram to an address other than the peer (a TFTP transfer's own port). */
vs_rc vs__conn_send_to(vs__conn *c, const char *buf, size_t len, const struct sockaddr *to,
                       socklen_t tolen);

/* Reads what arrives first: a datagram from the peer's address (any port; c->from says which),
 * or the next bytes of the stream. VS_OK with *len > 0; VS_OK with *len == 0 when the peer
 * closed the stream (c->closed); VS_E_IO on error or at the deadline (c->timed_out). */
vs_rc vs__conn_recv(vs__conn *c, char *buf, size_t cap, size_t *len, int64_t deadline_ns);

/* ---- SIP over a connection ---------------------------------------------------------------- */

/* What the checks need from one SIP answer. */
typedef struct vs__sip_resp {
    unsigned status;
    char reason[64];
    char to_tag[128];
    char cseq_method[16];
    uint32_t cseq;
    char server[128]; /* Server, else User-Agent */
} vs__sip_resp;

/* Reads SIP answers until one carries call_id (and, when method is not NULL, that CSeq method);
 * other messages are skipped. UDP datagrams are parsed one by one, TCP/TLS streams framed with
 * vs_sip_stream_frame. VS_OK with r filled; VS_E_IO at the deadline (c->timed_out), on a closed
 * stream or an unframeable one. */
vs_rc vs__sip_read(vs__conn *c, const char *call_id, const char *method, vs__sip_resp *r,
                   int64_t deadline_ns);

/* Sends a request and waits for its answer: provisional answers are skipped (100 always; the
 * others too unless stop_at_provisional, which returns the first 101-199) until a final one.
 * Over UDP the request is sent again after 0.5, 1, 2, 4 s (RFC 3261 timer A/E) until something
 * answers. VS_OK with r, or VS_E_IO (c->timed_out when nothing final came by the deadline). */
vs_rc vs__sip_exchange(vs__conn *c, const char *req, size_t len, const char *call_id,
                       const char *method, bool stop_at_provisional, vs__sip_resp *r,
                       int64_t deadline_ns);

/* A request addressed to the service over c: method, Request-URI host (the host name when the
 * target named one, else the address), port, transport, our Via/Contact address, user agent and
 * From user "voipsec". The caller sets users, branch, Call-ID, tags, CSeq. */
void vs__sip_request_init(vs__request *r, const char *method, const vs__conn *c,
                          const vs_scan_result *svc, const vs_scan_opts *o);

/* An unauthenticated REGISTER (Expires: 0, so that nothing stays bound) for user, Request-URI
 * sip:host, on c; waits for the final answer. VS_OK with r, VS_E_IO when none came in time,
 * VS_E_LIMIT when the request does not fit. */
vs_rc vs__sip_register(vs__conn *c, const vs_scan_result *svc, const vs_scan_opts *o,
                       const char *user, vs__sip_resp *r);

/* The first user of o->enum_users (trimmed) into out, or dflt when the list is empty. */
void vs__first_user(const vs_scan_opts *o, const char *dflt, char *out, size_t size);

/* Sets f->dst to the service (address, port, transport). */
void vs__finding_dst(vs_finding *f, const vs_scan_result *svc);

/* ---- the checks (check_*.c) --------------------------------------------------------------- */

void vs__check_tls(const vs_scan_result *svc, const vs_scan_opts *o, vs_scan_finding_fn fn,
                   void *ctx);
void vs__check_auth(const vs_scan_result *svc, const vs_scan_opts *o, vs_scan_finding_fn fn,
                    void *ctx);
void vs__check_enum(const vs_scan_result *svc, const vs_scan_opts *o, vs_scan_finding_fn fn,
                    void *ctx);

/* The interfaces the admin check knows. */
typedef enum vs__admin_kind {
    VS__ADMIN_AMI,    /* Asterisk Manager Interface: banner "Asterisk Call Manager/" */
    VS__ADMIN_ESL,    /* FreeSWITCH event socket: "Content-Type: auth/request" */
    VS__ADMIN_TELNET, /* any accepted connection */
    VS__ADMIN_HTTP,   /* "HEAD / HTTP/1.0" answered */
    VS__ADMIN_HTTPS,  /* the same through TLS */
    VS__ADMIN_TFTP,   /* UDP: a read request answered (ERROR or DATA) */
} vs__admin_kind;

typedef struct vs__admin_port {
    uint16_t port;
    vs__admin_kind kind;
} vs__admin_port;

/* The standard list vs__check_admin uses: 5038 AMI, 8021 ESL, 23 telnet, 80 HTTP, 443 HTTPS,
 * 69 TFTP. */
extern const vs__admin_port vs__admin_ports[];
extern const size_t vs__admin_nports;

/* The admin check on ip against the given ports (in order, one at a time, each bounded by
 * o->timeout_s). One finding per interface that answered as its kind does. host (may be "" or
 * NULL) goes in the HTTP Host header and the TLS SNI. */
void vs__check_admin_ports(const char *ip, const char *host, const vs_scan_opts *o,
                           const vs__admin_port *ports, size_t nports, vs_scan_finding_fn fn,
                           void *ctx);

#endif
