/* Detector `enumeration`: somebody is finding out which extensions exist.
 *
 * Before guessing passwords, an attacker lists the accounts: tools such as SIPVicious svwar send a
 * REGISTER, OPTIONS or INVITE for extension after extension and read the answers (404 "no such
 * user" versus 401 "password needed" tells them which exist). The sign is one source asking about
 * many different users, mostly answered with refusals:
 *   - within enum_window (fixed windows in packet time), one source sends requests without
 *     credentials (REGISTER, OPTIONS, INVITE, SUBSCRIBE, MESSAGE, PUBLISH, REFER outside a dialog)
 *     about at least enum_min_users distinct users (R-URI user, else To user), counted in a bounded
 *     set of USER_SET hashes;
 *   - and, of the final answers sent back to that source (responses whose destination is the
 *     asker), at least enum_fail_ratio are 401/403/404/407. At least MIN_ANSWERS answers are
 *     needed: without the answers (a capture of one direction) the share is not known and nothing
 *     is reported.
 * Normal traffic stays below: each phone is its own source and asks about its own user (a
 * registrar challenging every REGISTER with 401 is one user); a proxy relaying many phones gets as
 * many 200s as 401s (share 0.5). The scan detector may already name the tool by its User-Agent; the
 * enumeration is reported too, because it says what the tool was doing. One incident per source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_internal.h"
#include "report/json.h"

#define RULE "enumeration"
#define USER_SET 64
#define SAMPLES 5
#define SAMPLE_LEN 32
#define MIN_ANSWERS 5

enum { ANS_401, ANS_403, ANS_404, ANS_407, ANS_OK, ANS_OTHER, ANS__COUNT };
static const char *const answer_names[ANS__COUNT] = {"401", "403", "404", "407", "2xx", "other"};

typedef struct source_state {
    int64_t window_start;
    uint32_t probes;              /* requests without credentials in the window */
    uint32_t answers[ANS__COUNT]; /* final answers to this source in the window */
    uint32_t users[USER_SET];     /* hashes of distinct users asked about */
    uint8_t nusers;
    uint8_t nsamples;
    char samples[SAMPLES][SAMPLE_LEN];
    uint32_t methods; /* bit per vs_sip_method seen */
    /* kept across windows: */
    uint8_t reported_users; /* users in the window the finding describes */
} source_state;

typedef struct enumeration {
    vs__mon *m;
    const vs_monitor_config *cfg;
    vs__lru *sources;
} enumeration;

static void *enum_create(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen)
{
    enumeration *d = calloc(1, sizeof *d);
    if (d)
        d->sources = vs__lru_new(cfg->max_sources, 17, sizeof(source_state));
    if (!d || !d->sources) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->m = m;
    d->cfg = cfg;
    return d;
}

static void enum_destroy(void *self)
{
    enumeration *d = self;
    vs__lru_free(d->sources);
    free(d);
}

static bool probe_method(vs_sip_method m)
{
    switch (m) {
    case VS_SIP_METHOD_REGISTER:
    case VS_SIP_METHOD_OPTIONS:
    case VS_SIP_METHOD_INVITE:
    case VS_SIP_METHOD_SUBSCRIBE:
    case VS_SIP_METHOD_MESSAGE:
    case VS_SIP_METHOD_PUBLISH:
    case VS_SIP_METHOD_REFER:
        return true;
    default:
        return false;
    }
}

