/* Benchmark message mix generator (see mix.h).
 *
 * Design: each scenario (registration, call, scan probe, MWI) draws its identities from a small
 * deterministic PRNG (xorshift64*) and appends whole messages to one growing buffer with
 * snprintf. A message is written as header text plus body; Content-Length is computed from the
 * body, so every message is exact. Values imitate real phones and PBXs (Yealink, Polycom,
 * Asterisk, Kamailio, friendly-scanner) without copying any capture. */
#include "mix.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

static unsigned rnd_below(rng *r, unsigned n)
{
    return (unsigned)(rnd(r) % n);
}

/* lowercase hex string of n digits into out (n + 1 bytes). */
static void rnd_hex(rng *r, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++)
        out[i] = hex[rnd(r) >> 60];
    out[n] = '\0';
}

typedef struct gen {
    bench_mix *mix;
    size_t cap, cap_msgs;
    int oom;
    rng r;
    char body[2048];
    size_t body_len;
} gen;

/* Endpoint identities of one scenario. */
typedef struct party {
    char user[16];
    char ip[24];
    unsigned port;
    char tag[16];
    const char *ua;
} party;

static const char *const user_agents[] = {
    "Yealink SIP-T46S 66.86.0.15", "PolycomVVX-VVX_411-UA/6.4.3.5018", "Grandstream GXP2170 1.0.11.23",
    "Linphone/5.2.0 (belle-sip/5.2.0)", "Zoiper rv2.10.20.1", "Cisco-SIPGateway/IOS-15.7.3",
};
static const char *const servers[] = {"Asterisk PBX 20.5.0", "FPBX-16.0.40(18.20.0)",
                                      "kamailio (5.6.3 (x86_64/linux))"};

static void make_party(gen *g, party *p, int is_phone)
{
    snprintf(p->user, sizeof p->user, "%u", 100 + rnd_below(&g->r, 900));
    snprintf(p->ip, sizeof p->ip, "10.%u.%u.%u", rnd_below(&g->r, 4), rnd_below(&g->r, 255),
             1 + rnd_below(&g->r, 250));
    p->port = is_phone ? 5060 + 2 * rnd_below(&g->r, 40) : 5060;
    rnd_hex(&g->r, p->tag, 10);
    p->ua = user_agents[rnd_below(&g->r, sizeof user_agents / sizeof user_agents[0])];
}

static void reserve(gen *g, size_t more)
{
    bench_mix *m = g->mix;
    if (g->oom)
        return;
    if (m->len + more > g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 1 << 20;
        while (ncap < m->len + more)
            ncap *= 2;
        char *nb = realloc(m->buf, ncap);
        if (nb == NULL) {
            g->oom = 1;
            return;
        }
        m->buf = nb;
        g->cap = ncap;
    }
    if (m->count == g->cap_msgs) {
        size_t n = g->cap_msgs ? g->cap_msgs * 2 : 1024;
        size_t *o = realloc(m->off, n * sizeof *o);
        if (o == NULL) {
            g->oom = 1;
            return;
        }
        m->off = o;
        size_t *l = realloc(m->mlen, n * sizeof *l);
        if (l == NULL) {
            g->oom = 1;
            return;
        }
        m->mlen = l;
        uint8_t *k = realloc(m->kind, n);
        if (k == NULL) {
            g->oom = 1;
            return;
        }
        m->kind = k;
        g->cap_msgs = n;
    }
}

/* Appends one message: the header lines from fmt (each ending in \r\n, no Content-Length, no
 * empty line), then Content-Length of g->body and the body itself. g->body is consumed. */
__attribute__((format(printf, 3, 4))) static void emit(gen *g, bench_kind kind, const char *fmt,
                                                         ...)
{
    char head[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof head) {
        g->oom = 1; /* a template outgrew its buffer: a bug here, reported as failure */
        return;
    }
    reserve(g, (size_t)n + 64 + g->body_len);
    if (g->oom)
        return;
    bench_mix *m = g->mix;
    size_t start = m->len;
    memcpy(m->buf + m->len, head, (size_t)n);
    m->len += (size_t)n;
    m->len += (size_t)sprintf(m->buf + m->len, "Content-Length: %zu\r\n\r\n", g->body_len);
    memcpy(m->buf + m->len, g->body, g->body_len);
    m->len += g->body_len;
    m->off[m->count] = start;
    m->mlen[m->count] = m->len - start;
    m->kind[m->count] = (uint8_t)kind;
    m->count++;
    m->per_kind[kind]++;
    g->body_len = 0;
}

