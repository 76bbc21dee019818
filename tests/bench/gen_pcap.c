/* gen_pcap: writes a realistic SIP capture for the monitor benchmark (scripts/bench.sh).
 *
 *   gen_pcap -o FILE [--messages N] [--sources N] [--call-ids N] [--seconds S] [--seed S]
 *   gen_pcap -o FILE --flood-sources N [--hide-bruteforce IP] [--seconds S] [--seed S]
 *
 * Base mix (default): what a monitor on the access link of a busy PBX (192.0.2.10:5060, UDP)
 * sees during one weekday hour. --sources phones (20,000, in 172.16.0.0/12, extensions 1000 and
 * up) register (REGISTER -> 401 digest challenge with qop=auth -> REGISTER with Authorization ->
 * 200), keep their NAT binding open with OPTIONS (-> 200), and place or receive calls: INVITE with
 * SDP (RTP/AVP, a third RTP/SAVP with a=crypto) -> 100 -> 180 -> 200 with SDP -> ACK, BYE from
 * either side after 20 s to 10 min -> 200. Some outgoing calls are first challenged (407 -> ACK ->
 * INVITE with Proxy-Authorization), some end busy (486 -> ACK). Inbound calls come from the PBX.
 * Digest responses are random: the phones' passwords are strong, no wordlist contains them.
 * There is no attack in this mix. The share of registrations against keep-alives is chosen so
 * that the file holds about --call-ids distinct Call-IDs; scenarios start at a steady rate over
 * --seconds (3600) and overlap in time; the file is written in time order.
 *
 * Flood (--flood-sources N): N distinct sources (alternately from 10.0.0.0/8 and 100.64.0.0/10)
 * each send one REGISTER (70 %) or INVITE with SDP (30 %) with a unique Call-ID to the PBX, evenly
 * over --seconds (600), unanswered. --hide-bruteforce IP interleaves, from the middle on, a
 * password-guessing run from IP: a REGISTER for user 1001, its 401, then 60 REGISTERs with
 * Authorization one second apart, each answered 401.
 *
 * Output: classic pcap (DLT_EN10MB, microsecond timestamps), Ethernet/IPv4/UDP with correct
 * lengths, IPv4 header checksum and UDP checksum. One datagram per SIP message (all are under
 * 1472 bytes; generation fails otherwise). The PRNG is seeded: the same options write the same
 * file, byte for byte. A summary (messages, Call-IDs, sources, bytes) goes to standard error.
 * Exit status: 0, 1 on an I/O error or a message too large, 2 on a usage error. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic randomness -------------------------------------------------------------- */
static uint64_t rng_state, seed_mix;

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static unsigned below(unsigned n)
{
    return (unsigned)((rnd() >> 32) % n);
}

/* A value derived from (id, salt): identifiers of a scenario are computed, not stored. */
static uint64_t derive(uint64_t id, uint64_t salt)
{
    return splitmix(splitmix(id ^ seed_mix) ^ (salt * 0x9e3779b97f4a7c15ULL));
}

static void hex(char *out, uint64_t a, uint64_t b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        uint64_t w = i < 16 ? a : b;
        out[i] = digits[(w >> (60 - 4 * (i % 16))) & 15];
    }
    out[n] = '\0';
}

/* n hex digits (n <= 32) derived from (id, salt). */
static const char *hexid(char *out, uint64_t id, uint64_t salt, size_t n)
{
    hex(out, derive(id, salt), derive(id, salt + 1000), n);
    return out;
}

/* ---- pcap output ---------------------------------------------------------------------------- */
static FILE *out;
static uint64_t n_packets, n_bytes;
static uint16_t ip_ident;
static bool io_error, too_large;

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void pcap_header(void)
{
    uint8_t h[24];
    put32le(h, 0xa1b2c3d4);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4, little endian */
    put32le(h + 8, 0);                      /* thiszone */
    put32le(h + 12, 0);                     /* sigfigs */
    put32le(h + 16, 65535);                 /* snaplen */
    put32le(h + 20, 1);                     /* DLT_EN10MB */
    if (fwrite(h, 1, sizeof h, out) != sizeof h)
        io_error = true;
}

