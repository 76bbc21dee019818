/* The monitor: payload -> SIP message -> event -> detectors -> incidents -> findings.
 *
 * One payload at a time, on the caller's thread. The message is parsed once, strictly (the
 * malformed detector needs the verdict), into a header array that lives in the monitor, so the
 * hot path allocates nothing. The fields every detector needs are cut out once into a vs__event,
 * reusing what the strict check parsed (vs__sip_parse_keep); detectors never parse. The large
 * tables keyed by the packet's source are slow only because their lookups wait on memory: their
 * loads are started before the parse (vs__detector_ops.prefetch) and arrive while it runs.
 * Incidents live in one bounded table keyed by rule and the detector's key; an incident that stays
 * quiet for incident_idle (packet time) is closed and, in file mode, emitted with its complete
 * count. An incident evicted at the cap is emitted too, never lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <voipsec/monitor.h>
#include <voipsec/sdp.h>

#include "monitor/monitor_internal.h"
#include "sip/parse_keep.h"

#define MAX_DETECTORS 16
#define INCIDENT_KEY_MAX 128
#define DEVICE_REPORT_INTERVAL_US (60 * 1000000LL)

struct vs_monitor {
    vs_monitor_config cfg;
    bool emit_on_detect;
    vs_finding_fn on_finding;
    void *ctx;
    vs_device_fn on_device;
    void *device_ctx;
    const vs__detector_ops *ops[MAX_DETECTORS];
    void *state[MAX_DETECTORS];
    size_t ndetectors;
    vs__lru *incidents;
    vs__lru *devices; /* (ip, port, UA, user) -> last reported time */
    vs__lru *servers; /* ip -> when it last acted as a registrar or proxy */
    vs__lru *relays;  /* (ip, branch) of transactions ip forwarded: its answers there are relayed */
    vs_monitor_stats stats;
    int64_t last_tick;
    vs_sip_header headers[VS_SIP_DEFAULT_HEADERS];
    vs_sip_msg msg;
    vs__sip_kept kept; /* what the strict check parsed of msg: not parsed again for the event */
    vs_sdp sdp;
};

static bool rule_enabled(const vs_monitor_config *c, const char *rule)
{
    if (!strcmp(rule, "scan"))
        return c->scan_enabled;
    if (!strcmp(rule, "enumeration"))
        return c->enum_enabled;
    if (!strcmp(rule, "bruteforce"))
        return c->brute_enabled;
    if (!strcmp(rule, "flood"))
        return c->flood_enabled;
    if (!strcmp(rule, "toll-fraud"))
        return c->fraud_enabled;
    if (!strcmp(rule, "weak-credential"))
        return c->weak_enabled;
    if (!strcmp(rule, "malformed"))
        return c->malformed_enabled;
    if (!strcmp(rule, "cleartext-signalling"))
        return c->cleartext_enabled;
    if (!strcmp(rule, "unencrypted-media"))
        return c->media_enabled;
    return true;
}

static void emit(vs_monitor *m, const vs_finding *f)
{
    m->stats.findings++;
    if (m->on_finding)
        m->on_finding(m->ctx, f);
}

/* Incidents leave the table when idle, at the cap, or at the end: emit the complete finding. */
static void incident_closed(void *ctx, const void *key, size_t klen, void *value)
{
    (void)key;
    (void)klen;
    vs_monitor *m = ctx;
    vs__incident *inc = value;
    if (inc->ready && !inc->emitted) {
        inc->emitted = true;
        emit(m, &inc->f);
    }
}

vs_monitor *vs_monitor_new(const vs_monitor_config *cfg, bool emit_on_detect,
                           vs_finding_fn on_finding, void *ctx, char *err, size_t errlen)
{
    vs_monitor *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->emit_on_detect = emit_on_detect;
    m->on_finding = on_finding;
    m->ctx = ctx;
    m->incidents = vs__lru_new(cfg->max_incidents, INCIDENT_KEY_MAX, sizeof(vs__incident));
    m->devices = vs__lru_new(cfg->max_sources, 16, sizeof(int64_t));
    m->servers = vs__lru_new(4096, 17, sizeof(int64_t));
    m->relays = vs__lru_new(cfg->max_dialogs, 16, 1);
    if (!m->incidents || !m->devices || !m->servers || !m->relays) {
        snprintf(err, errlen, "out of memory");
        vs_monitor_free(m);
        return NULL;
    }
    vs__lru_on_evict(m->incidents, incident_closed, m);
    for (size_t i = 0; vs__detectors[i] && m->ndetectors < MAX_DETECTORS; i++) {
        const vs__detector_ops *ops = vs__detectors[i];
        if (!rule_enabled(cfg, ops->rule))
            continue;
        void *st = ops->create(m, &m->cfg, err, errlen);
        if (!st) {
            vs_monitor_free(m);
            return NULL;
        }
        m->ops[m->ndetectors] = ops;
        m->state[m->ndetectors] = st;
        m->ndetectors++;
    }
    return m;
}