__attribute__((format(printf, 2, 3))) static void body(gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g->body, sizeof g->body, fmt, ap);
    va_end(ap);
    g->body_len = (n < 0 || (size_t)n >= sizeof g->body) ? 0 : (size_t)n;
}

#define DOMAIN "pbx.example.com"
#define PBX_IP "192.0.2.10"
#define PROXY "sbc.example.com"

static void scenario_register(gen *g)
{
    party ph;
    make_party(g, &ph, 1);
    char callid[40], branch[20], nonce[40], resp[40], cnonce[20], opaque[40];
    rnd_hex(&g->r, callid, 32);
    rnd_hex(&g->r, nonce, 32);
    rnd_hex(&g->r, opaque, 32);
    const char *server = servers[rnd_below(&g->r, 3)];
    unsigned cseq = 1 + rnd_below(&g->r, 5000);
    unsigned expires = rnd_below(&g->r, 2) ? 3600 : 600;

    rnd_hex(&g->r, branch, 16);
    emit(g, MIX_REGISTER,
         "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: \"Ext %s\" <sip:%s@" DOMAIN ">;tag=%s\r\n"
         "To: \"Ext %s\" <sip:%s@" DOMAIN ">\r\n"
         "Call-ID: %s@%s\r\n"
         "CSeq: %u REGISTER\r\n"
         "Contact: <sip:%s@%s:%u;transport=udp>;+sip.instance=\"<urn:uuid:%.8s-%.4s-4%.3s-a%.3s-%.12s>\"\r\n"
         "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, SUBSCRIBE, UPDATE, MESSAGE\r\n"
         "Supported: path, gruu, outbound\r\n"
         "User-Agent: %s\r\n"
         "Expires: %u\r\n",
         ph.ip, ph.port, branch, ph.user, ph.user, ph.tag, ph.user, ph.user, callid, ph.ip, cseq,
         ph.user, ph.ip, ph.port, nonce, nonce + 8, nonce + 12, nonce + 15, nonce + 18, ph.ua,
         expires);

    char to_tag[16];
    rnd_hex(&g->r, to_tag, 8);
    emit(g, MIX_401,
         "SIP/2.0 401 Unauthorized\r\n"
         "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;received=%s;rport=%u\r\n"
         "From: \"Ext %s\" <sip:%s@" DOMAIN ">;tag=%s\r\n"
         "To: \"Ext %s\" <sip:%s@" DOMAIN ">;tag=as%s\r\n"
         "Call-ID: %s@%s\r\n"
         "CSeq: %u REGISTER\r\n"
         "Server: %s\r\n"
         "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n"
         "Supported: replaces, timer\r\n"
         "WWW-Authenticate: Digest realm=\"" DOMAIN "\", nonce=\"%s\", opaque=\"%s\", "
         "algorithm=MD5, qop=\"auth\"\r\n",
         ph.ip, ph.port, branch, ph.ip, ph.port, ph.user, ph.user, ph.tag, ph.user, ph.user,
         to_tag, callid, ph.ip, cseq, server, nonce, opaque);

    rnd_hex(&g->r, branch, 16);
    rnd_hex(&g->r, resp, 32);
    rnd_hex(&g->r, cnonce, 16);
    unsigned nc = 1 + rnd_below(&g->r, 3);
    emit(g, MIX_REGISTER_AUTH,
         "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: \"Ext %s\" <sip:%s@" DOMAIN ">;tag=%s\r\n"
         "To: \"Ext %s\" <sip:%s@" DOMAIN ">\r\n"
         "Call-ID: %s@%s\r\n"
         "CSeq: %u REGISTER\r\n"
         "Contact: <sip:%s@%s:%u;transport=udp>\r\n"
         "Authorization: Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
         "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=MD5, cnonce=\"%s\", "
         "opaque=\"%s\", qop=auth, nc=%08u\r\n"
         "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, SUBSCRIBE, UPDATE, MESSAGE\r\n"
         "User-Agent: %s\r\n"
         "Expires: %u\r\n",
         ph.ip, ph.port, branch, ph.user, ph.user, ph.tag, ph.user, ph.user, callid, ph.ip,
         cseq + 1, ph.user, ph.ip, ph.port, ph.user, nonce, resp, cnonce, opaque, nc, ph.ua,
         expires);

    emit(g, MIX_200_REGISTER,
         "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;received=%s;rport=%u\r\n"
         "From: \"Ext %s\" <sip:%s@" DOMAIN ">;tag=%s\r\n"
         "To: \"Ext %s\" <sip:%s@" DOMAIN ">;tag=as%s\r\n"
         "Call-ID: %s@%s\r\n"
         "CSeq: %u REGISTER\r\n"
         "Server: %s\r\n"
         "Contact: <sip:%s@%s:%u;transport=udp>;expires=%u\r\n"
         "Expires: %u\r\n"
         "Date: %s, %02u Nov 2026 %02u:%02u:%02u GMT\r\n",
         ph.ip, ph.port, branch, ph.ip, ph.port, ph.user, ph.user, ph.tag, ph.user, ph.user,
         to_tag, callid, ph.ip, cseq + 1, server, ph.user, ph.ip, ph.port, expires, expires,
         (const char *[]){"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}[rnd_below(&g->r, 7)],
         1 + rnd_below(&g->r, 28), rnd_below(&g->r, 24), rnd_below(&g->r, 60),
         rnd_below(&g->r, 60));
}

static void sdp_body(gen *g, const party *p, int srtp, unsigned sess)
{
    unsigned port = 10000 + 2 * rnd_below(&g->r, 10000);
    if (srtp) {
        static const char b64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char key[41];
        for (int i = 0; i < 40; i++)
            key[i] = b64[rnd(&g->r) >> 58];
        key[40] = '\0';
        body(g,
             "v=0\r\n"
             "o=- %u %u IN IP4 %s\r\n"
             "s=-\r\n"
             "c=IN IP4 %s\r\n"
             "t=0 0\r\n"
             "m=audio %u RTP/SAVP 9 0 8 101\r\n"
             "a=rtpmap:9 G722/8000\r\n"
             "a=rtpmap:0 PCMU/8000\r\n"
             "a=rtpmap:8 PCMA/8000\r\n"
             "a=rtpmap:101 telephone-event/8000\r\n"
             "a=fmtp:101 0-16\r\n"
             "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n"
             "a=ptime:20\r\n"
             "a=sendrecv\r\n",
             sess, sess, p->ip, p->ip, port, key);
    } else {
        body(g,
             "v=0\r\n"
             "o=%s %u %u IN IP4 %s\r\n"
             "s=SIP Call\r\n"
             "c=IN IP4 %s\r\n"
             "t=0 0\r\n"
             "m=audio %u RTP/AVP 0 8 18 101\r\n"
             "a=rtpmap:0 PCMU/8000\r\n"
             "a=rtpmap:8 PCMA/8000\r\n"
             "a=rtpmap:18 G729/8000\r\n"
             "a=fmtp:18 annexb=no\r\n"
             "a=rtpmap:101 telephone-event/8000\r\n"
             "a=fmtp:101 0-15\r\n"
             "a=sendrecv\r\n",
             p->user, sess, sess, p->ip, p->ip, port);
    }
}

static void scenario_call(gen *g)
{
    party a, b;
    make_party(g, &a, 1);
    make_party(g, &b, 1);
    int srtp = rnd_below(&g->r, 3) == 0;
    char callid[40], br_a[20], br_p[20], br_bye[20], br_pbye[20];
    rnd_hex(&g->r, callid, 24);
    rnd_hex(&g->r, br_a, 16);
    rnd_hex(&g->r, br_p, 12);
    rnd_hex(&g->r, br_bye, 16);
    rnd_hex(&g->r, br_pbye, 12);
    unsigned cseq = 100 + rnd_below(&g->r, 9000);
    unsigned sess = 1000000 + rnd_below(&g->r, 9000000);
    const char *tr = srtp ? "TLS" : "UDP";
    unsigned aport = srtp ? 5061 : a.port;
    const char *scheme = srtp ? "sips" : "sip";

    /* INVITE as forwarded by the proxy to the callee: two Vias, Record-Route. */
    sdp_body(g, &a, srtp, sess);
    emit(g, srtp ? MIX_INVITE_SAVP : MIX_INVITE_AVP,
         "INVITE %s:%s@%s:%u;transport=%s SIP/2.0\r\n"
         "Via: SIP/2.0/%s " PROXY ":5061;branch=z9hG4bK%s.0\r\n"
         "Via: SIP/2.0/%s %s:%u;received=%s;branch=z9hG4bK%s;rport=%u\r\n"
         "Record-Route: <%s:" PROXY ":5061;transport=%s;lr;ftag=%s>\r\n"
         "Max-Forwards: 69\r\n"
         "From: \"Ext %s\" <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "To: <%s:%s@" DOMAIN ">\r\n"
         "Call-ID: %s\r\n"
         "CSeq: %u INVITE\r\n"
         "Contact: <%s:%s@%s:%u;transport=%s>\r\n"
         "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE\r\n"
         "Supported: replaces, timer, 100rel\r\n"
         "Session-Expires: 1800;refresher=uac\r\n"
         "Min-SE: 90\r\n"
         "P-Asserted-Identity: \"Ext %s\" <sip:%s@" DOMAIN ">\r\n"
         "User-Agent: %s\r\n"
         "Content-Type: application/sdp\r\n",
         scheme, b.user, b.ip, b.port, srtp ? "tls" : "udp", tr, br_p, tr, a.ip, aport, a.ip,
         br_a, aport, scheme, srtp ? "tls" : "udp", a.tag, a.user, scheme, a.user, a.tag, scheme,
         b.user, callid, cseq, scheme, a.user, a.ip, aport, srtp ? "tls" : "udp", a.user, a.user,
         a.ua);

    /* Responses back through the proxy, as the callee sends them. */
    char vias[512];
    snprintf(vias, sizeof vias,
             "Via: SIP/2.0/%s " PROXY ":5061;branch=z9hG4bK%s.0\r\n"
             "Via: SIP/2.0/%s %s:%u;received=%s;branch=z9hG4bK%s;rport=%u\r\n",
             tr, br_p, tr, a.ip, aport, a.ip, br_a, aport);
    char rr[160];
    snprintf(rr, sizeof rr, "Record-Route: <%s:" PROXY ":5061;transport=%s;lr;ftag=%s>\r\n",
             scheme, srtp ? "tls" : "udp", a.tag);

    emit(g, MIX_100,
         "SIP/2.0 100 Trying\r\n%s"
         "From: \"Ext %s\" <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "To: <%s:%s@" DOMAIN ">\r\n"
         "Call-ID: %s\r\n"
         "CSeq: %u INVITE\r\n"
         "User-Agent: %s\r\n",
         vias, a.user, scheme, a.user, a.tag, scheme, b.user, callid, cseq, b.ua);
    emit(g, MIX_180,
         "SIP/2.0 180 Ringing\r\n%s%s"
         "From: \"Ext %s\" <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "To: <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "Call-ID: %s\r\n"
         "CSeq: %u INVITE\r\n"
         "Contact: <%s:%s@%s:%u;transport=%s>\r\n"
         "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE\r\n"
         "User-Agent: %s\r\n",
         vias, rr, a.user, scheme, a.user, a.tag, scheme, b.user, b.tag, callid, cseq, scheme,
         b.user, b.ip, b.port, srtp ? "tls" : "udp", b.ua);
    sdp_body(g, &b, srtp, sess + 7);
    emit(g, MIX_200_INVITE,
         "SIP/2.0 200 OK\r\n%s%s"
         "From: \"Ext %s\" <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "To: <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "Call-ID: %s\r\n"
         "CSeq: %u INVITE\r\n"
         "Contact: <%s:%s@%s:%u;transport=%s>\r\n"
         "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE\r\n"
         "Supported: replaces, timer\r\n"
         "Session-Expires: 1800;refresher=uac\r\n"
         "Require: timer\r\n"
         "User-Agent: %s\r\n"
         "Content-Type: application/sdp\r\n",
         vias, rr, a.user, scheme, a.user, a.tag, scheme, b.user, b.tag, callid, cseq, scheme,
         b.user, b.ip, b.port, srtp ? "tls" : "udp", b.ua);

    /* ACK and BYE from the caller, routed through the proxy. */
    emit(g, MIX_ACK,
         "ACK %s:%s@%s:%u;transport=%s SIP/2.0\r\n"
         "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%sa;rport\r\n"
         "Route: <%s:" PROXY ":5061;transport=%s;lr;ftag=%s>\r\n"
         "Max-Forwards: 70\r\n"
         "From: \"Ext %s\" <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "To: <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "Call-ID: %s\r\n"
         "CSeq: %u ACK\r\n"
         "User-Agent: %s\r\n",
         scheme, b.user, b.ip, b.port, srtp ? "tls" : "udp", tr, a.ip, aport, br_a, scheme,
         srtp ? "tls" : "udp", a.tag, a.user, scheme, a.user, a.tag, scheme, b.user, b.tag, callid,
         cseq, a.ua);
    int caller_hangs_up = rnd_below(&g->r, 2);
    const party *x = caller_hangs_up ? &a : &b, *y = caller_hangs_up ? &b : &a;
    const char *xtag = caller_hangs_up ? a.tag : b.tag, *ytag = caller_hangs_up ? b.tag : a.tag;
    unsigned bye_cseq = caller_hangs_up ? cseq + 1 : 1 + rnd_below(&g->r, 100);
    unsigned xport = caller_hangs_up ? aport : x->port;
    emit(g, MIX_BYE,
         "BYE %s:%s@%s:%u;transport=%s SIP/2.0\r\n"
         "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%s;rport\r\n"
         "Route: <%s:" PROXY ":5061;transport=%s;lr;ftag=%s>\r\n"
         "Max-Forwards: 70\r\n"
         "From: <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "To: <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "Call-ID: %s\r\n"
         "CSeq: %u BYE\r\n"
         "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n"
         "User-Agent: %s\r\n",
         scheme, y->user, y->ip, y->port, srtp ? "tls" : "udp", tr, x->ip, xport, br_bye, scheme,
         srtp ? "tls" : "udp", a.tag, scheme, x->user, xtag, scheme, y->user, ytag, callid,
         bye_cseq, x->ua);
    emit(g, MIX_200_BYE,
         "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%s;received=%s;rport=%u\r\n"
         "From: <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "To: <%s:%s@" DOMAIN ">;tag=%s\r\n"
         "Call-ID: %s\r\n"
         "CSeq: %u BYE\r\n"
         "User-Agent: %s\r\n",
         tr, x->ip, xport, br_bye, x->ip, xport, scheme, x->user, xtag, scheme, y->user, ytag,
         callid, bye_cseq, y->ua);
}

static void scenario_scan(gen *g)
{
    /* SIPVicious-style probe of a public address, and the PBX's 404. */
    char target[24], src[24], branch[20], tag[16];
    snprintf(target, sizeof target, "198.51.100.%u", 1 + rnd_below(&g->r, 254));
    snprintf(src, sizeof src, "203.0.113.%u", 1 + rnd_below(&g->r, 254));
    rnd_hex(&g->r, branch, 12);
    rnd_hex(&g->r, tag, 8);
    unsigned ext = 100 + rnd_below(&g->r, 900), sport = 5060 + rnd_below(&g->r, 1000);
    unsigned callid = (unsigned)(rnd(&g->r) >> 34);
    emit(g, MIX_OPTIONS_SCAN,
         "OPTIONS sip:%u@%s SIP/2.0\r\n"
         "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-%s;rport\r\n"
         "Max-Forwards: 70\r\n"
         "To: \"sipvicious\"<sip:%u@%s>\r\n"
         "From: \"sipvicious\"<sip:%u@%s>;tag=%s\r\n"
         "User-Agent: friendly-scanner\r\n"
         "Call-ID: %u\r\n"
         "Contact: sip:%u@%s:%u\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Accept: application/sdp\r\n",
         ext, target, src, sport, branch, ext, target, ext, target, tag, callid, ext, src, sport);
    char totag[16];
    rnd_hex(&g->r, totag, 8);
    emit(g, MIX_404,
         "SIP/2.0 404 Not Found\r\n"
         "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-%s;received=%s;rport=%u\r\n"
         "From: \"sipvicious\"<sip:%u@%s>;tag=%s\r\n"
         "To: \"sipvicious\"<sip:%u@%s>;tag=as%s\r\n"
         "Call-ID: %u\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Server: %s\r\n"
         "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n"
         "Supported: replaces, timer\r\n"
         "Accept: application/sdp\r\n",
         src, sport, branch, src, sport, ext, target, tag, ext, target, totag, callid,
         servers[rnd_below(&g->r, 3)]);
}

static void scenario_mwi(gen *g)
{
    party ph;
    make_party(g, &ph, 1);
    char callid[40], branch[20], pbx_tag[16];
    rnd_hex(&g->r, callid, 32);
    rnd_hex(&g->r, branch, 16);
    rnd_hex(&g->r, pbx_tag, 8);
    unsigned cseq = 1 + rnd_below(&g->r, 200), nnew = rnd_below(&g->r, 5),
             nold = rnd_below(&g->r, 20);
    body(g,
         "Messages-Waiting: %s\r\n"
         "Message-Account: sip:*97@" DOMAIN "\r\n"
         "Voice-Message: %u/%u (0/0)\r\n",
         nnew ? "yes" : "no", nnew, nold);
    emit(g, MIX_NOTIFY,
         "NOTIFY sip:%s@%s:%u;transport=udp SIP/2.0\r\n"
         "Via: SIP/2.0/UDP " PBX_IP ":5060;branch=z9hG4bK%s;rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: \"asterisk\" <sip:asterisk@" DOMAIN ">;tag=as%s\r\n"
         "To: <sip:%s@" DOMAIN ">;tag=%s\r\n"
         "Contact: <sip:asterisk@" PBX_IP ":5060>\r\n"
         "Call-ID: %s@" PBX_IP ":5060\r\n"
         "CSeq: %u NOTIFY\r\n"
         "User-Agent: %s\r\n"
         "Event: message-summary\r\n"
         "Subscription-State: active;expires=3600\r\n"
         "Content-Type: application/simple-message-summary\r\n",
         ph.user, ph.ip, ph.port, branch, pbx_tag, ph.user, ph.tag, callid, cseq, servers[0]);
    emit(g, MIX_200_NOTIFY,
         "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/UDP " PBX_IP ":5060;branch=z9hG4bK%s;rport=5060\r\n"
         "From: \"asterisk\" <sip:asterisk@" DOMAIN ">;tag=as%s\r\n"
         "To: <sip:%s@" DOMAIN ">;tag=%s\r\n"
         "Call-ID: %s@" PBX_IP ":5060\r\n"
         "CSeq: %u NOTIFY\r\n"
         "User-Agent: %s\r\n",
         branch, pbx_tag, ph.user, ph.tag, callid, cseq, ph.ua);
}

const char *bench_kind_name(bench_kind k)
{
    static const char *const names[MIX__COUNT] = {
        [MIX_REGISTER] = "REGISTER",       [MIX_REGISTER_AUTH] = "REGISTER+auth",
        [MIX_401] = "401",                 [MIX_200_REGISTER] = "200/REGISTER",
        [MIX_INVITE_AVP] = "INVITE/AVP",   [MIX_INVITE_SAVP] = "INVITE/SAVP",
        [MIX_100] = "100",                 [MIX_180] = "180",
        [MIX_200_INVITE] = "200/INVITE",   [MIX_ACK] = "ACK",
        [MIX_BYE] = "BYE",                 [MIX_200_BYE] = "200/BYE",
        [MIX_OPTIONS_SCAN] = "OPTIONS",    [MIX_404] = "404",
        [MIX_NOTIFY] = "NOTIFY",           [MIX_200_NOTIFY] = "200/NOTIFY",
    };
    return (unsigned)k < MIX__COUNT ? names[k] : "?";
}

int bench_mix_build(bench_mix *mix, size_t count, uint64_t seed)
{
    memset(mix, 0, sizeof *mix);
    gen g = {.mix = mix, .r = {seed ? seed : 0x9e3779b97f4a7c15ULL}};
    while (mix->count < count && !g.oom) {
        unsigned pick = rnd_below(&g.r, 100);
        if (pick < 30)
            scenario_register(&g);
        else if (pick < 70)
            scenario_call(&g);
        else if (pick < 85)
            scenario_scan(&g);
        else
            scenario_mwi(&g);
    }
    if (g.oom) {
        bench_mix_free(mix);
        return -1;
    }
    return 0;
}

void bench_mix_free(bench_mix *mix)
{
    free(mix->buf);
    free(mix->off);
    free(mix->mlen);
    free(mix->kind);
    memset(mix, 0, sizeof *mix);
}