/* Writes one UDP datagram src:sport -> dst:dport at ts_us. */
static void send_udp(int64_t ts_us, uint32_t src, unsigned sport, uint32_t dst, unsigned dport,
                     const char *payload, size_t len)
{
    uint8_t f[1514];
    if (len > 1472) {
        too_large = true;
        return;
    }
    size_t ip_len = 20 + 8 + len, frame = 14 + ip_len;
    /* Ethernet: locally administered MACs derived from the addresses */
    uint8_t *e = f;
    e[0] = 0x02, e[1] = 0x00;
    e[2] = (uint8_t)(dst >> 24), e[3] = (uint8_t)(dst >> 16), e[4] = (uint8_t)(dst >> 8), e[5] = (uint8_t)dst;
    e[6] = 0x02, e[7] = 0x00;
    e[8] = (uint8_t)(src >> 24), e[9] = (uint8_t)(src >> 16), e[10] = (uint8_t)(src >> 8), e[11] = (uint8_t)src;
    put16(e + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[1] = 0x60; /* DSCP CS3, as phones mark signalling */
    put16(ip + 2, (unsigned)ip_len);
    put16(ip + 4, ip_ident++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 17;
    put16(ip + 10, 0);
    put16(ip + 12, src >> 16), put16(ip + 14, src & 0xffff);
    put16(ip + 16, dst >> 16), put16(ip + 18, dst & 0xffff);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    uint8_t *udp = ip + 20;
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, (unsigned)(8 + len));
    put16(udp + 6, 0);
    memcpy(udp + 8, payload, len);
    uint32_t s = sum16(ip + 12, 8, 17 + (uint32_t)(8 + len)); /* pseudo header */
    uint16_t ck = fold(sum16(udp, 8 + len, s));
    put16(udp + 6, ck ? ck : 0xffff);

    uint8_t rec[16];
    put32le(rec, (uint32_t)(ts_us / 1000000));
    put32le(rec + 4, (uint32_t)(ts_us % 1000000));
    put32le(rec + 8, (uint32_t)frame);
    put32le(rec + 12, (uint32_t)frame);
    if (fwrite(rec, 1, 16, out) != 16 || fwrite(f, 1, frame, out) != frame)
        io_error = true;
    n_packets++;
    n_bytes += frame + 16;
}

/* ---- message text --------------------------------------------------------------------------- */
static char msg[4096];
static size_t msg_len;
static char sdp[1024];
static size_t sdp_len;

__attribute__((format(printf, 1, 2))) static void ap(const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    int n = vsnprintf(msg + msg_len, sizeof msg - msg_len, fmt, va);
    va_end(va);
    if (n < 0 || (size_t)n >= sizeof msg - msg_len) {
        too_large = true;
        return;
    }
    msg_len += (size_t)n;
}

/* Ends the headers: Content-Length of the pending SDP (if any), the empty line, the body. */
static void finish(bool with_sdp)
{
    size_t blen = with_sdp ? sdp_len : 0;
    if (with_sdp)
        ap("Content-Type: application/sdp\r\n");
    ap("Content-Length: %zu\r\n\r\n", blen);
    if (blen && msg_len + blen < sizeof msg) {
        memcpy(msg + msg_len, sdp, blen);
        msg_len += blen;
    } else if (blen) {
        too_large = true;
    }
}

static const char *ipstr(uint32_t a, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return buf;
}

static void make_sdp(uint64_t id, uint64_t salt, uint32_t addr, const char *user, bool srtp)
{
    char ip[16];
    ipstr(addr, ip);
    uint64_t v = derive(id, salt);
    unsigned sess = (unsigned)(v % 900000000u) + 100000000u, port = 10000 + 2 * (unsigned)((v >> 32) % 10000);
    int n;
    if (srtp) {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char key[41];
        uint64_t k1 = derive(id, salt + 1), k2 = derive(id, salt + 2), k3 = derive(id, salt + 3),
                 k4 = derive(id, salt + 4);
        for (int i = 0; i < 40; i++) {
            uint64_t w = i < 10 ? k1 : i < 20 ? k2 : i < 30 ? k3 : k4;
            key[i] = b64[(w >> (6 * (i % 10))) & 63];
        }
        key[40] = '\0';
        n = snprintf(sdp, sizeof sdp,
                     "v=0\r\no=%s %u %u IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                     "m=audio %u RTP/SAVP 9 0 8 101\r\n"
                     "a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
                     "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
                     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n"
                     "a=ptime:20\r\na=sendrecv\r\n",
                     user, sess, sess, ip, ip, port, key);
    } else {
        n = snprintf(sdp, sizeof sdp,
                     "v=0\r\no=%s %u %u IN IP4 %s\r\ns=SIP Call\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                     "m=audio %u RTP/AVP 0 8 18 101\r\n"
                     "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:18 G729/8000\r\n"
                     "a=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\n"
                     "a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n",
                     user, sess, sess, ip, ip, port);
    }
    sdp_len = n > 0 && (size_t)n < sizeof sdp ? (size_t)n : 0;
}

/* ---- the PBX and its phones ----------------------------------------------------------------- */
#define DOMAIN "pbx.example.com"
#define PBX_ADDR 0xc000020au /* 192.0.2.10 */
#define PBX_IP "192.0.2.10"
#define PBX_PORT 5060u

static const char *const user_agents[] = {
    "Yealink SIP-T46S 66.86.0.15",         "Yealink SIP-T54W 96.86.0.100",
    "PolycomVVX-VVX_411-UA/6.4.3.5018",    "Grandstream GXP2170 1.0.11.23",
    "Linphone/5.2.0 (belle-sip/5.2.0)",    "Zoiper rv2.10.20.1",
    "Cisco/SPA504G-7.6.2c",                "snom D785/10.1.159.12",
};
#define N_UA (sizeof user_agents / sizeof user_agents[0])
#define PBX_UA "Asterisk PBX 20.5.0"

typedef struct phone {
    uint32_t addr;
    uint16_t port;
    uint8_t ua;
    unsigned ext;
} phone;

static phone *phones;
static unsigned n_phones;

/* ---- scenarios ------------------------------------------------------------------------------ */
enum { SC_REGISTER, SC_OPTIONS, SC_CALL_OUT, SC_CALL_IN };

/* message codes of a scenario's script */
enum {
    M_REG, M_401, M_REG_AUTH, M_200_REG,
    M_OPT, M_200_OPT,
    M_INV, M_407, M_ACK_407, M_INV_AUTH, M_100, M_180, M_200_INV, M_ACK, M_486, M_ACK_486,
    M_BYE_UAC, M_BYE_UAS, M_200_BYE_UAC, M_200_BYE_UAS,
};

#define MAX_STEPS 14

typedef struct scen {
    int64_t t; /* time of the next step */
    uint64_t id;
    uint32_t phone;
    uint32_t cseq;
    uint8_t kind, step, nsteps;
    bool srtp;
    char peer[16]; /* dialled number (outgoing) or calling number (incoming) */
    uint8_t code[MAX_STEPS];
    int64_t at[MAX_STEPS]; /* absolute time of each step */
} scen;

/* min-heap of scenarios by (t, id) */
static scen **heap;
static size_t heap_n, heap_cap;

static bool before(const scen *a, const scen *b)
{
    return a->t < b->t || (a->t == b->t && a->id < b->id);
}

static void heap_push(scen *s)
{
    if (heap_n == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 4096;
        heap = realloc(heap, heap_cap * sizeof *heap);
        if (!heap) {
            fprintf(stderr, "gen_pcap: out of memory\n");
            exit(1);
        }
    }
    size_t i = heap_n++;
    while (i > 0 && before(s, heap[(i - 1) / 2])) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = s;
}

static scen *heap_pop(void)
{
    scen *top = heap[0], *last = heap[--heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= heap_n)
            break;
        if (c + 1 < heap_n && before(heap[c + 1], heap[c]))
            c++;
        if (!before(heap[c], last))
            break;
        heap[i] = heap[c];
        i = c;
    }
    if (heap_n)
        heap[i] = last;
    return top;
}