void vs_monitor_free(vs_monitor *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ndetectors; i++)
        m->ops[i]->destroy(m->state[i]);
    if (m->incidents)
        vs__lru_on_evict(m->incidents, NULL, NULL);
    vs__lru_free(m->incidents);
    vs__lru_free(m->devices);
    vs__lru_free(m->servers);
    vs__lru_free(m->relays);
    free(m);
}

void vs_monitor_on_device(vs_monitor *m, vs_device_fn fn, void *ctx)
{
    m->on_device = fn;
    m->device_ctx = ctx;
}

const vs_monitor_stats *vs_monitor_get_stats(const vs_monitor *m)
{
    return &m->stats;
}

const vs_monitor_stats *vs__monitor_stats(const vs__mon *m)
{
    return &m->stats;
}

void vs__monitor_evicted(vs__mon *m, uint64_t n)
{
    m->stats.evicted += n;
}

void *vs__monitor_lru_get(vs__mon *m, vs__lru *t, const void *key, size_t klen, int64_t now,
                          bool create, bool *created)
{
    uint64_t before = vs__lru_evicted(t);
    void *v = vs__lru_get(t, key, klen, now, create, created);
    vs__monitor_evicted(m, vs__lru_evicted(t) - before);
    return v;
}

void vs__monitor_emit(vs__mon *m, const vs_finding *f)
{
    emit(m, f);
}

void vs_monitor_count_tls(vs_monitor *m, uint64_t flows, uint64_t bytes)
{
    (void)bytes;
    m->stats.signalling_tls = flows;
}

/* ---- incidents ---------------------------------------------------------------------------- */

static size_t incident_key(unsigned char *buf, const char *rule, const void *key, size_t klen)
{
    size_t rl = strlen(rule);
    if (rl > 32)
        rl = 32;
    if (klen > INCIDENT_KEY_MAX - rl - 1)
        klen = INCIDENT_KEY_MAX - rl - 1;
    memcpy(buf, rule, rl);
    buf[rl] = 0;
    memcpy(buf + rl + 1, key, klen);
    return rl + 1 + klen;
}

vs__incident *vs__incident_find(vs__mon *m, const char *rule, const void *key, size_t klen)
{
    unsigned char k[INCIDENT_KEY_MAX];
    size_t n = incident_key(k, rule, key, klen);
    vs__incident *inc = vs__lru_peek(m->incidents, k, n);
    return inc;
}

vs__incident *vs__incident_hit(vs__mon *m, const char *rule, const void *key, size_t klen,
                               int64_t first_us, int64_t ts, uint64_t count, bool *created)
{
    unsigned char k[INCIDENT_KEY_MAX];
    size_t n = incident_key(k, rule, key, klen);
    bool fresh = false;
    uint64_t before = vs__lru_evicted(m->incidents);
    vs__incident *inc = vs__lru_get(m->incidents, k, n, ts, true, &fresh);
    m->stats.evicted += vs__lru_evicted(m->incidents) - before;
    if (fresh) {
        inc->f.first_seen_us = first_us;
        inc->f.last_seen_us = ts;
        inc->f.count = count;
    } else {
        if (ts > inc->f.last_seen_us)
            inc->f.last_seen_us = ts;
        inc->f.count += count;
    }
    if (created)
        *created = fresh;
    return inc;
}

void vs__incident_ready(vs__mon *m, vs__incident *inc)
{
    inc->ready = true;
    if (m->emit_on_detect && !inc->emitted) {
        inc->emitted = true;
        emit(m, &inc->f);
    }
}

/* ---- helpers for detectors ---------------------------------------------------------------- */

void vs__slice_cstr(vs_slice s, char *buf, size_t size)
{
    if (size == 0)
        return;
    size_t n = s.len < size - 1 ? s.len : size - 1;
    /* never cut a UTF-8 sequence, never copy a NUL */
    if (n < s.len)
        while (n > 0 && ((unsigned char)s.ptr[n] & 0xc0) == 0x80)
            n--;
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        buf[o++] = s.ptr[i] ? s.ptr[i] : '?';
    buf[o] = '\0';
}

