/* Detector `scan`: somebody is mapping SIP services.
 *
 * Two signs, either is enough:
 *   - the tool says who it is: a User-Agent or From display name on the scanner list
 *     (data/scanner-user-agents.tsv; SIPVicious, SIPPTS, sipcli ... rarely bother to hide);
 *   - the behaviour: within scan_window, one source sends requests to scan_min_targets distinct
 *     hosts or ports, or OPTIONS to scan_min_options distinct host/user pairs (a sweep).
 * Distinct targets are counted in a small per-source set of hashes, so the state per source is a
 * few hundred bytes, in a bounded table. One incident per source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/datafile.h"
#include "monitor/monitor_internal.h"

#define MAX_PATTERNS 256
#define TARGET_SET 32

typedef struct pattern {
    char text[96];
    size_t len;
    bool exact;
    char tool[32];
} pattern;

typedef struct source_state {
    int64_t window_start;
    uint32_t requests;
    uint32_t targets[TARGET_SET]; /* hashes of distinct dst ip:port */
    uint8_t ntargets;
    uint32_t sweeps[TARGET_SET];  /* hashes of distinct OPTIONS dst ip + R-URI user */
    uint8_t nsweeps;
} source_state;

typedef struct scan {
    vs__mon *m;
    const vs_monitor_config *cfg;
    pattern patterns[MAX_PATTERNS];
    size_t npatterns;
    vs__lru *sources;
    vs__lru *ua_cache; /* User-Agent / From name -> pattern index + 1 (0: none); a network has a
                          handful of distinct User-Agents, so matching all patterns at every
                          offset once per distinct text is enough */
    uint64_t evicted_reported;
} scan;

static const char *add_pattern(void *ctx, char **f, size_t n, unsigned line)
{
    (void)n;
    (void)line;
    scan *s = ctx;
    if (s->npatterns >= MAX_PATTERNS)
        return "too many patterns (256 at most)";
    pattern *p = &s->patterns[s->npatterns];
    if (strlen(f[0]) == 0 || strlen(f[0]) >= sizeof p->text)
        return "pattern empty or longer than 95 bytes";
    if (strcmp(f[1], "contains") && strcmp(f[1], "exact"))
        return "match must be 'contains' or 'exact'";
    snprintf(p->text, sizeof p->text, "%s", f[0]);
    p->len = strlen(p->text);
    p->exact = strcmp(f[1], "exact") == 0;
    snprintf(p->tool, sizeof p->tool, "%s", f[2]);
    s->npatterns++;
    return NULL;
}