static void script(scen *s, int64_t t, int code)
{
    s->code[s->nsteps] = (uint8_t)code;
    s->at[s->nsteps] = t;
    s->nsteps++;
}

static int64_t ms(unsigned lo, unsigned hi)
{
    return 1000 * (int64_t)(lo + below(hi - lo + 1));
}

/* Plans a scenario starting at t. Returns its number of messages. */
static unsigned plan(scen *s, int kind, int64_t t)
{
    s->kind = (uint8_t)kind;
    s->nsteps = s->step = 0;
    s->phone = below(n_phones);
    s->cseq = 1 + below(9000);
    s->srtp = below(3) == 0;
    switch (kind) {
    case SC_REGISTER:
        script(s, t, M_REG);
        script(s, t += ms(1, 4), M_401);
        script(s, t += ms(15, 60), M_REG_AUTH);
        script(s, t += ms(2, 8), M_200_REG);
        break;
    case SC_OPTIONS:
        script(s, t, M_OPT);
        script(s, t += ms(1, 3), M_200_OPT);
        break;
    case SC_CALL_OUT:
    case SC_CALL_IN: {
        bool out_call = kind == SC_CALL_OUT;
        /* internal extension, or a national number (never international: no toll fraud) */
        unsigned area = 20 + below(70), subscriber = below(10000000);
        if (out_call && below(10) < 6)
            snprintf(s->peer, sizeof s->peer, "%u", 1000 + subscriber % n_phones);
        else
            snprintf(s->peer, sizeof s->peer, "0%u%07u", area, subscriber);
        script(s, t, M_INV);
        if (out_call && below(10) < 4) { /* challenged first */
            script(s, t += ms(1, 4), M_407);
            script(s, t += ms(1, 3), M_ACK_407);
            script(s, t += ms(10, 40), M_INV_AUTH);
        }
        script(s, t += ms(1, 10), M_100);
        script(s, t += ms(50, 400), M_180);
        if (below(10) == 0) { /* busy */
            script(s, t += ms(2000, 8000), M_486);
            script(s, t += ms(1, 5), M_ACK_486);
            break;
        }
        script(s, t += ms(2000, 15000), M_200_INV);
        script(s, t += ms(5, 40), M_ACK);
        /* call length: 20 s to 10 min, mostly short */
        int64_t len = 20000000 + (int64_t)(below(1000) * (int64_t)below(580)) * 1000;
        bool uac_hangs_up = below(2);
        script(s, t += len, uac_hangs_up ? M_BYE_UAC : M_BYE_UAS);
        script(s, t += ms(2, 30), uac_hangs_up ? M_200_BYE_UAS : M_200_BYE_UAC);
        break;
    }
    }
    s->t = s->at[0];
    return s->nsteps;
}