size_t vs__ip_key(const vs_ip *ip, unsigned char *buf)
{
    buf[0] = ip->family;
    size_t n = ip->family == 4 ? 4 : 16;
    memcpy(buf + 1, ip->bytes, n);
    return n + 1;
}

void vs__finding_src(vs_finding *f, const vs_ip *ip, uint16_t port, vs_transport t)
{
    vs_ip_format(ip, f->src.ip, sizeof f->src.ip);
    f->src.port = port;
    vs_finding_set(f->src.transport, sizeof f->src.transport, vs_transport_id(t));
}

void vs__finding_endpoints(vs_finding *f, const vs__event *ev)
{
    vs__finding_src(f, &ev->pl->src, ev->pl->sport, ev->pl->transport);
    vs_ip_format(&ev->pl->dst, f->dst.ip, sizeof f->dst.ip);
    f->dst.port = ev->pl->dport;
    vs_finding_set(f->dst.transport, sizeof f->dst.transport, vs_transport_id(ev->pl->transport));
}

/* ---- events ------------------------------------------------------------------------------- */

static vs_slice header(const vs_sip_msg *msg, vs_sip_hdr_id id)
{
    const vs_sip_header *h = vs_sip_find(msg, id);
    return h ? h->value : VS_SLICE_NULL;
}

/* The user, tag and display name of a From/To value; done/rc/kept: the strict check's parse of
 * it, when done. */
static void addr_user(vs_slice value, bool done, vs_rc rc, const vs_sip_addr *kept, vs_slice *user,
                      vs_slice *tag, vs_slice *display)
{
    vs_sip_addr parsed;
    const vs_sip_addr *a = kept;
    if (!done && value.ptr) {
        rc = vs_sip_addr_parse(value, &parsed, NULL);
        a = &parsed;
    }
    if (value.ptr && rc == VS_OK) {
        *user = a->uri.user;
        if (tag)
            *tag = a->tag;
        if (display)
            *display = a->display;
    }
}

/* 128-bit fingerprint of a device key: the table keeps 16 bytes per device instead of the
 * User-Agent text (a collision merely delays one report by a minute). Two multiply-xorshift lanes
 * over 8-byte words: every message with a User-Agent pays this, so no byte-at-a-time loop. */
static uint64_t fp_mix(uint64_t h, uint64_t w, uint64_t k)
{
    h = (h ^ w) * k;
    return h ^ (h >> 29);
}

static void fingerprint(const unsigned char *p, size_t n, unsigned char out[16])
{
    const uint64_t ka = 0x9e3779b97f4a7c15ull, kb = 0xbf58476d1ce4e5b9ull;
    uint64_t a = 0xcbf29ce484222325ull ^ n, b = 0x84222325cbf29ce4ull + n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        a = fp_mix(a, w, ka);
        b = fp_mix(b, w + a, kb); /* b also depends on a: the two halves differ in how they mix */
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    a = fp_mix(fp_mix(a, w, ka), b, kb);
    b = fp_mix(fp_mix(b, w, kb), a, ka);
    memcpy(out, &a, 8);
    memcpy(out + 8, &b, 8);
}

/* The n-th Via value of msg (0 = top), whether the Vias are on separate lines or comma-separated
 * on one; false when there are fewer. */
static bool nth_via(const vs_sip_msg *msg, unsigned n, vs_slice *out)
{
    for (const vs_sip_header *h = vs_sip_find(msg, VS_SIP_HDR_VIA); h; h = vs_sip_find_next(msg, h)) {
        vs_slice rest = h->value, item;
        while (vs_sip_list_next(&rest, &item)) {
            if (n-- == 0) {
                *out = item;
                return true;
            }
        }
    }
    return false;
}

/* Key of "the sender handles this transaction": its address and the Via branch. */
static size_t relay_key(const vs__event *ev, vs_slice via, unsigned char key[16])
{
    vs_sip_via v;
    size_t off;
    if (vs_sip_via_parse(via, &v, &off) != VS_OK || !v.branch.len)
        return 0;
    unsigned char raw[64 + 128];
    size_t n = vs__ip_key(&ev->pl->src, raw);
    size_t bl = v.branch.len < 128 ? v.branch.len : 128;
    memcpy(raw + n, v.branch.ptr, bl);
    fingerprint(raw, n + bl, key);
    return 16;
}

/* Whether the User-Agent (request) or Server (response) of this message is the sender's own.
 * A proxy passes on the headers of the messages it forwards, so without this the proxy would be
 * recorded with every phone's User-Agent. A request with one Via was made by its sender; one
 * with more was forwarded, and the sender is then a relay for the transaction named by the next
 * Via's branch: its answers there carry someone else's Server. Answers to transactions the
 * capture did not see forwarded are taken as the sender's own. */