static uint32_t hash32(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Adds h to the set; true when it was new. */
static bool set_add(source_state *st, uint32_t h)
{
    for (uint8_t i = 0; i < st->nusers; i++)
        if (st->users[i] == h)
            return false;
    if (st->nusers >= USER_SET)
        return false;
    st->users[st->nusers++] = h;
    return true;
}

static uint32_t answers_total(const source_state *st)
{
    uint32_t n = 0;
    for (int i = 0; i < ANS__COUNT; i++)
        n += st->answers[i];
    return n;
}

static uint32_t answers_failed(const source_state *st)
{
    return st->answers[ANS_401] + st->answers[ANS_403] + st->answers[ANS_404] +
           st->answers[ANS_407];
}

static bool crossed(const enumeration *d, const source_state *st)
{
    uint32_t total = answers_total(st);
    return st->nusers >= d->cfg->enum_min_users && total >= MIN_ANSWERS &&
           (double)answers_failed(st) >= d->cfg->enum_fail_ratio * (double)total;
}

static void fill(enumeration *d, vs__incident *inc, source_state *st)
{
    vs_finding *f = &inc->f;
    uint32_t total = answers_total(st), failed = answers_failed(st);
    st->reported_users = st->nusers;
    vs_finding_setf(f->title, sizeof f->title, "Extension enumeration from %s (%u users tried)",
                    f->src.ip, (unsigned)st->nusers);
    const char *methods = "requests";
    if (st->methods == 1u << VS_SIP_METHOD_REGISTER)
        methods = "REGISTER requests (sign-in attempts)";
    else if (st->methods == 1u << VS_SIP_METHOD_INVITE)
        methods = "INVITE requests (call attempts)";
    else if (st->methods == 1u << VS_SIP_METHOD_OPTIONS)
        methods = "OPTIONS requests";
    vs_finding_setf(f->explain, sizeof f->explain,
                    "The computer at %s asked about %u different extensions within %lld s with %s, "
                    "and %u of the %u answers were refusals (unknown user, forbidden or password "
                    "needed). This is how attackers list the accounts of a phone system: the "
                    "answers tell them which extensions exist, and password guessing on those "
                    "comes next.",
                    f->src.ip, (unsigned)st->nusers, (long long)(d->cfg->enum_window_us / 1000000),
                    methods, (unsigned)failed, (unsigned)total);
    vs_finding_setf(
        f->advice, sizeof f->advice,
        "Block %s at the firewall, and accept SIP only from your provider and your "
        "phones where you can. Make the phone system answer the same way for existing "
        "and unknown extensions (Asterisk: alwaysauthreject=yes, the default in recent "
        "versions), use extension user names that are not plain numbers, and give every "
        "extension a long random password: the next step is guessing them.",
        f->src.ip);
    f->evidence[0] = '\0';
    char *e = f->evidence;
    size_t es = sizeof f->evidence;
    vs_evidence_int(e, es, "users", st->nusers);
    vs_evidence_int(e, es, "requests", st->probes);
    vs_evidence_int(e, es, "answers", total);
    char shares[256] = "{";
    for (int i = 0; i < ANS__COUNT; i++)
        if (st->answers[i] && total) {
            size_t n = strlen(shares);
            snprintf(shares + n, sizeof shares - n, "%s\"%s\":%.2f", n > 1 ? "," : "",
                     answer_names[i], (double)st->answers[i] / total);
        }
    strcat(shares, "}");
    vs_evidence_raw(e, es, "answer_share", shares);
    char samples[SAMPLES * (SAMPLE_LEN * 6 + 3) + 4];
    vs__jbuf jb = {samples, sizeof samples - 1, 0, false};
    vs__jbuf_putc(&jb, '[');
    for (uint8_t i = 0; i < st->nsamples; i++) {
        if (i)
            vs__jbuf_putc(&jb, ',');
        vs__jbuf_str(&jb, st->samples[i], strlen(st->samples[i]));
    }
    vs__jbuf_putc(&jb, ']');
    samples[jb.overflow ? 0 : jb.len] = '\0';
    if (!jb.overflow)
        vs_evidence_raw(e, es, "sample_users", samples);
}

/* Opens the incident (or counts into it) when the window has crossed the thresholds. */
static void check(enumeration *d, source_state *st, const unsigned char *key, size_t klen,
                  const vs__event *ev, bool is_request)
{
    vs__incident *inc = vs__incident_find(d->m, RULE, key, klen);
    if (inc) {
        if (is_request)
            vs__incident_hit(d->m, RULE, key, klen, ev->ts, ev->ts, 1, NULL);
        /* the finding describes the window with the most users */
        if (inc->ready && !inc->emitted && st->nusers >= st->reported_users && crossed(d, st))
            fill(d, inc, st);
        return;
    }
    if (!crossed(d, st))
        return;
    bool created;
    inc = vs__incident_hit(d->m, RULE, key, klen, st->window_start, ev->ts, st->probes, &created);
    vs_finding *f = &inc->f;
    uint64_t count = f->count;
    int64_t first = f->first_seen_us, last = f->last_seen_us;
    vs_finding_init(f, RULE, VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM);
    f->count = count;
    f->first_seen_us = first;
    f->last_seen_us = last;
    if (is_request) {
        vs__finding_endpoints(f, ev);
    } else { /* an answer: the asker is its destination */
        vs__finding_src(f, &ev->pl->dst, ev->pl->dport, ev->pl->transport);
        vs_ip_format(&ev->pl->src, f->dst.ip, sizeof f->dst.ip);
        f->dst.port = ev->pl->sport;
        vs_finding_set(f->dst.transport, sizeof f->dst.transport, f->src.transport);
    }
    fill(d, inc, st);
    vs__incident_ready(d->m, inc);
}

static void enum_event(void *self, const vs__event *ev)
{
    enumeration *d = self;
    if (!probe_method(ev->method))
        return;
    unsigned char key[17];
    if (!ev->request) {
        if (ev->status < 200)
            return;
        size_t klen = vs__ip_key(&ev->pl->dst, key);
        source_state *st = vs__lru_peek(d->sources, key, klen);
        if (!st || ev->ts - st->window_start > d->cfg->enum_window_us)
            return;
        unsigned s = ev->status;
        int cls = s == 401   ? ANS_401
                  : s == 403 ? ANS_403
                  : s == 404 ? ANS_404
                  : s == 407 ? ANS_407
                  : s < 300  ? ANS_OK
                             : ANS_OTHER;
        st->answers[cls]++;
        check(d, st, key, klen, ev, false);
        return;
    }
    if (ev->auth || ev->to_tag.len)
        return; /* with credentials: password guessing (bruteforce); in a dialog: not a probe */
    vs_slice user = ev->ruri_user.len ? ev->ruri_user : ev->to_user;
    if (!user.len)
        return;
    size_t klen = vs__ip_key(&ev->pl->src, key);
    bool created;
    source_state *st = vs__monitor_lru_get(d->m, d->sources, key, klen, ev->ts, true, &created);
    if (created || ev->ts - st->window_start > d->cfg->enum_window_us) {
        uint8_t reported = created ? 0 : st->reported_users;
        memset(st, 0, sizeof *st);
        st->window_start = ev->ts;
        st->reported_users = reported;
    }
    st->probes++;
    st->methods |= 1u << ev->method;
    if (set_add(st, hash32(user.ptr, user.len)) && st->nsamples < SAMPLES)
        vs__slice_cstr(user, st->samples[st->nsamples++], SAMPLE_LEN);
    check(d, st, key, klen, ev, true);
}

static void enum_tick(void *self, int64_t now)
{
    enumeration *d = self;
    vs__lru_expire(d->sources, now - d->cfg->enum_window_us);
}

/* Starts loading the asker's entry while the monitor parses (see vs__detector_ops): the source
 * of a request, the destination of a response. */
static void enum_prefetch(void *self, const vs_payload *pl, const vs__event *ev, bool response,
                          int stage)
{
    enumeration *d = self;
    (void)ev;
    unsigned char key[17];
    size_t klen = vs__ip_key(response ? &pl->dst : &pl->src, key);
    vs__lru_prefetch(d->sources, key, klen, stage);
}

const vs__detector_ops vs__detect_enumeration = {
    .rule = RULE,
    .create = enum_create,
    .event = enum_event,
    .tick = enum_tick,
    .finish = NULL,
    .destroy = enum_destroy,
    .prefetch = enum_prefetch,
};