/* Emits the current step of s. */
static void emit(const scen *s)
{
    const phone *ph = &phones[s->phone];
    char pip[16], callid[64], ftag[16], ttag[16], br[24], nonce[40], opaque[24], resp[40],
        cnonce[20], h[40];
    ipstr(ph->addr, pip);
    const char *ua = user_agents[ph->ua];
    uint64_t id = s->id;
    int code = s->code[s->step];
    msg_len = 0;
    hexid(ftag, id, 2, 10);
    hexid(ttag, id, 3, 10);
    hexid(nonce, id, 5, 32);
    hexid(opaque, id, 6, 16);

    if (s->kind == SC_REGISTER) {
        snprintf(callid, sizeof callid, "%s@%s", hexid(h, id, 1, 32), pip);
        bool second = code == M_REG_AUTH || code == M_200_REG;
        hexid(br, id, second ? 11 : 10, 16);
        unsigned cseq = s->cseq + second, expires = (s->phone & 1) ? 3600 : 600;
        bool req = code == M_REG || code == M_REG_AUTH;
        if (req) {
            ap("REGISTER sip:" DOMAIN " SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
               "Max-Forwards: 70\r\n"
               "From: \"Ext %u\" <sip:%u@" DOMAIN ">;tag=%s\r\n"
               "To: \"Ext %u\" <sip:%u@" DOMAIN ">\r\n"
               "Call-ID: %s\r\n"
               "CSeq: %u REGISTER\r\n"
               "Contact: <sip:%u@%s:%u;transport=udp>\r\n",
               pip, ph->port, br, ph->ext, ph->ext, ftag, ph->ext, ph->ext, callid, cseq, ph->ext,
               pip, ph->port);
            if (code == M_REG_AUTH)
                ap("Authorization: Digest username=\"%u\", realm=\"" DOMAIN "\", nonce=\"%s\", "
                   "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=MD5, cnonce=\"%s\", "
                   "opaque=\"%s\", qop=auth, nc=00000001\r\n",
                   ph->ext, nonce, hexid(resp, id, 7, 32), hexid(cnonce, id, 8, 16), opaque);
            ap("Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, SUBSCRIBE, UPDATE, MESSAGE\r\n"
               "Supported: path, gruu, outbound\r\n"
               "User-Agent: %s\r\n"
               "Expires: %u\r\n",
               ua, expires);
            finish(false);
            send_udp(s->at[s->step], ph->addr, ph->port, PBX_ADDR, PBX_PORT, msg, msg_len);
        } else {
            ap("SIP/2.0 %s\r\n"
               "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;received=%s;rport=%u\r\n"
               "From: \"Ext %u\" <sip:%u@" DOMAIN ">;tag=%s\r\n"
               "To: \"Ext %u\" <sip:%u@" DOMAIN ">;tag=as%s\r\n"
               "Call-ID: %s\r\n"
               "CSeq: %u REGISTER\r\n"
               "Server: " PBX_UA "\r\n"
               "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n"
               "Supported: replaces, timer\r\n",
               code == M_401 ? "401 Unauthorized" : "200 OK", pip, ph->port, br, pip, ph->port,
               ph->ext, ph->ext, ftag, ph->ext, ph->ext, ttag, callid, cseq);
            if (code == M_401)
                ap("WWW-Authenticate: Digest realm=\"" DOMAIN "\", nonce=\"%s\", opaque=\"%s\", "
                   "algorithm=MD5, qop=\"auth\"\r\n",
                   nonce, opaque);
            else
                ap("Contact: <sip:%u@%s:%u;transport=udp>;expires=%u\r\n"
                   "Expires: %u\r\n"
                   "Date: Tue, 03 Nov 2026 %02u:%02u:%02u GMT\r\n",
                   ph->ext, pip, ph->port, expires, expires,
                   (unsigned)(s->at[s->step] / 3600000000 % 24),
                   (unsigned)(s->at[s->step] / 60000000 % 60),
                   (unsigned)(s->at[s->step] / 1000000 % 60));
            finish(false);
            send_udp(s->at[s->step], PBX_ADDR, PBX_PORT, ph->addr, ph->port, msg, msg_len);
        }
        return;
    }

    if (s->kind == SC_OPTIONS) {
        snprintf(callid, sizeof callid, "%s", hexid(h, id, 1, 24));
        hexid(br, id, 10, 16);
        if (code == M_OPT) {
            ap("OPTIONS sip:" DOMAIN " SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
               "Max-Forwards: 70\r\n"
               "From: <sip:%u@" DOMAIN ">;tag=%s\r\n"
               "To: <sip:" DOMAIN ">\r\n"
               "Call-ID: %s\r\n"
               "CSeq: %u OPTIONS\r\n"
               "User-Agent: %s\r\n",
               pip, ph->port, br, ph->ext, ftag, callid, s->cseq, ua);
            finish(false);
            send_udp(s->at[s->step], ph->addr, ph->port, PBX_ADDR, PBX_PORT, msg, msg_len);
        } else {
            ap("SIP/2.0 200 OK\r\n"
               "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;received=%s;rport=%u\r\n"
               "From: <sip:%u@" DOMAIN ">;tag=%s\r\n"
               "To: <sip:" DOMAIN ">;tag=as%s\r\n"
               "Call-ID: %s\r\n"
               "CSeq: %u OPTIONS\r\n"
               "Server: " PBX_UA "\r\n"
               "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n"
               "Supported: replaces, timer\r\n"
               "Accept: application/sdp\r\n",
               pip, ph->port, br, pip, ph->port, ph->ext, ftag, ttag, callid, s->cseq);
            finish(false);
            send_udp(s->at[s->step], PBX_ADDR, PBX_PORT, ph->addr, ph->port, msg, msg_len);
        }
        return;
    }

    /* calls: UAC is the phone (outgoing) or the PBX (incoming) */
    bool out_call = s->kind == SC_CALL_OUT;
    uint32_t uac_addr = out_call ? ph->addr : PBX_ADDR, uas_addr = out_call ? PBX_ADDR : ph->addr;
    unsigned uac_port = out_call ? ph->port : PBX_PORT, uas_port = out_call ? PBX_PORT : ph->port;
    char uac_ip[16], uas_ip[16], from_user[16], to_user[16];
    ipstr(uac_addr, uac_ip);
    ipstr(uas_addr, uas_ip);
    snprintf(from_user, sizeof from_user, "%s", s->peer);
    snprintf(to_user, sizeof to_user, "%s", s->peer);
    if (out_call)
        snprintf(from_user, sizeof from_user, "%u", ph->ext);
    else
        snprintf(to_user, sizeof to_user, "%u", ph->ext);
    const char *uac_ua = out_call ? ua : PBX_UA, *uas_ua = out_call ? PBX_UA : ua;
    if (out_call)
        snprintf(callid, sizeof callid, "%s@%s", hexid(h, id, 1, 24), pip);
    else
        snprintf(callid, sizeof callid, "%s@" PBX_IP ":5060", hexid(h, id, 1, 16));
    bool challenged = false;
    for (unsigned i = 0; i < s->nsteps; i++)
        challenged |= s->code[i] == M_407;
    unsigned inv_cseq = s->cseq + (challenged && code != M_407 && code != M_ACK_407);
    /* transactions: 0 first INVITE, 1 INVITE after the challenge, 2 ACK of 2xx, 3 BYE */
    char br_inv[24], br_ack[24], br_bye[24];
    hexid(br_inv, id, (challenged && code != M_407 && code != M_ACK_407) ? 21 : 20, 16);
    hexid(br_ack, id, 22, 16);
    hexid(br_bye, id, 23, 16);
    const char *disp = out_call ? "" : "\"Outside\" ";

    switch (code) {
    case M_INV:
    case M_INV_AUTH:
        make_sdp(id, 100, uac_addr, out_call ? from_user : "asterisk", s->srtp);
        ap("INVITE sip:%s@%s:%u SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: %s<sip:%s@" DOMAIN ">;tag=%s\r\n"
           "To: <sip:%s@" DOMAIN ">\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %u INVITE\r\n"
           "Contact: <sip:%s@%s:%u;transport=udp>\r\n",
           to_user, out_call ? DOMAIN : uas_ip, out_call ? 5060 : uas_port, uac_ip, uac_port,
           br_inv, disp, from_user, ftag, to_user, callid, inv_cseq, from_user, uac_ip, uac_port);
        if (code == M_INV_AUTH)
            ap("Proxy-Authorization: Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
               "uri=\"sip:%s@" DOMAIN "\", response=\"%s\", algorithm=MD5, cnonce=\"%s\", "
               "opaque=\"%s\", qop=auth, nc=00000001\r\n",
               from_user, nonce, to_user, hexid(resp, id, 7, 32), hexid(cnonce, id, 8, 16), opaque);
        ap("Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE\r\n"
           "Supported: replaces, timer\r\n"
           "Session-Expires: 1800;refresher=uac\r\n"
           "Min-SE: 90\r\n"
           "User-Agent: %s\r\n",
           uac_ua);
        finish(true);
        send_udp(s->at[s->step], uac_addr, uac_port, uas_addr, uas_port, msg, msg_len);
        return;
    case M_ACK:
    case M_ACK_407:
    case M_ACK_486:
        ap("ACK sip:%s@%s:%u SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: %s<sip:%s@" DOMAIN ">;tag=%s\r\n"
           "To: <sip:%s@" DOMAIN ">;tag=%s\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %u ACK\r\n"
           "User-Agent: %s\r\n",
           to_user, code == M_ACK ? uas_ip : (out_call ? DOMAIN : uas_ip),
           code == M_ACK ? uas_port : (out_call ? 5060 : uas_port), uac_ip, uac_port,
           code == M_ACK ? br_ack : br_inv, disp, from_user, ftag, to_user,
           code == M_ACK_407 ? nonce + 20 : ttag, callid, inv_cseq, uac_ua);
        finish(false);
        send_udp(s->at[s->step], uac_addr, uac_port, uas_addr, uas_port, msg, msg_len);
        return;
    case M_BYE_UAC:
    case M_BYE_UAS: {
        bool by_uac = code == M_BYE_UAC;
        ap("BYE sip:%s@%s:%u SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:%s@" DOMAIN ">;tag=%s\r\n"
           "To: <sip:%s@" DOMAIN ">;tag=%s\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %u BYE\r\n"
           "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n"
           "User-Agent: %s\r\n",
           by_uac ? to_user : from_user, by_uac ? uas_ip : uac_ip, by_uac ? uas_port : uac_port,
           by_uac ? uac_ip : uas_ip, by_uac ? uac_port : uas_port, br_bye,
           by_uac ? from_user : to_user, by_uac ? ftag : ttag, by_uac ? to_user : from_user,
           by_uac ? ttag : ftag, callid, by_uac ? inv_cseq + 1 : 1 + (unsigned)(id % 50),
           by_uac ? uac_ua : uas_ua);
        finish(false);
        if (by_uac)
            send_udp(s->at[s->step], uac_addr, uac_port, uas_addr, uas_port, msg, msg_len);
        else
            send_udp(s->at[s->step], uas_addr, uas_port, uac_addr, uac_port, msg, msg_len);
        return;
    }
    case M_200_BYE_UAC:
    case M_200_BYE_UAS: {
        bool bye_by_uac = code == M_200_BYE_UAS; /* the UAS answers the UAC's BYE */
        const char *bye_ip = bye_by_uac ? uac_ip : uas_ip;
        unsigned bye_port = bye_by_uac ? uac_port : uas_port;
        ap("SIP/2.0 200 OK\r\n"
           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;received=%s;rport=%u\r\n"
           "From: <sip:%s@" DOMAIN ">;tag=%s\r\n"
           "To: <sip:%s@" DOMAIN ">;tag=%s\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %u BYE\r\n"
           "User-Agent: %s\r\n",
           bye_ip, bye_port, br_bye, bye_ip, bye_port, bye_by_uac ? from_user : to_user,
           bye_by_uac ? ftag : ttag, bye_by_uac ? to_user : from_user, bye_by_uac ? ttag : ftag,
           callid, bye_by_uac ? inv_cseq + 1 : 1 + (unsigned)(id % 50),
           bye_by_uac ? uas_ua : uac_ua);
        finish(false);
        if (bye_by_uac)
            send_udp(s->at[s->step], uas_addr, uas_port, uac_addr, uac_port, msg, msg_len);
        else
            send_udp(s->at[s->step], uac_addr, uac_port, uas_addr, uas_port, msg, msg_len);
        return;
    }
    default:
        break;
    }

    /* responses to the INVITE, from the UAS */
    const char *status = code == M_407   ? "407 Proxy Authentication Required"
                         : code == M_100 ? "100 Trying"
                         : code == M_180 ? "180 Ringing"
                         : code == M_486 ? "486 Busy Here"
                                         : "200 OK";
    ap("SIP/2.0 %s\r\n"
       "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;received=%s;rport=%u\r\n"
       "From: %s<sip:%s@" DOMAIN ">;tag=%s\r\n",
       status, uac_ip, uac_port, br_inv, uac_ip, uac_port, disp, from_user, ftag);
    if (code == M_100)
        ap("To: <sip:%s@" DOMAIN ">\r\n", to_user);
    else
        ap("To: <sip:%s@" DOMAIN ">;tag=%s\r\n", to_user, code == M_407 ? nonce + 20 : ttag);
    ap("Call-ID: %s\r\n"
       "CSeq: %u INVITE\r\n"
       "%s: %s\r\n",
       callid, inv_cseq, out_call ? "Server" : "User-Agent", uas_ua);
    if (code == M_407)
        ap("Proxy-Authenticate: Digest realm=\"" DOMAIN "\", nonce=\"%s\", opaque=\"%s\", "
           "algorithm=MD5, qop=\"auth\"\r\n",
           nonce, opaque);
    if (code == M_180 || code == M_200_INV)
        ap("Contact: <sip:%s@%s:%u;transport=udp>\r\n"
           "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE\r\n",
           to_user, uas_ip, uas_port);
    if (code == M_200_INV) {
        ap("Supported: replaces, timer\r\n"
           "Session-Expires: 1800;refresher=uac\r\n"
           "Require: timer\r\n");
        make_sdp(id, 200, uas_addr, out_call ? "asterisk" : to_user, s->srtp);
        finish(true);
    } else {
        finish(false);
    }
    send_udp(s->at[s->step], uas_addr, uas_port, uac_addr, uac_port, msg, msg_len);
}