static bool own_user_agent(vs_monitor *m, const vs__event *ev)
{
    unsigned char key[16];
    vs_slice via;
    if (ev->request) {
        if (!nth_via(ev->msg, 1, &via))
            return true;
        size_t n = relay_key(ev, via, key);
        bool created;
        if (n)
            vs__lru_get(m->relays, key, n, ev->ts, true, &created);
        return false;
    }
    if (!nth_via(ev->msg, 0, &via))
        return true;
    size_t n = relay_key(ev, via, key);
    bool created;
    return !n || !vs__lru_get(m->relays, key, n, ev->ts, false, &created);
}

static void report_device(vs_monitor *m, const vs__event *ev)
{
    if (!m->on_device)
        return;
    /* first, so that forwarded requests without a User-Agent still mark their relay */
    if (!own_user_agent(m, ev) || !ev->user_agent.len)
        return;
    unsigned char raw[64 + 256];
    size_t n = vs__ip_key(&ev->pl->src, raw);
    memcpy(raw + n, &ev->pl->sport, 2);
    n += 2;
    size_t ul = ev->user_agent.len < 200 ? ev->user_agent.len : 200;
    memcpy(raw + n, ev->user_agent.ptr, ul);
    n += ul;
    vs_slice user = ev->request && ev->method == VS_SIP_METHOD_REGISTER ? ev->from_user : VS_SLICE_NULL;
    size_t fl = user.len < 40 ? user.len : 40;
    memcpy(raw + n, user.ptr ? user.ptr : "", fl);
    n += fl;
    unsigned char key[16];
    fingerprint(raw, n, key);
    n = sizeof key;
    bool created;
    int64_t *last = vs__lru_get(m->devices, key, n, ev->ts, true, &created);
    if (!created && ev->ts - *last < DEVICE_REPORT_INTERVAL_US)
        return;
    *last = ev->ts;
    vs_monitor_device d = {ev->pl->src, ev->pl->sport, ev->pl->transport, ev->user_agent, user, ev->ts};
    m->on_device(m->device_ctx, &d);
}

