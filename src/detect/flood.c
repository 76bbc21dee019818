/* Detector `flood`: more SIP requests than a phone system can be expected to handle.
 *
 * A flood (OPTIONS, REGISTER or INVITE at hundreds per second) knocks a PBX over or hides an
 * attack in the noise; it is also what a broken device stuck in a retry loop does. Two signs:
 *   - one source sends more than flood_per_source requests per flood_window;
 *   - all sources together send more than flood_total requests per flood_window (a flood spread
 *     over many addresses); the finding names the busiest source of that window.
 * Rates are two-bucket sliding estimates in packet time: fixed windows of flood_window, and the
 * estimate at time t is the current window's count plus the previous window's count weighted by
 * the part of it still inside [t - window, t]. That catches a burst that straddles a window
 * boundary without keeping a timestamp per request. Per-source state (a few dozen bytes) lives in
 * a bounded table. One incident per source, and one for the total; each request sent while the
 * rate is above the threshold counts into it. The method that dominates is named (OPTIONS flood,
 * REGISTER flood, INVITE flood). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_internal.h"

#define RULE "flood"

enum { K_OPTIONS, K_REGISTER, K_INVITE, K_OTHER, K__COUNT };
static const char *const kind_names[K__COUNT] = {"OPTIONS", "REGISTER", "INVITE", "other"};

typedef struct rate {
    int64_t start; /* start of the current window */
    uint32_t cur, prev;
    uint32_t kinds[K__COUNT]; /* current window, by method kind */
    uint32_t peak;            /* highest estimate seen */
    bool started;
} rate;

typedef struct flood {
    vs__mon *m;
    const vs_monitor_config *cfg;
    vs__lru *sources;
    rate total;
    /* the busiest source of the total's current window */
    vs_ip top_ip;
    uint16_t top_port;
    vs_transport top_transport;
    uint32_t top_count;
    int64_t top_window;
} flood;

static void *flood_create(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen)
{
    if (cfg->flood_window_us <= 0) {
        snprintf(err, errlen, "flood: the window must be longer than zero");
        return NULL;
    }
    flood *d = calloc(1, sizeof *d);
    if (d)
        d->sources = vs__lru_new(cfg->max_sources, 17, sizeof(rate));
    if (!d || !d->sources) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->m = m;
    d->cfg = cfg;
    return d;
}

static void flood_destroy(void *self)
{
    flood *d = self;
    vs__lru_free(d->sources);
    free(d);
}

static int kind_of(vs_sip_method m)
{
    switch (m) {
    case VS_SIP_METHOD_OPTIONS:
        return K_OPTIONS;
    case VS_SIP_METHOD_REGISTER:
        return K_REGISTER;
    case VS_SIP_METHOD_INVITE:
        return K_INVITE;
    default:
        return K_OTHER;
    }
}

/* Counts one request at ts; returns the sliding estimate of requests per window. */
static uint32_t rate_add(rate *r, int64_t ts, int64_t window, int kind)
{
    if (!r->started) {
        memset(r, 0, sizeof *r);
        r->started = true;
        r->start = ts;
    }
    int64_t el = ts - r->start;
    if (el < 0)
        el = 0; /* out-of-order packet: count it in the current window */
    if (el >= window) {
        int64_t k = el / window;
        r->prev = k == 1 ? r->cur : 0;
        r->cur = 0;
        memset(r->kinds, 0, sizeof r->kinds);
        r->start += k * window;
        el -= k * window;
    }
    r->cur++;
    r->kinds[kind]++;
    uint64_t est = r->cur + ((uint64_t)r->prev * (uint64_t)(window - el)) / (uint64_t)window;
    uint32_t e = est > UINT32_MAX ? UINT32_MAX : (uint32_t)est;
    if (e > r->peak)
        r->peak = e;
    return e;
}

/* The method kind that makes up more than half of the window, or -1. */
static int dominant(const rate *r)
{
    for (int k = 0; k < K__COUNT; k++)
        if (r->kinds[k] * 2 > r->cur)
            return k;
    return -1;
}