/* ---- the base mix --------------------------------------------------------------------------- */
static int64_t t_start_us;

static void base_mix(uint64_t messages, uint64_t call_ids, int64_t seconds, uint64_t *callids_out,
                     uint64_t *scen_out)
{
    /* Choose the share of registrations (4 messages) against keep-alives (2) so that the average
     * scenario has messages/call_ids messages; calls are a fixed quarter of the scenarios and
     * average about 7.7 messages. */
    double target = (double)messages / (double)(call_ids ? call_ids : 1);
    const double p_call = 0.25, call_avg = 7.7;
    double p_reg = (target - p_call * call_avg - 2.0 * (1.0 - p_call)) / 2.0;
    if (p_reg < 0.05)
        p_reg = 0.05;
    if (p_reg > 1.0 - p_call)
        p_reg = 1.0 - p_call;
    unsigned reg_permille = (unsigned)(p_reg * 1000.0), call_permille = (unsigned)(p_call * 1000.0);
    double expected_scen = (double)messages / target;
    int64_t step_us = (int64_t)((double)seconds * 1e6 / expected_scen);
    if (step_us < 1)
        step_us = 1;

    scen *free_list = NULL;
    uint64_t planned = 0, id = 0;
    int64_t next_start = t_start_us;
    while (planned < messages || heap_n) {
        bool start = planned < messages && (heap_n == 0 || next_start <= heap[0]->t);
        if (start) {
            scen *s = free_list;
            if (s)
                free_list = *(scen **)s;
            else if (!(s = malloc(sizeof *s))) {
                fprintf(stderr, "gen_pcap: out of memory\n");
                exit(1);
            }
            memset(s, 0, sizeof *s);
            s->id = ++id;
            unsigned r = below(1000);
            int kind = r < call_permille ? (below(4) == 0 ? SC_CALL_IN : SC_CALL_OUT)
                       : r < call_permille + reg_permille ? SC_REGISTER
                                                          : SC_OPTIONS;
            planned += plan(s, kind, next_start);
            heap_push(s);
            /* jittered steady arrivals */
            next_start += step_us / 2 + (int64_t)below((unsigned)(step_us < 2000000000 ? step_us : 2000000000) + 1);
            continue;
        }
        scen *s = heap_pop();
        emit(s);
        if (too_large || io_error)
            return;
        if (++s->step < s->nsteps) {
            s->t = s->at[s->step];
            heap_push(s);
        } else {
            *(scen **)s = free_list;
            free_list = s;
        }
    }
    while (free_list) {
        scen *n = *(scen **)free_list;
        free(free_list);
        free_list = n;
    }
    *callids_out = id;
    *scen_out = id;
}

