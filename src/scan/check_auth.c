/* The auth check (`voipsec scan --checks auth`): does the service take a call or a registration
 * from someone who never said who they are?
 *
 * Design: one INVITE without credentials and without SDP, to the first likely user of
 * o->enum_users (or "voipsec-probe"), then one REGISTER without credentials (Expires: 0, so that
 * nothing stays bound) for the same user. The answer is the finding:
 *   INVITE 101-199 or 2xx: the call is being put through (critical). We then clean up at once, as
 *     RFC 3261 asks: CANCEL a ringing call (and ACK the 487 that ends it), or ACK and BYE an
 *     answered one, so that no phone keeps ringing and no line stays open.
 *   INVITE 401/407/403: authentication is asked for or the caller refused: fine, no finding.
 *   INVITE any other final answer (404, 480, 484, 503...): the request was processed without
 *     asking who sent it (low): routing, user lookup or a gateway ran for a stranger.
 *   REGISTER 2xx: the registrar binds addresses for anyone (high).
 * Every final answer to the INVITE is acknowledged (ACK on the same branch for non-2xx, a new
 * transaction for 2xx), over the connection the INVITE used. Each wait is bounded by
 * o->timeout_s. Rule ids and severities: docs/scan-checks.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "scan/conn.h"

typedef struct invite_tx {
    const vs_scan_result *svc;
    const vs_scan_opts *o;
    char user[64];
    char branch[25], call_id[41], from_tag[17];
} invite_tx;

/* Builds a request of the INVITE's dialog into buf; 0 when it does not fit. */
static size_t build(char *buf, size_t size, const vs__conn *c, const invite_tx *tx,
                    const char *method, uint32_t cseq, const char *branch, const char *to_tag)
{
    vs__request q;
    vs__sip_request_init(&q, method, c, tx->svc, tx->o);
    q.ruri_user = tx->user;
    q.branch = branch;
    q.call_id = tx->call_id;
    q.from_tag = tx->from_tag;
    q.to_tag = to_tag;
    q.cseq = cseq;
    return vs__request_build(buf, size, &q);
}

static void send_ack(vs__conn *c, const invite_tx *tx, const vs__sip_resp *final)
{
    char buf[2048], branch[25];
    /* non-2xx: the INVITE's own transaction; 2xx: a transaction of its own (RFC 3261 17.1.1.3,
     * 13.2.2.4) */
    if (final->status >= 300)
        snprintf(branch, sizeof branch, "%s", tx->branch);
    else
        vs__rand_hex(branch, 24);
    size_t n = build(buf, sizeof buf, c, tx, "ACK", 1, branch, final->to_tag);
    if (n)
        vs__conn_send(c, buf, n, vs__deadline(tx->o->timeout_s));
}

/* Hangs up an answered call: ACK, then BYE and its answer. */
static const char *hang_up(vs__conn *c, const invite_tx *tx, const vs__sip_resp *ok)
{
    send_ack(c, tx, ok);
    char buf[2048], branch[25];
    vs__rand_hex(branch, 24);
    size_t n = build(buf, sizeof buf, c, tx, "BYE", 2, branch, ok->to_tag);
    if (!n)
        return "ack-sent";
    vs__sip_resp r;
    if (vs__sip_exchange(c, buf, n, tx->call_id, "BYE", false, &r,
                         vs__deadline(tx->o->timeout_s)) == VS_OK)
        return "hung-up";
    return "bye-unanswered";
}

/* Cancels a ringing call and waits for the INVITE's final answer (487, or a 2xx that crossed the
 * CANCEL: then hangs up). *answered (may be NULL) is set when that final answer was a 2xx. */