static void fill(flood *d, vs__incident *inc, const rate *r, bool total)
{
    vs_finding *f = &inc->f;
    int k = dominant(r);
    const char *what = k >= 0 && k != K_OTHER ? kind_names[k] : "SIP request";
    long long secs = (long long)(d->cfg->flood_window_us / 1000000);
    unsigned limit = total ? d->cfg->flood_total : d->cfg->flood_per_source;
    if (total) {
        vs_finding_setf(f->title, sizeof f->title,
                        "%s flood: %u requests in %lld s from all sources", what, (unsigned)r->peak,
                        secs);
        vs_finding_setf(f->explain, sizeof f->explain,
                        "Your phone system received up to %u SIP requests within %lld s (more than "
                        "%u), counting every sender together; the busiest was %s. A flood like "
                        "this can make the phone system stop answering calls, and it can hide a "
                        "password-guessing or toll-fraud attack in the noise.",
                        (unsigned)r->peak, secs, limit, f->src.ip[0] ? f->src.ip : "unknown");
        vs_finding_setf(f->advice, sizeof f->advice,
                        "Rate-limit SIP at the edge (Kamailio pike, an SBC, or firewall rate "
                        "limits per address) and accept SIP only from your provider and your "
                        "phones. If the requests come from your own devices, look for one stuck in "
                        "a retry loop.");
    } else {
        vs_finding_setf(f->title, sizeof f->title, "%s flood from %s", what, f->src.ip);
        vs_finding_setf(f->explain, sizeof f->explain,
                        "The computer at %s sent up to %u SIP requests within %lld s (more than "
                        "%u). No phone needs that many: it is an attack tool, a denial-of-service "
                        "attempt, or a device stuck in a loop. Either way it can make the phone "
                        "system stop answering calls.",
                        f->src.ip, (unsigned)r->peak, secs, limit);
        vs_finding_setf(
            f->advice, sizeof f->advice,
            "If %s is not one of your devices or your provider, block it at the "
            "firewall. If it is yours, check its configuration and firmware. Rate-limit "
            "SIP per address at the edge (Kamailio pike, fail2ban, an SBC).",
            f->src.ip);
    }
    f->evidence[0] = '\0';
    char *e = f->evidence;
    size_t es = sizeof f->evidence;
    vs_evidence_int(e, es, "peak_requests_per_window", r->peak);
    vs_evidence_int(e, es, "window_s", secs);
    vs_evidence_int(e, es, "threshold", limit);
    char kinds[160];
    snprintf(kinds, sizeof kinds, "{\"OPTIONS\":%u,\"REGISTER\":%u,\"INVITE\":%u,\"other\":%u}",
             (unsigned)r->kinds[K_OPTIONS], (unsigned)r->kinds[K_REGISTER],
             (unsigned)r->kinds[K_INVITE], (unsigned)r->kinds[K_OTHER]);
    vs_evidence_raw(e, es, "window_methods", kinds);
}

/* Reports a rate above its limit: opens the incident, or counts into it. */
static void over(flood *d, const vs__event *ev, const void *key, size_t klen, const rate *r,
                 bool total)
{
    vs__incident *inc = vs__incident_find(d->m, RULE, key, klen);
    if (inc) {
        vs__incident_hit(d->m, RULE, key, klen, ev->ts, ev->ts, 1, NULL);
        if (inc->ready && !inc->emitted)
            fill(d, inc, r, total);
        return;
    }
    bool created;
    int64_t first = r->prev ? r->start - d->cfg->flood_window_us : r->start;
    inc = vs__incident_hit(d->m, RULE, key, klen, first, ev->ts, r->cur + r->prev, &created);
    vs_finding *f = &inc->f;
    uint64_t count = f->count;
    int64_t a = f->first_seen_us, b = f->last_seen_us;
    vs_finding_init(f, RULE, VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM);
    f->count = count;
    f->first_seen_us = a;
    f->last_seen_us = b;
    if (total) {
        if (d->top_ip.family)
            vs__finding_src(f, &d->top_ip, d->top_port, d->top_transport);
    } else {
        vs__finding_endpoints(f, ev);
    }
    fill(d, inc, r, total);
    vs__incident_ready(d->m, inc);
}

static void flood_event(void *self, const vs__event *ev)
{
    flood *d = self;
    if (!ev->request)
        return;
    int kind = kind_of(ev->method);
    int64_t w = d->cfg->flood_window_us;

    unsigned char key[17];
    size_t klen = vs__ip_key(&ev->pl->src, key);
    bool created;
    rate *r = vs__monitor_lru_get(d->m, d->sources, key, klen, ev->ts, true, &created);
    uint32_t est = rate_add(r, ev->ts, w, kind);

    uint32_t total = rate_add(&d->total, ev->ts, w, kind);
    if (d->top_window != d->total.start) {
        d->top_window = d->total.start;
        d->top_count = 0;
    }
    if (r->cur > d->top_count) {
        d->top_count = r->cur;
        d->top_ip = ev->pl->src;
        d->top_port = ev->pl->sport;
        d->top_transport = ev->pl->transport;
    }

    if (est > d->cfg->flood_per_source && !ev->src_is_server)
        over(d, ev, key, klen, r, false);
    if (total > d->cfg->flood_total)
        over(d, ev, "total", 5, &d->total, true);
}

static void flood_tick(void *self, int64_t now)
{
    flood *d = self;
    /* a source quiet for two windows has an estimate of zero: its state can go */
    vs__lru_expire(d->sources, now - 2 * d->cfg->flood_window_us);
}

/* Starts loading the source's entry while the monitor parses (see vs__detector_ops). */
static void flood_prefetch(void *self, const vs_payload *pl, const vs__event *ev, bool response,
                           int stage)
{
    flood *d = self;
    (void)ev;
    if (response)
        return; /* requests only */
    unsigned char key[17];
    size_t klen = vs__ip_key(&pl->src, key);
    vs__lru_prefetch(d->sources, key, klen, stage);
}

const vs__detector_ops vs__detect_flood = {
    .rule = RULE,
    .create = flood_create,
    .event = flood_event,
    .tick = flood_tick,
    .finish = NULL,
    .destroy = flood_destroy,
    .prefetch = flood_prefetch,
};