/* ---- the flood with a hidden brute force ---------------------------------------------------- */
static uint32_t flood_addr(uint64_t i)
{
    uint64_t k = i / 2;
    uint32_t host = (uint32_t)(((k / 250) << 8) | (1 + k % 250));
    return (i & 1) ? (0x64400000u | (host & 0x003fffffu)) /* 100.64.0.0/10 */
                   : (0x0a000000u | (host & 0x00ffffffu)); /* 10.0.0.0/8 */
}

static void flood_one(uint64_t i, int64_t t)
{
    uint32_t a = flood_addr(i);
    char ip[16], callid[64], tag[16], br[24], h[40];
    ipstr(a, ip);
    unsigned port = 20000 + below(45000), user = 1000 + below(20000);
    unsigned callee = 1000 + below(20000);
    snprintf(callid, sizeof callid, "%s@%s", hexid(h, i, 31, 24), ip);
    hexid(tag, i, 32, 10);
    hexid(br, i, 33, 16);
    const char *ua = user_agents[below(N_UA)];
    msg_len = 0;
    if (below(10) < 7) {
        ap("REGISTER sip:" DOMAIN " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:%u@" DOMAIN ">;tag=%s\r\n"
           "To: <sip:%u@" DOMAIN ">\r\n"
           "Call-ID: %s\r\n"
           "CSeq: 1 REGISTER\r\n"
           "Contact: <sip:%u@%s:%u>\r\n"
           "User-Agent: %s\r\n"
           "Expires: 3600\r\n",
           ip, port, br, user, tag, user, callid, user, ip, port, ua);
        finish(false);
    } else {
        char from[8];
        snprintf(from, sizeof from, "%u", user);
        make_sdp(i, 40, a, from, false);
        ap("INVITE sip:%u@" DOMAIN " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:%u@" DOMAIN ">;tag=%s\r\n"
           "To: <sip:%u@" DOMAIN ">\r\n"
           "Call-ID: %s\r\n"
           "CSeq: 1 INVITE\r\n"
           "Contact: <sip:%u@%s:%u>\r\n"
           "User-Agent: %s\r\n",
           callee, ip, port, br, user, tag, callee, callid, user, ip, port, ua);
        finish(true);
    }
    send_udp(t, a, port, PBX_ADDR, PBX_PORT, msg, msg_len);
}

