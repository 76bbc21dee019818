/* Detector `bruteforce`: somebody is guessing SIP passwords.
 *
 * A failed attempt is a request that carried credentials (Authorization or Proxy-Authorization)
 * and was answered 401, 407 or 403 in the same transaction; a 2xx answer is a success. Requests
 * with credentials wait in a bounded table keyed by the requester's address, CSeq and Call-ID
 * until their final answer (or 32 s, the transaction timeout); the answer is the response whose
 * destination is the request's source. A 401/407 that only says the nonce was stale
 * (stale=true) is the normal renewal of a challenge, not a failure. Requests without credentials
 * never count: every phone gets one challenge per registration, and that is normal.
 *
 * Three forms, counted over brute_window (a window starts at its first failure):
 *   (a) one source, one user: brute_min_failures failures -> incident (source, user);
 *   (b) distributed: brute_dist_sources distinct addresses fail against one user -> incident
 *       (user), src = the latest source, evidence lists up to 10 sources;
 *   (c) one source, many users: brute_dist_users distinct users fail from one address ->
 *       incident (source), evidence lists up to 10 users. While (c) is open for a source,
 *       no (a) incident is opened for it: one attack, one finding.
 * A success resets the (source, user) count, so a person who mistypes twice and then logs in
 * is never reported; a success inside an open incident means the password was found, and the
 * finding says so (severity critical). Distinct sources and users are counted as small sets of
 * hashes; every table is a bounded LRU. Nothing of the credential but the user name is kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/txn.h"
#include "monitor/monitor_internal.h"

#define RULE "bruteforce"
#define USER_MAX 64
#define SET_MAX 32  /* distinct members counted per window (thresholds above saturate) */
#define LIST_MAX 10 /* members named in the evidence */
#define IPKEY_MAX 17
#define NAME_MAX_LISTED 24 /* user names in the evidence list are cut here */
#define PENDING_MAX 16384  /* requests waiting for their answer (they wait milliseconds) */

typedef struct pending {
    int64_t ts;
    vs_ip src, dst;
    uint16_t sport, dport;
    vs_transport transport;
    char user[USER_MAX];
    char ua[48];
    char method[16];
} pending;

typedef struct pair_state { /* (source, user) */
    int64_t window_start;
    uint32_t failures;
} pair_state;

typedef struct user_state { /* user: distinct sources */
    int64_t window_start;
    uint32_t failures;
    uint32_t set[SET_MAX];
    uint8_t nset;
    uint8_t nlist;
    vs_ip list[LIST_MAX];
} user_state;

typedef struct source_state { /* source: distinct users */
    int64_t window_start;
    uint32_t failures;
    uint32_t set[SET_MAX];
    uint8_t nset;
    uint8_t nlist;
    char list[LIST_MAX][NAME_MAX_LISTED];
} source_state;

typedef struct brute {
    vs__mon *m;
    const vs_monitor_config *cfg;
    vs__lru *pending;
    vs__lru *pairs;
    vs__lru *users;
    vs__lru *sources;
} brute;

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void *brute_create(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen)
{
    brute *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->m = m;
    b->cfg = cfg;
    b->pending = vs__txn_new(min_size(cfg->max_sources, PENDING_MAX), sizeof(pending));
    b->pairs = vs__lru_new(cfg->max_users, IPKEY_MAX + USER_MAX, sizeof(pair_state));
    b->users = vs__lru_new(cfg->max_users, USER_MAX, sizeof(user_state));
    b->sources = vs__lru_new(cfg->max_sources, IPKEY_MAX, sizeof(source_state));
    if (!b->pending || !b->pairs || !b->users || !b->sources) {
        snprintf(err, errlen, "out of memory");
        vs__lru_free(b->pending);
        vs__lru_free(b->pairs);
        vs__lru_free(b->users);
        vs__lru_free(b->sources);
        free(b);
        return NULL;
    }
    return b;
}