static const char *cancel(vs__conn *c, const invite_tx *tx, vs__sip_resp *answered)
{
    char buf[2048];
    size_t n = build(buf, sizeof buf, c, tx, "CANCEL", 1, tx->branch, NULL);
    int64_t deadline = vs__deadline(tx->o->timeout_s);
    if (!n || vs__conn_send(c, buf, n, deadline) != VS_OK)
        return "cancel-failed";
    bool udp = c->transport == VS_SCAN_UDP, cancel_answered = false;
    int64_t interval = 500000000, next = vs__now_ns() + interval;
    for (int i = 0; i < 64; i++) {
        int64_t until = udp && !cancel_answered && next < deadline ? next : deadline;
        vs__sip_resp r;
        if (vs__sip_read(c, tx->call_id, NULL, &r, until) == VS_OK) {
            if (!strcmp(r.cseq_method, "CANCEL")) {
                cancel_answered = true;
            } else if (!strcmp(r.cseq_method, "INVITE") && r.status >= 200) {
                if (r.status < 300) {
                    if (answered)
                        *answered = r;
                    return hang_up(c, tx, &r);
                }
                send_ack(c, tx, &r);
                return "cancelled";
            }
            continue;
        }
        if (!c->timed_out || vs__now_ns() >= deadline)
            break;
        if (udp && !cancel_answered) {
            vs__conn_send(c, buf, n, deadline); /* CANCEL lost: send it again */
            if (interval < 4000000000)
                interval *= 2;
            next = vs__now_ns() + interval;
        }
    }
    return cancel_answered ? "cancel-answered" : "cancel-unanswered";
}

static void where(const vs_scan_result *svc, char *buf, size_t size)
{
    if (svc->host[0])
        snprintf(buf, size, "%s (%s port %u/%s)", svc->host, svc->ip, (unsigned)svc->port,
                 svc->transport);
    else
        snprintf(buf, size, "%s port %u/%s", svc->ip, (unsigned)svc->port, svc->transport);
}

static void answer_evidence(vs_finding *f, const vs__sip_resp *r, const char *user)
{
    char *e = f->evidence;
    size_t es = sizeof f->evidence;
    vs_evidence_int(e, es, "status", r->status);
    vs_evidence_str(e, es, "reason", r->reason);
    vs_evidence_str(e, es, "user_tried", user);
    if (r->server[0])
        vs_evidence_str(e, es, "server", r->server);
}

static void check_invite(vs__conn *c, const vs_scan_result *svc, const vs_scan_opts *o,
                         vs_scan_finding_fn fn, void *ctx)
{
    invite_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.svc = svc;
    tx.o = o;
    vs__first_user(o, "voipsec-probe", tx.user, sizeof tx.user);
    vs__rand_hex(tx.branch, 24);
    vs__rand_hex(tx.call_id, 32);
    strcat(tx.call_id, "@vs");
    vs__rand_hex(tx.from_tag, 16);
    char buf[2048];
    size_t n = build(buf, sizeof buf, c, &tx, "INVITE", 1, tx.branch, NULL);
    vs__sip_resp r;
    memset(&r, 0, sizeof r);
    const char *cleanup = NULL;
    if (!n)
        return;
    if (vs__sip_exchange(c, buf, n, tx.call_id, "INVITE", true, &r, vs__deadline(o->timeout_s)) !=
        VS_OK) {
        /* Only "100 Trying" in time: the call may still go through later. Cancel it; a 2xx that
         * crosses the CANCEL proves the call was put through. Silence: nothing to judge. */
        if (r.status != 100 || c->closed)
            return;
        vs__sip_resp late;
        memset(&late, 0, sizeof late);
        cleanup = cancel(c, &tx, &late);
        if (late.status < 200 || late.status >= 300)
            return;
        r = late;
    }

    if (r.status == 401 || r.status == 407 || r.status == 403) {
        send_ack(c, &tx, &r);
        return;
    }
    char w[400];
    where(svc, w, sizeof w);
    vs_finding f;
    if (r.status < 300) {
        if (!cleanup)
            cleanup = r.status < 200 ? cancel(c, &tx, NULL) : hang_up(c, &tx, &r);
        vs_finding_init(&f, "scan.unauthenticated-invite", vs__scan_practice(svc->trunk),
                        VS_SEV_CRITICAL);
        vs__finding_dst(&f, svc);
        answer_evidence(&f, &r, tx.user);
        vs_evidence_str(f.evidence, sizeof f.evidence, "cleanup", cleanup);
        vs_finding_set(f.user, sizeof f.user, tx.user);
        vs_finding_setf(f.title, sizeof f.title,
                        "The phone system at %s puts through calls from anyone, without a password",
                        w);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "voipsec placed a call to extension %s without giving any name or "
                        "password, and the system answered \"%u %s\": it started connecting the "
                        "call instead of asking who was calling. Anyone on the internet can do "
                        "the same, to ring your phones or, if the calling rules allow it, to "
                        "dial out through your lines at your expense (toll fraud). voipsec "
                        "cancelled or hung up its test call at once.",
                        tx.user, r.status, r.reason);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Require authentication for every call that does not come from your "
                       "provider's known addresses: Asterisk chan_sip allowguest=no (PJSIP: no "
                       "[anonymous] endpoint), FreeSWITCH a public context that only reaches "
                       "your own numbers, Kamailio/OpenSIPS proxy_authorize before routing. "
                       "Accept SIP only from your provider and your phones at the firewall.");
        fn(ctx, &f);
        return;
    }
    send_ack(c, &tx, &r);
    vs_finding_init(&f, "scan.unauthenticated-invite", vs__scan_practice(svc->trunk), VS_SEV_LOW);
    vs__finding_dst(&f, svc);
    answer_evidence(&f, &r, tx.user);
    vs_finding_set(f.user, sizeof f.user, tx.user);
    vs_finding_setf(f.title, sizeof f.title,
                    "The phone system at %s answered a call attempt without asking who you are", w);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "voipsec placed a call to extension %s without any name or password and got "
                    "\"%u %s\" instead of a request to authenticate. The call did not go through, "
                    "but the system looked it up for a stranger: its routing is reachable "
                    "without a password, and answers like this help attackers map which numbers "
                    "and routes exist.",
                    tx.user, r.status, r.reason);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Make the system ask for credentials (401/407) before it processes calls from "
                   "unknown sources (Asterisk: allowguest=no, alwaysauthreject=yes), and accept "
                   "SIP only from your provider and your phones at the firewall.");
    fn(ctx, &f);
}