void vs_monitor_payload(void *monitor, const vs_payload *p)
{
    vs_monitor *m = monitor;
    m->stats.payloads++;
    if (!m->stats.first_us || p->ts_us < m->stats.first_us)
        m->stats.first_us = p->ts_us;
    if (p->ts_us > m->stats.last_us)
        m->stats.last_us = p->ts_us;

    /* the tables keyed by the source are large and their lookups wait on memory: start the
     * loads now, let them arrive while the message is parsed (stage 1 follows the parse) */
    unsigned char sk[17];
    size_t sn = vs__ip_key(&p->src, sk);
    bool response = p->len >= 4 && memcmp(p->data, "SIP/", 4) == 0;
    vs__lru_prefetch(m->servers, sk, sn, 0);
    for (size_t i = 0; i < m->ndetectors; i++)
        if (m->ops[i]->prefetch)
            m->ops[i]->prefetch(m->state[i], p, NULL, response, 0);

    vs_sip_msg *msg = &m->msg;
    const vs__sip_kept *kept = &m->kept;
    long rc =
        vs__sip_parse_keep(p->data, p->len, msg, m->headers, VS_SIP_DEFAULT_HEADERS, 0, &m->kept);
    if (rc < 0 || msg->kind == 0) {
        m->stats.not_sip++;
        return;
    }
    m->stats.sip_messages++;
    switch (p->transport) {
    case VS_TRANSPORT_UDP:
        m->stats.signalling_udp++;
        break;
    case VS_TRANSPORT_TCP:
        m->stats.signalling_tcp++;
        break;
    case VS_TRANSPORT_SCTP:
        m->stats.signalling_sctp++;
        break;
    default:
        break;
    }
    if (!msg->valid)
        m->stats.malformed++;
    vs__lru_prefetch(m->servers, sk, sn, 1);

    vs__event ev;
    memset(&ev, 0, sizeof ev);
    ev.pl = p;
    ev.msg = msg;
    ev.valid = msg->valid;
    ev.ts = p->ts_us;
    ev.request = msg->kind == VS_SIP_REQUEST;
    vs_slice cseq = header(msg, VS_SIP_HDR_CSEQ);
    uint32_t cseq_no = 0;
    vs_slice cseq_method = VS_SLICE_NULL;
    if (kept->cseq_done) {
        cseq_no = kept->cseq;
        cseq_method = kept->cseq_method;
    } else if (cseq.ptr) {
        (void)vs_sip_cseq_parse(cseq, &cseq_no, &cseq_method, NULL);
    }
    ev.cseq = cseq_no;
    if (ev.request) {
        m->stats.requests[msg->method_id]++;
        ev.method = msg->method_id;
        ev.method_text = msg->method;
        ev.user_agent = header(msg, VS_SIP_HDR_USER_AGENT);
        if (kept->ruri_done) {
            if (kept->ruri_rc == VS_OK) {
                ev.ruri_user = kept->ruri.user;
                ev.ruri_host = kept->ruri.host;
            }
        } else {
            vs_sip_uri ruri;
            if (vs_sip_uri_parse(msg->request_uri, &ruri, NULL) == VS_OK) {
                ev.ruri_user = ruri.user;
                ev.ruri_host = ruri.host;
            }
        }
    } else {
        if (msg->status < 700)
            m->stats.responses[msg->status]++;
        ev.status = msg->status;
        ev.method_text = cseq_method;
        ev.method = vs_sip_method_lookup(cseq_method);
        ev.user_agent = header(msg, VS_SIP_HDR_SERVER);
        if (!ev.user_agent.ptr)
            ev.user_agent = header(msg, VS_SIP_HDR_USER_AGENT);
    }
    ev.call_id = header(msg, VS_SIP_HDR_CALL_ID);
    addr_user(header(msg, VS_SIP_HDR_FROM), kept->from_done, kept->from_rc, &kept->from,
              &ev.from_user, &ev.from_tag, &ev.from_display);
    addr_user(header(msg, VS_SIP_HDR_TO), kept->to_done, kept->to_rc, &kept->to, &ev.to_user,
              &ev.to_tag, NULL);

    vs_sip_auth auth, challenge;
    if (ev.request) {
        vs_slice a = header(msg, VS_SIP_HDR_AUTHORIZATION);
        if (!a.ptr)
            a = header(msg, VS_SIP_HDR_PROXY_AUTHORIZATION);
        if (a.ptr && vs_sip_auth_parse(a, &auth, NULL) == VS_OK)
            ev.auth = &auth;
    } else if (ev.status == 401 || ev.status == 407) {
        vs_slice c = header(msg, ev.status == 401 ? VS_SIP_HDR_WWW_AUTHENTICATE
                                                  : VS_SIP_HDR_PROXY_AUTHENTICATE);
        if (c.ptr && vs_sip_auth_parse(c, &challenge, NULL) == VS_OK)
            ev.challenge = &challenge;
    }
    if (msg->body.len) {
        vs_slice sdp_body;
        if (vs_sdp_find_in_body(header(msg, VS_SIP_HDR_CONTENT_TYPE), msg->body, &sdp_body) ==
                VS_OK &&
            vs_sdp_parse(sdp_body.ptr, sdp_body.len, &m->sdp) == VS_OK) {
            ev.sdp = &m->sdp;
            m->stats.media_streams += m->sdp.media_count;
            for (size_t i = 0; i < m->sdp.media_count; i++)
                m->stats.media_encrypted += m->sdp.media[i].encrypted;
        }
    }

    for (size_t i = 0; i < m->ndetectors; i++)
        if (m->ops[i]->prefetch)
            m->ops[i]->prefetch(m->state[i], p, &ev, response, 1);
    {
        if (!ev.request && (ev.method == VS_SIP_METHOD_REGISTER || ev.status == 401 ||
                            ev.status == 407)) {
            int64_t *when = vs__lru_get(m->servers, sk, sn, ev.ts, true, NULL);
            *when = ev.ts;
        }
        ev.src_is_server = vs__lru_peek(m->servers, sk, sn) != NULL;
    }
    report_device(m, &ev);
    for (size_t i = 0; i < m->ndetectors; i++)
        m->ops[i]->event(m->state[i], &ev);

    /* periodic expiry in packet time, at most once per second of capture */
    if (p->ts_us - m->last_tick >= 1000000)
        vs_monitor_tick(m, p->ts_us);
}

void vs_monitor_tick(vs_monitor *m, int64_t now_us)
{
    m->last_tick = now_us;
    for (size_t i = 0; i < m->ndetectors; i++)
        if (m->ops[i]->tick)
            m->ops[i]->tick(m->state[i], now_us);
    vs__lru_expire(m->incidents, now_us - m->cfg.incident_idle_us);
}

void vs_monitor_finish(vs_monitor *m)
{
    for (size_t i = 0; i < m->ndetectors; i++)
        if (m->ops[i]->finish)
            m->ops[i]->finish(m->state[i]);
    /* close every incident, oldest first */
    vs__lru_expire(m->incidents, INT64_MAX);
}