static void *scan_create(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen)
{
    scan *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->m = m;
    s->cfg = cfg;
    if (vs__data_read(cfg->scan_user_agents, 3, add_pattern, s, err, errlen) != 0) {
        free(s);
        return NULL;
    }
    s->sources = vs__lru_new(cfg->max_sources, 17, sizeof(source_state));
    s->ua_cache = vs__lru_new(1024, 96, sizeof(uint16_t));
    if (!s->sources || !s->ua_cache) {
        vs__lru_free(s->sources);
        vs__lru_free(s->ua_cache);
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    return s;
}

static void scan_destroy(void *self)
{
    scan *s = self;
    vs__lru_free(s->sources);
    vs__lru_free(s->ua_cache);
    free(s);
}

static bool contains_nocase(vs_slice hay, const char *needle, size_t n)
{
    if (n == 0 || hay.len < n)
        return false;
    for (size_t i = 0; i + n <= hay.len; i++)
        if (strncasecmp(hay.ptr + i, needle, n) == 0)
            return true;
    return false;
}

static const pattern *match_uncached(const scan *s, vs_slice text)
{
    for (size_t i = 0; i < s->npatterns; i++) {
        const pattern *p = &s->patterns[i];
        if (p->exact ? (text.len == p->len && strncasecmp(text.ptr, p->text, p->len) == 0)
                     : contains_nocase(text, p->text, p->len))
            return p;
    }
    return NULL;
}

static const pattern *match_tool(scan *s, vs_slice text, int64_t ts)
{
    if (!text.len)
        return NULL;
    if (text.len > 96)
        return match_uncached(s, text); /* long texts are rare: not worth a cache slot */
    bool created;
    uint16_t *slot = vs__lru_get(s->ua_cache, text.ptr, text.len, ts, true, &created);
    if (created) {
        const pattern *p = match_uncached(s, text);
        *slot = p ? (uint16_t)(p - s->patterns + 1) : 0;
    }
    return *slot ? &s->patterns[*slot - 1] : NULL;
}

static uint32_t hash32(const void *data, size_t n, uint32_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Adds h to a small set; returns its size (saturating at TARGET_SET). */
static uint8_t set_add(uint32_t *set, uint8_t *n, uint32_t h)
{
    for (uint8_t i = 0; i < *n; i++)
        if (set[i] == h)
            return *n;
    if (*n < TARGET_SET)
        set[(*n)++] = h;
    return *n;
}

static void open_incident(scan *s, const vs__event *ev, const unsigned char *key, size_t klen,
                          const char *tool, const char *why, int64_t first, uint64_t count)
{
    bool created;
    vs__incident *inc = vs__incident_hit(s->m, "scan", key, klen, first, ev->ts, count, &created);
    if (!created)
        return;
    vs_finding *f = &inc->f;
    uint64_t keep_count = f->count;
    int64_t keep_first = f->first_seen_us, keep_last = f->last_seen_us;
    vs_finding_init(f, "scan", VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM);
    f->count = keep_count;
    f->first_seen_us = keep_first;
    f->last_seen_us = keep_last;
    vs__finding_endpoints(f, ev);
    char ua[128];
    vs__slice_cstr(ev->user_agent, ua, sizeof ua);
    if (tool)
        vs_finding_set(f->tool, sizeof f->tool, tool);
    vs_finding_setf(f->title, sizeof f->title, "SIP scan from %s%s%s%s", f->src.ip,
                    tool ? " (" : "", tool ? tool : "", tool ? ")" : "");
    vs_finding_setf(f->explain, sizeof f->explain,
                    "The computer at %s is probing SIP services (%s). Scanners map phone systems "
                    "that can be reached from the internet; password guessing and toll fraud "
                    "usually follow within hours.",
                    f->src.ip, why);
    vs_finding_setf(f->advice, sizeof f->advice,
                    "Block %s at the firewall. Better: accept SIP only from your provider's and "
                    "your phones' addresses, and put remote phones behind a VPN. Where SIP must "
                    "stay open, rate-limit it (Kamailio pike, fail2ban) and keep alwaysauthreject "
                    "on so that scans learn nothing.",
                    f->src.ip);
    vs_evidence_str(f->evidence, sizeof f->evidence, "user_agent", ua);
    vs_evidence_str(f->evidence, sizeof f->evidence, "reason", why);
    char method[24];
    vs__slice_cstr(ev->method_text, method, sizeof method);
    vs_evidence_str(f->evidence, sizeof f->evidence, "first_method", method);
    vs__incident_ready(s->m, inc);
}

static void scan_event(void *self, const vs__event *ev)
{
    scan *s = self;
    if (!ev->request)
        return;
    unsigned char key[17];
    size_t klen = vs__ip_key(&ev->pl->src, key);

    /* already an incident for this source: count the event and stop */
    if (vs__incident_find(s->m, "scan", key, klen)) {
        vs__incident_hit(s->m, "scan", key, klen, ev->ts, ev->ts, 1, NULL);
        return;
    }
    const pattern *p = match_tool(s, ev->user_agent, ev->ts);
    if (!p)
        p = match_tool(s, ev->from_display, ev->ts);
    if (p) {
        char why[160];
        snprintf(why, sizeof why, "it identifies itself as the scanning tool %s", p->tool);
        open_incident(s, ev, key, klen, p->tool, why, ev->ts, 1);
        return;
    }

    if (ev->src_is_server)
        return; /* a PBX calls many phones: behaviour is not a sign of scanning there */
    bool created;
    source_state *st = vs__monitor_lru_get(s->m, s->sources, key, klen, ev->ts, true, &created);
    if (created || ev->ts - st->window_start > s->cfg->scan_window_us) {
        memset(st, 0, sizeof *st);
        st->window_start = ev->ts;
    }
    st->requests++;
    unsigned char tk[20];
    size_t tn = vs__ip_key(&ev->pl->dst, tk);
    memcpy(tk + tn, &ev->pl->dport, 2);
    uint8_t targets = set_add(st->targets, &st->ntargets, hash32(tk, tn + 2, 2166136261u));
    uint8_t sweeps = 0;
    if (ev->method == VS_SIP_METHOD_OPTIONS) {
        uint32_t h = hash32(tk, tn, 2166136261u);
        h = hash32(ev->ruri_user.ptr ? ev->ruri_user.ptr : "", ev->ruri_user.len, h);
        sweeps = set_add(st->sweeps, &st->nsweeps, h);
    }
    if (targets >= s->cfg->scan_min_targets) {
        char why[160];
        snprintf(why, sizeof why, "it sent requests to %u different addresses or ports within %lld s",
                 (unsigned)targets, (long long)(s->cfg->scan_window_us / 1000000));
        open_incident(s, ev, key, klen, NULL, why, st->window_start, st->requests);
    } else if (sweeps >= s->cfg->scan_min_options) {
        char why[160];
        snprintf(why, sizeof why, "it swept %u targets with OPTIONS requests within %lld s",
                 (unsigned)sweeps, (long long)(s->cfg->scan_window_us / 1000000));
        open_incident(s, ev, key, klen, NULL, why, st->window_start, st->requests);
    }
}

static void scan_tick(void *self, int64_t now)
{
    scan *s = self;
    vs__lru_expire(s->sources, now - s->cfg->scan_window_us);
}

/* Starts loading the source's entry while the monitor parses (see vs__detector_ops). */
static void scan_prefetch(void *self, const vs_payload *pl, const vs__event *ev, bool response,
                          int stage)
{
    scan *s = self;
    (void)ev;
    if (response)
        return; /* requests only */
    unsigned char key[17];
    size_t klen = vs__ip_key(&pl->src, key);
    vs__lru_prefetch(s->sources, key, klen, stage);
}

const vs__detector_ops vs__detect_scan = {
    .rule = "scan",
    .create = scan_create,
    .event = scan_event,
    .tick = scan_tick,
    .finish = NULL,
    .destroy = scan_destroy,
    .prefetch = scan_prefetch,
};