#define BRUTE_TRIES 60

/* Message k of the brute force (0: REGISTER, 1: 401, then pairs REGISTER+auth / 401). */
static void brute_one(uint32_t a, unsigned k, int64_t t)
{
    char ip[16], nonce[40], prev_nonce[40], resp[40], cnonce[20];
    ipstr(a, ip);
    unsigned attempt = k / 2, port = 5071;
    bool request = (k & 1) == 0;
    const char *callid = "5d1c0a93e2b74f0e8a61c7d2@203.0.113.66";
    hexid(nonce, 7777, 100 + attempt, 32);            /* the challenge of this attempt */
    hexid(prev_nonce, 7777, 100 + attempt - 1, 32);   /* the one being answered */
    msg_len = 0;
    if (request) {
        ap("REGISTER sip:" DOMAIN " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: \"1001\" <sip:1001@" DOMAIN ">;tag=%s\r\n"
           "To: \"1001\" <sip:1001@" DOMAIN ">\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %u REGISTER\r\n"
           "Contact: <sip:1001@%s:%u>\r\n",
           ip, port, hexid(resp, 8888, attempt, 16), "b2a7c41e90", callid, 1 + attempt, ip, port);
        if (attempt > 0)
            ap("Authorization: Digest username=\"1001\", realm=\"" DOMAIN "\", nonce=\"%s\", "
               "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=MD5, cnonce=\"%s\", qop=auth, "
               "nc=00000001\r\n",
               prev_nonce, hexid(resp, 9999, attempt, 32), hexid(cnonce, 6666, attempt, 16));
        ap("User-Agent: Zoiper rv2.10.20.1\r\n"
           "Expires: 3600\r\n");
        finish(false);
        send_udp(t, a, port, PBX_ADDR, PBX_PORT, msg, msg_len);
    } else {
        ap("SIP/2.0 401 Unauthorized\r\n"
           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;received=%s;rport=%u\r\n"
           "From: \"1001\" <sip:1001@" DOMAIN ">;tag=%s\r\n"
           "To: \"1001\" <sip:1001@" DOMAIN ">;tag=as%08x\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %u REGISTER\r\n"
           "Server: " PBX_UA "\r\n"
           "WWW-Authenticate: Digest realm=\"" DOMAIN "\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"\r\n",
           ip, port, hexid(resp, 8888, attempt, 16), ip, port, "b2a7c41e90", 0x5eed0000u + attempt,
           callid, 1 + attempt, nonce);
        finish(false);
        send_udp(t, PBX_ADDR, PBX_PORT, a, port, msg, msg_len);
    }
}