static void brute_destroy(void *self)
{
    brute *b = self;
    vs__lru_free(b->pending);
    vs__lru_free(b->pairs);
    vs__lru_free(b->users);
    vs__lru_free(b->sources);
    free(b);
}

/* ---- small helpers ------------------------------------------------------------------------- */

static uint32_t hash32(const void *data, size_t n, uint32_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Adds h to a small set; true when it was new. The size saturates at SET_MAX. */
static bool set_add(uint32_t *set, uint8_t *n, uint32_t h)
{
    for (uint8_t i = 0; i < *n; i++)
        if (set[i] == h)
            return false;
    if (*n < SET_MAX)
        set[(*n)++] = h;
    return true;
}

/* A quoted-string value without its backslash escapes, as a C string. */
static void unescape_cstr(vs_slice s, char *buf, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < s.len && o + 1 < size; i++) {
        char c = s.ptr[i];
        if (c == '\\' && i + 1 < s.len)
            c = s.ptr[++i];
        buf[o++] = c ? c : '?';
    }
    buf[o] = '\0';
}

/* Appends a JSON string of printable ASCII (other bytes become '?') to a "[...]" being built. */
static void json_list(char *out, size_t size, const char *items, size_t stride, size_t n)
{
    size_t o = 0;
    out[o++] = '[';
    for (size_t i = 0; i < n; i++) {
        const char *s = items + i * stride;
        size_t need = strlen(s) * 2 + 4;
        if (o + need + 2 >= size)
            break;
        if (i)
            out[o++] = ',';
        out[o++] = '"';
        for (; *s; s++) {
            unsigned char c = (unsigned char)*s;
            if (c == '"' || c == '\\')
                out[o++] = '\\';
            out[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
        }
        out[o++] = '"';
    }
    out[o++] = ']';
    out[o] = '\0';
}

static bool is_stale(const vs__event *ev)
{
    return ev->challenge && vs_slice_caseeq_str(ev->challenge->stale, "true");
}

/* ---- findings ------------------------------------------------------------------------------ */

static void fill_common(vs_finding *f, const pending *p, const char *user)
{
    uint64_t count = f->count;
    int64_t first = f->first_seen_us, last = f->last_seen_us;
    vs_finding_init(f, RULE, VS_PRACTICE_ACTIVITY, VS_SEV_HIGH);
    f->count = count;
    f->first_seen_us = first;
    f->last_seen_us = last;
    vs__finding_src(f, &p->src, p->sport, p->transport);
    vs_ip_format(&p->dst, f->dst.ip, sizeof f->dst.ip);
    f->dst.port = p->dport;
    vs_finding_set(f->dst.transport, sizeof f->dst.transport, vs_transport_id(p->transport));
    if (user)
        vs_finding_set(f->user, sizeof f->user, user);
}

static void evidence_common(brute *b, vs_finding *f, const pending *p, unsigned status)
{
    vs_evidence_int(f->evidence, sizeof f->evidence, "window_s", b->cfg->brute_window_us / 1000000);
    vs_evidence_str(f->evidence, sizeof f->evidence, "method", p->method);
    vs_evidence_int(f->evidence, sizeof f->evidence, "answer", status);
    vs_evidence_str(f->evidence, sizeof f->evidence, "user_agent", p->ua);
}

#define ADVICE_BLOCK                                                                               \
    "Block %s at the firewall now. Make sure every extension has a long random password (16 "      \
    "characters or more: phones are provisioned, nobody types it), accept SIP only from your "     \
    "phones' and your provider's addresses or through a VPN, and let fail2ban or the PBX's own "   \
    "limit ban addresses after a few failures."

static void open_pair(brute *b, vs__incident *inc, const pending *p, unsigned status,
                      uint32_t failures)
{
    vs_finding *f = &inc->f;
    fill_common(f, p, p->user);
    vs_finding_setf(f->title, sizeof f->title, "Password guessing against extension %s from %s",
                    p->user, f->src.ip);
    vs_finding_setf(f->explain, sizeof f->explain,
                    "The computer at %s tried to log in as extension %s and was refused %u times "
                    "within %lld s. That is someone trying passwords one after the other; if one "
                    "works, they can make calls on your bill or listen to voicemail.",
                    f->src.ip, p->user, (unsigned)failures,
                    (long long)(b->cfg->brute_window_us / 1000000));
    vs_finding_setf(f->advice, sizeof f->advice, ADVICE_BLOCK, f->src.ip);
    vs_evidence_str(f->evidence, sizeof f->evidence, "form", "one source, one user");
    vs_evidence_int(f->evidence, sizeof f->evidence, "failures_in_window", failures);
    evidence_common(b, f, p, status);
}

static void open_user(brute *b, vs__incident *inc, const pending *p, unsigned status,
                      const user_state *us)
{
    vs_finding *f = &inc->f;
    fill_common(f, p, p->user);
    vs_finding_setf(f->title, sizeof f->title,
                    "Password guessing against extension %s from many addresses", p->user);
    vs_finding_setf(
        f->explain, sizeof f->explain,
        "At least %u different computers tried to log in as extension %s and were "
        "refused (%u failures within %lld s; the latest from %s). Spreading the guesses over "
        "many addresses is how attackers get past per-address bans.",
        (unsigned)us->nset, p->user, (unsigned)us->failures,
        (long long)(b->cfg->brute_window_us / 1000000), f->src.ip);
    vs_finding_setf(f->advice, sizeof f->advice,
                    "Give extension %s a new long random password (16 characters or more) now, "
                    "and check that nobody registered it from an unknown address. Accept SIP only "
                    "from your phones' and your provider's addresses or through a VPN: banning "
                    "one address at a time does not stop a distributed attack.",
                    p->user);
    char names[LIST_MAX][46];
    for (size_t i = 0; i < us->nlist; i++)
        vs_ip_format(&us->list[i], names[i], sizeof names[i]);
    char list[LIST_MAX * 50 + 4];
    json_list(list, sizeof list, &names[0][0], sizeof names[0], us->nlist);
    vs_evidence_str(f->evidence, sizeof f->evidence, "form", "many sources, one user");
    vs_evidence_int(f->evidence, sizeof f->evidence, "distinct_sources", us->nset);
    vs_evidence_raw(f->evidence, sizeof f->evidence, "sources", list);
    vs_evidence_int(f->evidence, sizeof f->evidence, "failures_in_window", us->failures);
    evidence_common(b, f, p, status);
}

static void open_source(brute *b, vs__incident *inc, const pending *p, unsigned status,
                        const source_state *ss)
{
    vs_finding *f = &inc->f;
    fill_common(f, p, NULL);
    vs_finding_setf(f->title, sizeof f->title, "Password guessing from %s against many extensions",
                    f->src.ip);
    vs_finding_setf(
        f->explain, sizeof f->explain,
        "The computer at %s tried to log in as at least %u different extensions and "
        "was refused %u times within %lld s. It is going through your extensions trying "
        "easy passwords; any extension with a weak one will be taken over.",
        f->src.ip, (unsigned)ss->nset, (unsigned)ss->failures,
        (long long)(b->cfg->brute_window_us / 1000000));
    vs_finding_setf(f->advice, sizeof f->advice, ADVICE_BLOCK, f->src.ip);
    char list[LIST_MAX * (NAME_MAX_LISTED * 2 + 4) + 4];
    json_list(list, sizeof list, &ss->list[0][0], sizeof ss->list[0], ss->nlist);
    vs_evidence_str(f->evidence, sizeof f->evidence, "form", "one source, many users");
    vs_evidence_int(f->evidence, sizeof f->evidence, "distinct_users", ss->nset);
    vs_evidence_raw(f->evidence, sizeof f->evidence, "users", list);
    vs_evidence_int(f->evidence, sizeof f->evidence, "failures_in_window", ss->failures);
    evidence_common(b, f, p, status);
}

/* ---- counting ------------------------------------------------------------------------------ */

static void *window_get(brute *b, vs__lru *t, const void *key, size_t klen, int64_t ts,
                        size_t vsize)
{
    bool created;
    int64_t *st = vs__monitor_lru_get(b->m, t, key, klen, ts, true, &created);
    if (st && (created || ts - *st > b->cfg->brute_window_us)) {
        memset(st, 0, vsize); /* every state starts with its window_start */
        *st = ts;
    }
    return st;
}

static void failure(brute *b, const pending *p, unsigned status, int64_t ts)
{
    unsigned char ipk[IPKEY_MAX];
    size_t ipn = vs__ip_key(&p->src, ipk);
    size_t ul = strlen(p->user);

    /* incident keys: 'a' source+user, 'b' user, 'c' source */
    unsigned char ka[1 + IPKEY_MAX + USER_MAX], kb[1 + USER_MAX], kc[1 + IPKEY_MAX];
    ka[0] = 'a';
    memcpy(ka + 1, ipk, ipn);
    memcpy(ka + 1 + ipn, p->user, ul);
    size_t kan = 1 + ipn + ul;
    kb[0] = 'b';
    memcpy(kb + 1, p->user, ul);
    size_t kbn = 1 + ul;
    kc[0] = 'c';
    memcpy(kc + 1, ipk, ipn);
    size_t kcn = 1 + ipn;

    pair_state *ps = window_get(b, b->pairs, ka + 1, kan - 1, ts, sizeof *ps);
    user_state *us = window_get(b, b->users, p->user, ul, ts, sizeof *us);
    source_state *ss = window_get(b, b->sources, ipk, ipn, ts, sizeof *ss);
    if (!ps || !us || !ss)
        return;
    ps->failures++;
    us->failures++;
    ss->failures++;
    if (set_add(us->set, &us->nset, hash32(ipk, ipn, 2166136261u)) && us->nlist < LIST_MAX)
        us->list[us->nlist++] = p->src;
    if (set_add(ss->set, &ss->nset, hash32(p->user, ul, 2166136261u)) && ss->nlist < LIST_MAX)
        vs_finding_set(ss->list[ss->nlist++], sizeof ss->list[0], p->user);

    bool created;
    /* (c) one source, many users */
    bool c_open = vs__incident_find(b->m, RULE, kc, kcn) != NULL;
    if (c_open) {
        vs__incident_hit(b->m, RULE, kc, kcn, ts, ts, 1, NULL);
    } else if (ss->nset >= b->cfg->brute_dist_users) {
        vs__incident *inc =
            vs__incident_hit(b->m, RULE, kc, kcn, ss->window_start, ts, ss->failures, &created);
        if (created) {
            open_source(b, inc, p, status, ss);
            vs__incident_ready(b->m, inc);
        }
        c_open = true;
    }
    /* (a) one source, one user */
    if (vs__incident_find(b->m, RULE, ka, kan)) {
        vs__incident_hit(b->m, RULE, ka, kan, ts, ts, 1, NULL);
    } else if (!c_open && ps->failures >= b->cfg->brute_min_failures) {
        vs__incident *inc =
            vs__incident_hit(b->m, RULE, ka, kan, ps->window_start, ts, ps->failures, &created);
        if (created) {
            open_pair(b, inc, p, status, ps->failures);
            vs__incident_ready(b->m, inc);
        }
    }
    /* (b) many sources, one user */
    if (vs__incident_find(b->m, RULE, kb, kbn)) {
        vs__incident_hit(b->m, RULE, kb, kbn, ts, ts, 1, NULL);
    } else if (us->nset >= b->cfg->brute_dist_sources) {
        vs__incident *inc =
            vs__incident_hit(b->m, RULE, kb, kbn, us->window_start, ts, us->failures, &created);
        if (created) {
            open_user(b, inc, p, status, us);
            vs__incident_ready(b->m, inc);
        }
    }
}

/* A success after failures: a mistyping person starts over; an attacker has found a password. */
static void success(brute *b, const pending *p, unsigned status)
{
    unsigned char ipk[IPKEY_MAX];
    size_t ipn = vs__ip_key(&p->src, ipk);
    size_t ul = strlen(p->user);
    unsigned char ka[1 + IPKEY_MAX + USER_MAX], kc[1 + IPKEY_MAX];
    ka[0] = 'a';
    memcpy(ka + 1, ipk, ipn);
    memcpy(ka + 1 + ipn, p->user, ul);
    kc[0] = 'c';
    memcpy(kc + 1, ipk, ipn);
    vs__lru_remove(b->pairs, ka + 1, ipn + ul);

    vs__incident *incs[2] = {vs__incident_find(b->m, RULE, ka, 1 + ipn + ul),
                             vs__incident_find(b->m, RULE, kc, 1 + ipn)};
    for (size_t i = 0; i < 2; i++) {
        vs__incident *inc = incs[i];
        if (!inc || !inc->ready || inc->f.severity == VS_SEV_CRITICAL)
            continue;
        vs_finding *f = &inc->f;
        f->severity = VS_SEV_CRITICAL;
        vs_evidence_str(f->evidence, sizeof f->evidence, "accepted_user", p->user);
        vs_evidence_int(f->evidence, sizeof f->evidence, "accepted_answer", status);
        size_t tl = strlen(f->title);
        vs_finding_setf(f->title + tl, sizeof f->title - tl, ": the password of %s was found",
                        p->user);
        size_t el = strlen(f->explain);
        vs_finding_setf(f->explain + el, sizeof f->explain - el,
                        " After the failures, a login as %s from this address was accepted: the "
                        "attacker very probably has that password.",
                        p->user);
        size_t al = strlen(f->advice);
        vs_finding_setf(f->advice + al, sizeof f->advice - al,
                        " Change the password of %s first, and look for calls made from it.",
                        p->user);
    }
}

static void brute_event(void *self, const vs__event *ev)
{
    brute *b = self;
    if (ev->request) {
        if (!ev->auth || !ev->call_id.len || ev->method == VS_SIP_METHOD_ACK ||
            ev->method == VS_SIP_METHOD_CANCEL)
            return;
        char user[USER_MAX];
        unescape_cstr(ev->auth->username, user, sizeof user);
        if (!user[0])
            vs__slice_cstr(ev->from_user, user, sizeof user);
        if (!user[0])
            return;
        pending *p = vs__txn_request(b->pending, b->m, ev);
        if (!p)
            return;
        p->ts = ev->ts;
        p->src = ev->pl->src;
        p->dst = ev->pl->dst;
        p->sport = ev->pl->sport;
        p->dport = ev->pl->dport;
        p->transport = ev->pl->transport;
        memcpy(p->user, user, sizeof p->user);
        vs__slice_cstr(ev->user_agent, p->ua, sizeof p->ua);
        vs__slice_cstr(ev->method_text, p->method, sizeof p->method);
        return;
    }
    if (ev->status < 200 || !ev->call_id.len)
        return;
    pending req;
    if (!vs__txn_answer(b->pending, ev, &req, sizeof req))
        return; /* one answer per transaction: retransmissions are not matched again */
    if (ev->status == 403 || ((ev->status == 401 || ev->status == 407) && !is_stale(ev)))
        failure(b, &req, ev->status, ev->ts);
    else if (ev->status >= 200 && ev->status < 300)
        success(b, &req, ev->status);
}

static void brute_tick(void *self, int64_t now)
{
    brute *b = self;
    vs__txn_expire(b->pending, now);
    vs__lru_expire(b->pairs, now - b->cfg->brute_window_us);
    vs__lru_expire(b->users, now - b->cfg->brute_window_us);
    vs__lru_expire(b->sources, now - b->cfg->brute_window_us);
}

const vs__detector_ops vs__detect_bruteforce = {
    .rule = RULE,
    .create = brute_create,
    .event = brute_event,
    .tick = brute_tick,
    .finish = NULL,
    .destroy = brute_destroy,
};