static void check_register(vs__conn *c, const vs_scan_result *svc, const vs_scan_opts *o,
                           vs_scan_finding_fn fn, void *ctx)
{
    char user[64];
    vs__first_user(o, "100", user, sizeof user);
    vs__sip_resp r;
    if (vs__sip_register(c, svc, o, user, &r) != VS_OK || r.status < 200 || r.status >= 300)
        return;
    char w[400];
    where(svc, w, sizeof w);
    vs_finding f;
    vs_finding_init(&f, "scan.unauthenticated-register", vs__scan_practice(svc->trunk),
                    VS_SEV_HIGH);
    vs__finding_dst(&f, svc);
    answer_evidence(&f, &r, user);
    vs_finding_set(f.user, sizeof f.user, user);
    vs_finding_setf(f.title, sizeof f.title,
                    "The phone system at %s accepts sign-ins (REGISTER) without a password", w);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "voipsec sent a registration for extension %s without any password and the "
                    "system accepted it (\"%u %s\"). Whoever registers an extension receives its "
                    "calls and can usually call out as it: anyone on the internet can take over "
                    "extensions this way. (voipsec's registration asked for no time, so nothing "
                    "stayed registered.)",
                    user, r.status, r.reason);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Require digest authentication for every REGISTER, give every extension a "
                   "long random password, and accept registrations only from your phones' "
                   "networks where you can.");
    fn(ctx, &f);
}

void vs__check_auth(const vs_scan_result *svc, const vs_scan_opts *o, vs_scan_finding_fn fn,
                    void *ctx)
{
    if (!svc || !o || !fn)
        return;
    vs__conn c;
    if (vs__conn_open_service(&c, svc, vs__deadline(o->timeout_s)) != VS_OK)
        return;
    check_invite(&c, svc, o, fn, ctx);
    if (c.closed || c.fd < 0) { /* the server closed the stream after the call attempt */
        vs__conn_close(&c);
        if (vs__conn_open_service(&c, svc, vs__deadline(o->timeout_s)) != VS_OK)
            return;
    }
    check_register(&c, svc, o, fn, ctx);
    vs__conn_close(&c);
}