static void flood(uint64_t sources, int64_t seconds, bool brute, uint32_t brute_addr)
{
    int64_t span = seconds * 1000000;
    int64_t brute_start = t_start_us + span / 2;
    unsigned brute_msgs = brute ? 2 * (BRUTE_TRIES + 1) : 0, bk = 0;
    for (uint64_t i = 0; i < sources || bk < brute_msgs; i++) {
        int64_t t = i < sources ? t_start_us + (int64_t)((double)i * (double)span / (double)sources)
                                : INT64_MAX;
        /* brute force message k: attempt k/2 at start + k/2 s, the 401 3 ms after its request */
        while (bk < brute_msgs) {
            int64_t bt = brute_start + (int64_t)(bk / 2) * 1000000 + (bk & 1) * 3000;
            if (bt > t)
                break;
            brute_one(brute_addr, bk, bt);
            bk++;
        }
        if (i < sources)
            flood_one(i, t);
        if (too_large || io_error)
            return;
    }
}

/* ---- main ----------------------------------------------------------------------------------- */
static void usage(FILE *f)
{
    fprintf(f,
            "usage: gen_pcap -o FILE [--messages N] [--sources N] [--call-ids N] [--seconds S]\n"
            "                        [--seed S]\n"
            "       gen_pcap -o FILE --flood-sources N [--hide-bruteforce IP] [--seconds S]\n"
            "Writes a deterministic SIP capture (pcap, Ethernet/IPv4/UDP). Defaults: 1000000\n"
            "messages, 20000 sources, 250000 Call-IDs over 3600 s; a flood spans 600 s.\n");
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end)
        return false;
    *v = x;
    return true;
}

static bool parse_ipv4(const char *s, uint32_t *a)
{
    unsigned b[4];
    char tail;
    if (sscanf(s, "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4)
        return false;
    for (int i = 0; i < 4; i++)
        if (b[i] > 255)
            return false;
    *a = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
    return true;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    uint64_t messages = 1000000, sources = 20000, call_ids = 250000, seed = 1, flood_sources = 0,
             seconds = 0;
    uint32_t brute_addr = 0;
    bool brute = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-o"))
            ok = (path = v) != NULL;
        else if (!strcmp(a, "--messages"))
            ok = parse_u64(v, &messages) && messages > 0;
        else if (!strcmp(a, "--sources"))
            ok = parse_u64(v, &sources) && sources > 0 && sources <= 1000000;
        else if (!strcmp(a, "--call-ids"))
            ok = parse_u64(v, &call_ids) && call_ids > 0;
        else if (!strcmp(a, "--seconds"))
            ok = parse_u64(v, &seconds) && seconds > 0 && seconds < 100000000;
        else if (!strcmp(a, "--seed"))
            ok = parse_u64(v, &seed);
        else if (!strcmp(a, "--flood-sources"))
            ok = parse_u64(v, &flood_sources) && flood_sources > 0 && flood_sources <= 8000000;
        else if (!strcmp(a, "--hide-bruteforce"))
            ok = v && parse_ipv4(v, &brute_addr) && (brute = true);
        else
            ok = false, v = NULL;
        if (!ok) {
            fprintf(stderr, "gen_pcap: bad option or value: %s %s\n", a, v ? v : "");
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    if (brute && !flood_sources) {
        fprintf(stderr, "gen_pcap: --hide-bruteforce goes with --flood-sources\n");
        return 2;
    }
    rng_state = splitmix(seed) | 1;
    seed_mix = splitmix(seed ^ 0x5bd1e995u);
    t_start_us = (int64_t)1793696400 * 1000000; /* Tue 2026-11-03 09:00:00 UTC */

    out = fopen(path, "wb");
    if (!out) {
        perror(path);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    pcap_header();

    uint64_t callids = 0, scenarios = 0;
    if (flood_sources) {
        flood(flood_sources, seconds ? (int64_t)seconds : 600, brute, brute_addr);
        callids = flood_sources + brute;
    } else {
        n_phones = (unsigned)sources;
        phones = calloc(n_phones, sizeof *phones);
        if (!phones) {
            fprintf(stderr, "gen_pcap: out of memory\n");
            return 1;
        }
        for (unsigned i = 0; i < n_phones; i++) {
            /* 172.16.0.0/12, hosts .1 to .250 of each /24 */
            phones[i].addr = 0xac100000u | (i / 250) << 8 | (1 + i % 250);
            /* a third behind NAT: an ephemeral port, above 5060 so that decoders that pick the dissector
             * by the lower port (Wireshark) still see SIP rather than, say, VXLAN on 4790 */
            phones[i].port = below(3) ? 5060 : (uint16_t)(20000 + below(45000));
            phones[i].ua = (uint8_t)below(N_UA);
            phones[i].ext = 1000 + i;
        }
        base_mix(messages, call_ids, seconds ? (int64_t)seconds : 3600, &callids, &scenarios);
        free(phones);
    }
    free(heap);
    if (fclose(out) != 0)
        io_error = true;
    if (too_large) {
        fprintf(stderr, "gen_pcap: a message outgrew one datagram (a bug in a template)\n");
        return 1;
    }
    if (io_error) {
        perror(path);
        return 1;
    }
    fprintf(stderr, "gen_pcap: %s: %" PRIu64 " messages, %" PRIu64 " Call-IDs, %" PRIu64
            " sources, %" PRIu64 " bytes\n",
            path, n_packets, callids,
            flood_sources ? flood_sources + 1 + brute : sources + 1, n_bytes + 24);
    return 0;
}
