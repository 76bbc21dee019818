/* The device inventory: devices rows grouped into devices, their firmware history, and the
 * verdict on their firmware (vulnerable, overdue for review) as findings.
 *
 * Design: nothing derived is stored. vs_inventory_load reads the devices rows ordered by address
 * (vs_store_each_device), fingerprints each User-Agent/Server string (vs_fp_match, behind a small
 * direct-mapped cache because the same strings repeat across addresses and ports) and groups the
 * rows by (ip, vendor, model). Because the rows come ordered by address, the devices of the
 * address being read are the tail of the device array, and grouping is a short scan of that tail
 * rather than a hash table. Each device keeps bounded lists (versions, addresses, raw strings,
 * users: VS_INVENTORY_MAX_*), so memory grows with the number of devices, never with the number
 * of rows; the number of devices is capped as well. Then each device's versions are put in
 * first-seen order and its current version chosen (the one seen last), the devices sorted by
 * numeric address, and the reviews attached by binary search.
 *
 * The review clock of a device runs from max(when its current version took over, its last
 * review); it is overdue when that is strictly more than firmware_review_days days ago. A version
 * "takes over" at its first sighting, or at the last sighting of another version when that is
 * later (a device that went back to an older version). A device whose strings name no version is
 * neither vulnerable nor overdue: its status is unknown-version. */
#define _DEFAULT_SOURCE /* timegm */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <voipsec/inventory.h>

#define US_PER_DAY INT64_C(86400000000)
#define FP_CACHE_SLOTS 512

struct vs_inventory {
    vs_inventory_device *dev;
    size_t n, cap;
    size_t max_devices;
    uint64_t dropped; /* rows of devices beyond the cap */
    uint64_t rows;
};

typedef struct fp_slot {
    bool used, matched;
    char ua[256];
    vs_fingerprint fp;
} fp_slot;

typedef struct builder {
    vs_inventory *inv;
    const vs_fp_rules *rules;
    fp_slot *cache;
    char cur_ip[46];
    size_t ip_start; /* first device of cur_ip */
    bool nomem;
} builder;

/* ---- small helpers ------------------------------------------------------------------------- */

/* Copies src into dst, cut to fit (the fields are for display and matching). */
static void copy(char *dst, size_t size, const char *src)
{
    if (snprintf(dst, size, "%s", src ? src : "") < 0)
        dst[0] = '\0';
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static const fp_slot *fingerprint(builder *b, const char *ua)
{
    fp_slot *s = &b->cache[hash_str(ua) % FP_CACHE_SLOTS];
    if (s->used && !strcmp(s->ua, ua))
        return s;
    s->used = true;
    copy(s->ua, sizeof s->ua, ua);
    s->matched = *ua && vs_fp_match(b->rules, ua, strlen(ua), &s->fp);
    if (!s->matched)
        memset(&s->fp, 0, sizeof s->fp);
    return s;
}

/* Grows *arr (elements of size elem) to hold n + 1; false when out of memory. Capacity doubles
 * from 2 up to max. */
static bool grow(void **arr, size_t n, size_t elem, size_t max)
{
    if (n && (n & (n - 1)) != 0)
        return true; /* capacity is the next power of two of n: room left */
    size_t cap = n ? n * 2 : 2;
    if (cap > max)
        cap = max;
    void *p = realloc(*arr, cap * elem);
    if (!p)
        return false;
    *arr = p;
    return true;
}

/* ---- grouping rows ------------------------------------------------------------------------- */

static bool add_version(vs_inventory_device *d, const vs_fingerprint *fp, const vs_device_row *r)
{
    for (size_t i = 0; i < d->nversions; i++) {
        vs_inventory_version *v = &d->versions[i];
        if (strcmp(v->version, fp->version) != 0)
            continue;
        if (r->first_seen_us < v->first_seen_us)
            v->first_seen_us = r->first_seen_us;
        if (r->last_seen_us >= v->last_seen_us) {
            v->last_seen_us = r->last_seen_us;
            copy(v->platform_vendor, sizeof v->platform_vendor, fp->platform_vendor);
            copy(v->platform_version, sizeof v->platform_version, fp->platform_version);
        }
        return true;
    }
    vs_inventory_version *slot;
    if (d->nversions == VS_INVENTORY_MAX_VERSIONS) {
        /* full: the least recently seen version gives way to a more recent one */
        size_t old = 0;
        for (size_t i = 1; i < d->nversions; i++)
            if (d->versions[i].last_seen_us < d->versions[old].last_seen_us)
                old = i;
        d->versions_dropped++;
        if (d->versions[old].last_seen_us >= r->last_seen_us)
            return true;
        slot = &d->versions[old];
    } else {
        if (!grow((void **)&d->versions, d->nversions, sizeof *d->versions,
                  VS_INVENTORY_MAX_VERSIONS))
            return false;
        slot = &d->versions[d->nversions++];
    }
    memset(slot, 0, sizeof *slot);
    copy(slot->version, sizeof slot->version, fp->version);
    copy(slot->platform_vendor, sizeof slot->platform_vendor, fp->platform_vendor);
    copy(slot->platform_version, sizeof slot->platform_version, fp->platform_version);
    slot->first_seen_us = r->first_seen_us;
    slot->last_seen_us = r->last_seen_us;
    return true;
}

static bool add_addr(vs_inventory_device *d, uint16_t port, const char *transport)
{
    for (size_t i = 0; i < d->naddrs; i++)
        if (d->addrs[i].port == port && !strcmp(d->addrs[i].transport, transport))
            return true;
    if (d->naddrs == VS_INVENTORY_MAX_ADDRS) {
        d->addrs_dropped++;
        return true;
    }
    if (!grow((void **)&d->addrs, d->naddrs, sizeof *d->addrs, VS_INVENTORY_MAX_ADDRS))
        return false;
    vs_inventory_addr *a = &d->addrs[d->naddrs++];
    a->port = port;
    copy(a->transport, sizeof a->transport, transport);
    return true;
}

/* Adds text to a bounded list of distinct strings of width w. */
static bool add_text(char **list, size_t *n, uint64_t *dropped, size_t max, size_t w,
                     const char *text)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(*list + i * w, text))
            return true;
    if (*n == max) {
        (*dropped)++;
        return true;
    }
    if (!grow((void **)list, *n, w, max))
        return false;
    copy(*list + (*n)++ * w, w, text);
    return true;
}

static bool add_row(vs_inventory_device *d, const vs_device_row *r, const fp_slot *s)
{
    if (d->rows == 0 || r->last_seen_us >= d->last_seen_us) {
        copy(d->kind, sizeof d->kind, s->fp.kind);
        copy(d->rule, sizeof d->rule, s->fp.rule);
    }
    if (d->rows == 0 || r->id < d->id)
        d->id = r->id;
    if (d->rows == 0 || r->first_seen_us < d->first_seen_us)
        d->first_seen_us = r->first_seen_us;
    if (d->rows == 0 || r->last_seen_us > d->last_seen_us)
        d->last_seen_us = r->last_seen_us;
    d->rows++;
    if (s->fp.version[0]) {
        if (!add_version(d, &s->fp, r))
            return false;
    } else {
        d->unversioned_rows++;
    }
    if (!add_addr(d, r->port, r->transport))
        return false;
    if (!add_text((char **)&d->user_agents, &d->nuser_agents, &d->user_agents_dropped,
                  VS_INVENTORY_MAX_USER_AGENTS, sizeof *d->user_agents, r->user_agent))
        return false;
    if (r->user[0] && !add_text((char **)&d->users, &d->nusers, &d->users_dropped,
                                VS_INVENTORY_MAX_USERS, sizeof *d->users, r->user))
        return false;
    return true;
}

static bool on_row(void *ctx, const vs_device_row *r)
{
    builder *b = ctx;
    vs_inventory *inv = b->inv;
    inv->rows++;
    const fp_slot *s = fingerprint(b, r->user_agent);
    const char *vendor = s->matched ? s->fp.vendor : "";
    const char *model = s->matched ? s->fp.model : r->user_agent;
    if (strcmp(r->ip, b->cur_ip) != 0) {
        copy(b->cur_ip, sizeof b->cur_ip, r->ip);
        b->ip_start = inv->n;
    }
    vs_inventory_device *d = NULL;
    for (size_t i = b->ip_start; i < inv->n && !d; i++)
        if (!strcmp(inv->dev[i].vendor, vendor) && !strcmp(inv->dev[i].model, model))
            d = &inv->dev[i];
    if (!d) {
        if (inv->n == inv->max_devices) {
            inv->dropped++;
            return true;
        }
        if (inv->n == inv->cap) {
            size_t cap = inv->cap ? inv->cap * 2 : 64;
            if (cap > inv->max_devices)
                cap = inv->max_devices;
            vs_inventory_device *nd = realloc(inv->dev, cap * sizeof *nd);
            if (!nd) {
                b->nomem = true;
                return false;
            }
            inv->dev = nd;
            inv->cap = cap;
        }
        d = &inv->dev[inv->n++];
        memset(d, 0, sizeof *d);
        copy(d->ip, sizeof d->ip, r->ip);
        copy(d->vendor, sizeof d->vendor, vendor);
        copy(d->model, sizeof d->model, model);
        d->current = -1;
    }
    if (!add_row(d, r, s)) {
        b->nomem = true;
        return false;
    }
    return true;
}

/* ---- after the rows ------------------------------------------------------------------------ */

/* Comparison context for the version sort: qsort has none, and the vendor is per device. */
static int cmp_version_first_seen(const void *pa, const void *pb)
{
    const vs_inventory_version *a = pa, *b = pb;
    if (a->first_seen_us != b->first_seen_us)
        return a->first_seen_us < b->first_seen_us ? -1 : 1;
    if (a->last_seen_us != b->last_seen_us)
        return a->last_seen_us < b->last_seen_us ? -1 : 1;
    return strcmp(a->version, b->version);
}

static void finish_device(vs_inventory_device *d)
{
    if (d->nversions > 1)
        qsort(d->versions, d->nversions, sizeof *d->versions, cmp_version_first_seen);
    d->current = -1;
    for (size_t i = 0; i < d->nversions; i++) {
        const vs_inventory_version *v = &d->versions[i];
        if (d->current < 0)
            d->current = (long)i;
        else {
            const vs_inventory_version *c = &d->versions[d->current];
            /* seen last; on a tie the later first sighting, then the higher version */
            if (v->last_seen_us > c->last_seen_us ||
                (v->last_seen_us == c->last_seen_us &&
                 (v->first_seen_us > c->first_seen_us ||
                  (v->first_seen_us == c->first_seen_us &&
                   vs_version_cmp(d->vendor, v->version, c->version) > 0))))
                d->current = (long)i;
        }
    }
    d->overlapping = false;
    if (d->current < 0)
        return;
    const vs_inventory_version *c = &d->versions[d->current];
    d->current_since_us = c->first_seen_us;
    for (size_t i = 0; i < d->nversions; i++) {
        const vs_inventory_version *v = &d->versions[i];
        if ((long)i != d->current && v->last_seen_us > d->current_since_us)
            d->current_since_us = v->last_seen_us;
        for (size_t j = i + 1; j < d->nversions; j++) {
            const vs_inventory_version *w = &d->versions[j];
            if (v->first_seen_us < w->last_seen_us && w->first_seen_us < v->last_seen_us)
                d->overlapping = true;
        }
    }
}

/* Address as a sortable key: family (4 before 6, text last) then the bytes. */
typedef struct ip_key {
    int family; /* 0: IPv4, 1: IPv6, 2: not an address */
    unsigned char b[16];
} ip_key;

static void ip_key_of(const char *ip, ip_key *k)
{
    memset(k, 0, sizeof *k);
    if (inet_pton(AF_INET, ip, k->b) == 1)
        k->family = 0;
    else if (inet_pton(AF_INET6, ip, k->b) == 1)
        k->family = 1;
    else
        k->family = 2;
}

static int cmp_ip(const char *a, const char *b)
{
    ip_key ka, kb;
    ip_key_of(a, &ka);
    ip_key_of(b, &kb);
    if (ka.family != kb.family)
        return ka.family < kb.family ? -1 : 1;
    if (ka.family == 2)
        return strcmp(a, b);
    int c = memcmp(ka.b, kb.b, sizeof ka.b);
    return c ? c : strcmp(a, b);
}

static int cmp_key(const char *ip, const char *vendor, const char *model,
                   const vs_inventory_device *d)
{
    int c = cmp_ip(ip, d->ip);
    if (!c)
        c = strcmp(vendor, d->vendor);
    if (!c)
        c = strcmp(model, d->model);
    return c;
}

static int cmp_device(const void *pa, const void *pb)
{
    const vs_inventory_device *a = pa, *b = pb;
    return cmp_key(a->ip, a->vendor, a->model, b);
}

static vs_inventory_device *lookup(vs_inventory *inv, const char *ip, const char *vendor,
                                   const char *model)
{
    size_t lo = 0, hi = inv->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(ip, vendor, model, &inv->dev[mid]);
        if (!c)
            return &inv->dev[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static bool on_review(void *ctx, const vs_device_review *r)
{
    vs_inventory_device *d = lookup(ctx, r->ip, r->vendor, r->model);
    if (d) {
        d->reviews++;
        if (r->reviewed_at_us >= d->last_review_us) {
            d->last_review_us = r->reviewed_at_us;
            copy(d->last_review_who, sizeof d->last_review_who, r->who);
        }
    }
    return true;
}

/* ---- public API ---------------------------------------------------------------------------- */

vs_inventory *vs_inventory_load(vs_store *st, const vs_fp_rules *rules, size_t max_devices,
                                char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!st || !rules) {
        if (err && errlen)
            snprintf(err, errlen, "vs_inventory_load: no store or no fingerprint rules");
        return NULL;
    }
    vs_inventory *inv = calloc(1, sizeof *inv);
    builder b;
    memset(&b, 0, sizeof b);
    b.cache = calloc(FP_CACHE_SLOTS, sizeof *b.cache);
    if (!inv || !b.cache)
        goto nomem;
    inv->max_devices = max_devices ? max_devices : VS_INVENTORY_MAX_DEVICES_DEFAULT;
    b.inv = inv;
    b.rules = rules;
    vs_rc rc = vs_store_each_device(st, on_row, &b);
    if (b.nomem)
        goto nomem;
    if (rc != VS_OK)
        goto store_fail;
    for (size_t i = 0; i < inv->n; i++)
        finish_device(&inv->dev[i]);
    if (inv->n > 1)
        qsort(inv->dev, inv->n, sizeof *inv->dev, cmp_device);
    rc = vs_store_each_review(st, NULL, NULL, NULL, on_review, inv);
    if (rc != VS_OK)
        goto store_fail;
    free(b.cache);
    return inv;

nomem:
    if (err && errlen)
        snprintf(err, errlen, "out of memory building the inventory");
    free(b.cache);
    vs_inventory_free(inv);
    return NULL;
store_fail:
    if (err && errlen)
        snprintf(err, errlen, "%s", vs_store_error(st));
    free(b.cache);
    vs_inventory_free(inv);
    return NULL;
}

void vs_inventory_free(vs_inventory *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->n; i++) {
        free(inv->dev[i].versions);
        free(inv->dev[i].addrs);
        free(inv->dev[i].user_agents);
        free(inv->dev[i].users);
    }
    free(inv->dev);
    free(inv);
}

size_t vs_inventory_count(const vs_inventory *inv)
{
    return inv ? inv->n : 0;
}

const vs_inventory_device *vs_inventory_get(const vs_inventory *inv, size_t i)
{
    return inv && i < inv->n ? &inv->dev[i] : NULL;
}

uint64_t vs_inventory_dropped(const vs_inventory *inv)
{
    return inv ? inv->dropped : 0;
}

uint64_t vs_inventory_rows(const vs_inventory *inv)
{
    return inv ? inv->rows : 0;
}

void vs_inventory_device_name(const vs_inventory_device *d, char *buf, size_t size)
{
    if (!buf || !size)
        return;
    snprintf(buf, size, "%s/%s/%s", d->ip, d->vendor, d->model);
}

static bool same_ip(const char *a, const char *b)
{
    ip_key ka, kb;
    ip_key_of(a, &ka);
    ip_key_of(b, &kb);
    if (ka.family == 2 || kb.family == 2)
        return !strcmp(a, b);
    return ka.family == kb.family && !memcmp(ka.b, kb.b, sizeof ka.b);
}

vs_rc vs_inventory_find(const vs_inventory *inv, const char *spec, const vs_inventory_device **out,
                        char *err, size_t errlen)
{
    if (!inv || !spec || !*spec || !out) {
        if (err && errlen)
            snprintf(err, errlen, "no device given");
        return VS_E_INVAL;
    }
    const char *p = spec[0] == '#' ? spec + 1 : spec;
    if (*p && strspn(p, "0123456789") == strlen(p)) {
        long long id = strtoll(p, NULL, 10);
        for (size_t i = 0; i < inv->n; i++)
            if (inv->dev[i].id == id) {
                *out = &inv->dev[i];
                return VS_OK;
            }
        if (err && errlen)
            snprintf(err, errlen, "no device with id %s (the ids are in 'voipsec inventory list')",
                     p);
        return VS_E_NOTFOUND;
    }
    char ip[64];
    const char *slash = strchr(spec, '/');
    size_t iplen = slash ? (size_t)(slash - spec) : strlen(spec);
    if (iplen >= sizeof ip) {
        if (err && errlen)
            snprintf(err, errlen, "no device '%.80s' (expected an id, IP or IP/VENDOR/MODEL)",
                     spec);
        return VS_E_NOTFOUND;
    }
    memcpy(ip, spec, iplen);
    ip[iplen] = '\0';
    char vendor[64] = "";
    const char *model = NULL;
    bool has_vendor = slash != NULL;
    if (slash) {
        const char *v = slash + 1, *slash2 = strchr(v, '/');
        size_t vl = slash2 ? (size_t)(slash2 - v) : strlen(v);
        if (vl >= sizeof vendor)
            vl = sizeof vendor - 1;
        memcpy(vendor, v, vl);
        vendor[vl] = '\0';
        if (slash2)
            model = slash2 + 1;
    }
    const vs_inventory_device *found = NULL;
    size_t matches = 0;
    char list[512] = "";
    for (size_t i = 0; i < inv->n; i++) {
        const vs_inventory_device *d = &inv->dev[i];
        if (!same_ip(ip, d->ip) || (has_vendor && strcasecmp(vendor, d->vendor) != 0) ||
            (model && strcasecmp(model, d->model) != 0))
            continue;
        if (matches < 5) {
            char name[400];
            vs_inventory_device_name(d, name, sizeof name);
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%s (id %lld)", l ? ", " : "", name,
                     (long long)d->id);
        }
        matches++;
        found = d;
    }
    if (matches == 1) {
        *out = found;
        return VS_OK;
    }
    if (err && errlen) {
        if (matches == 0)
            snprintf(err, errlen, "no device '%s' in the inventory (see 'voipsec inventory list')",
                     spec);
        else
            snprintf(err, errlen,
                     "'%s' matches %zu devices: %s%s; name one as IP/VENDOR/MODEL or by id", spec,
                     matches, list, matches > 5 ? ", ..." : "");
    }
    return matches == 0 ? VS_E_NOTFOUND : VS_E_LIMIT;
}

const char *vs_inventory_status_id(vs_inventory_status s)
{
    static const char *const ids[] = {"ok", "overdue", "vulnerable", "unknown-version"};
    return (unsigned)s < VS_INV__COUNT ? ids[s] : "";
}

bool vs_inventory_fingerprint(const vs_inventory_device *d, vs_fingerprint *out)
{
    memset(out, 0, sizeof *out);
    copy(out->vendor, sizeof out->vendor, d->vendor);
    copy(out->model, sizeof out->model, d->model);
    if (d->current < 0 || (size_t)d->current >= d->nversions)
        return false;
    const vs_inventory_version *v = &d->versions[d->current];
    copy(out->kind, sizeof out->kind, d->kind);
    copy(out->rule, sizeof out->rule, d->rule);
    copy(out->version, sizeof out->version, v->version);
    copy(out->platform_vendor, sizeof out->platform_vendor, v->platform_vendor);
    copy(out->platform_version, sizeof out->platform_version, v->platform_version);
    return true;
}

static vs_severity vuln_severity(const vs_vuln *v)
{
    vs_severity s;
    return vs_severity_parse(v->severity, &s) == VS_OK ? s : VS_SEV_MEDIUM;
}

static bool worst_cb(void *ctx, const vs_vuln *v, const char *mv, const char *mver)
{
    (void)mv;
    (void)mver;
    vs_severity *worst = ctx, s = vuln_severity(v);
    if (s > *worst)
        *worst = s;
    return true;
}

void vs_inventory_judge(const vs_inventory_device *d, const vs_catalogue *cat, const vs_policy *p,
                        int64_t now_us, vs_inventory_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->worst = VS_SEV_INFO;
    vs_fingerprint fp;
    if (!vs_inventory_fingerprint(d, &fp)) {
        out->status = VS_INV_UNKNOWN_VERSION;
        return;
    }
    if (cat)
        out->vulns = vs_catalogue_match(cat, &fp, worst_cb, &out->worst);
    out->vulnerable = out->vulns > 0;
    out->clock_us = d->current_since_us;
    if (d->last_review_us > out->clock_us) {
        out->clock_us = d->last_review_us;
        out->clock_is_review = true;
    }
    out->days = now_us > out->clock_us ? (now_us - out->clock_us) / US_PER_DAY : 0;
    if (p && p->firmware_review_days) {
        out->has_review_clock = true;
        out->due_us = out->clock_us + (int64_t)p->firmware_review_days * US_PER_DAY;
        out->overdue = now_us > out->due_us;
    }
    out->status = out->vulnerable ? VS_INV_VULNERABLE : out->overdue ? VS_INV_OVERDUE : VS_INV_OK;
}

/* ---- findings ------------------------------------------------------------------------------ */

typedef struct finding_ctx {
    const vs_inventory_device *d;
    const vs_fingerprint *fp;
    vs_finding *f;
    vs_finding_fn fn;
    void *ctx;
} finding_ctx;

static void date_of(int64_t us, char *buf, size_t size)
{
    char t[32];
    vs_time_format(us, t, sizeof t);
    snprintf(buf, size, "%.10s", t);
}

/* What a person calls the device: "Yealink SIP-T46S"; the model alone when it starts with the
 * vendor ("Asterisk PBX", not "Asterisk Asterisk PBX"); the raw string when unrecognised. */
static void label(const vs_inventory_device *d, char *buf, size_t size)
{
    size_t vl = strlen(d->vendor);
    if (d->vendor[0] && !strncasecmp(d->model, d->vendor, vl) &&
        (d->model[vl] == '\0' || d->model[vl] == ' '))
        copy(buf, size, d->model);
    else if (d->vendor[0] &&
             snprintf(buf, size, "%s%s%s", d->vendor, d->model[0] ? " " : "", d->model) < 0)
        buf[0] = '\0'; /* a label longer than buf is cut */
    else if (!d->vendor[0])
        snprintf(buf, size, "the device \"%.60s\"", d->model[0] ? d->model : "(no User-Agent)");
}

/* The fields every firmware finding of d shares. */
static void base_finding(vs_finding *f, const vs_inventory_device *d, const char *rule,
                         vs_severity sev)
{
    vs_finding_init(f, rule, VS_PRACTICE_FIRMWARE, sev);
    vs_finding_set(f->src.ip, sizeof f->src.ip, d->ip);
    if (d->naddrs == 1) {
        f->src.port = d->addrs[0].port;
        vs_finding_set(f->src.transport, sizeof f->src.transport, d->addrs[0].transport);
    }
    if (d->nusers == 1)
        vs_finding_set(f->user, sizeof f->user, d->users[0]);
    f->first_seen_us = d->first_seen_us;
    f->last_seen_us = d->last_seen_us;
    char name[400];
    vs_inventory_device_name(d, name, sizeof name);
    f->evidence[0] = '\0';
    vs_evidence_str(f->evidence, sizeof f->evidence, "device", name);
    vs_evidence_int(f->evidence, sizeof f->evidence, "device_id", d->id);
}

/* The release to update to, from an entry's fixed text ("18.20.1, 20.5.1, 21.0.1, 18.9-cert6
 * (commit ...)"): the lowest listed version above the running one in the same release train, so
 * that an 18.x PBX is told 18.20.1, not a list of every branch. Only items that start with a digit
 * count as versions. false when none qualifies (prose, or every item is older). */
static bool pick_fixed(const char *vendor, const char *version, const char *fixed, char *out,
                       size_t size)
{
    char train[16], t2[16], best[64] = "", item[64];
    vs_version_train(vendor, version, train, sizeof train);
    const char *p = fixed;
    while (*p) {
        p += strspn(p, " ,;");
        size_t n = strcspn(p, " ,;(");
        if (n && n < sizeof item && isdigit((unsigned char)*p)) {
            memcpy(item, p, n);
            item[n] = '\0';
            vs_version_train(vendor, item, t2, sizeof t2);
            if (!strcmp(train, t2) && vs_version_cmp(vendor, item, version) > 0 &&
                (!best[0] || vs_version_cmp(vendor, item, best) < 0))
                memcpy(best, item, n + 1);
        }
        p += strcspn(p, ",;"); /* the rest of the item: "(commit ...)", words */
    }
    if (!best[0])
        return false;
    snprintf(out, size, "%s", best);
    return true;
}

static bool vuln_cb(void *ctx, const vs_vuln *v, const char *mvendor, const char *mversion)
{
    finding_ctx *c = ctx;
    const vs_inventory_device *d = c->d;
    vs_finding *f = c->f;
    char lab[160], name[400];
    label(d, lab, sizeof lab);
    vs_inventory_device_name(d, name, sizeof name);
    bool platform = mvendor && strcmp(mvendor, d->vendor) != 0;
    base_finding(f, d, "firmware.vulnerable", vuln_severity(v));
    const char *cve = v->cve[0] ? v->cve : "no CVE id";
    if (platform)
        vs_finding_setf(f->title, sizeof f->title,
                        "%s at %s runs %s %s with a known vulnerability (%s)", lab, d->ip, mvendor,
                        mversion, cve);
    else
        vs_finding_setf(f->title, sizeof f->title,
                        "%s at %s runs firmware %s with a known vulnerability (%s)", lab, d->ip,
                        c->fp->version, cve);
    const char *mv = mvendor && *mvendor ? mvendor : d->vendor;
    const char *mver = mversion && *mversion ? mversion : c->fp->version;
    vs_finding_setf(f->explain, sizeof f->explain,
                    "The firmware catalogue lists %s %s as affected by %s%s%s. Attackers scan for "
                    "phones and PBXs with published vulnerabilities; a vulnerable device can be "
                    "taken over, used to place fraudulent calls or to listen in, or knocked "
                    "offline by anyone who can reach it.",
                    mv, mver, cve, v->summary[0] ? ": " : "", v->summary);
    char to[64] = "", target[320];
    bool picked = v->fixed[0] && pick_fixed(mv, mver, v->fixed, to, sizeof to);
    if (picked || isdigit((unsigned char)v->fixed[0])) {
        const char *ver = picked ? to : v->fixed;
        if (platform)
            snprintf(target, sizeof target, "so that it runs %s %s or later", mv, ver);
        else
            snprintf(target, sizeof target, "to %s or later", ver);
    } else { /* prose: "framework release after 13.0.197.13 (SEC-2019-001)" */
        if (platform)
            snprintf(target, sizeof target, "so that it runs a fixed %s release (%s)", mv,
                     v->fixed);
        else
            snprintf(target, sizeof target, "to the fixed release (%s)", v->fixed);
    }
    bool others = picked && strcmp(to, v->fixed) != 0; /* name the other fixed releases */
    if (v->fixed[0])
        vs_finding_setf(f->advice, sizeof f->advice,
                        "Update %s at %s %s%s%s%s, then record the check with 'voipsec inventory "
                        "review %s --who NAME'. Until it is updated, keep it unreachable from the "
                        "internet.",
                        lab, d->ip, target, others ? " (fixed releases: " : "",
                        others ? v->fixed : "", others ? ")" : "", name);
    else
        vs_finding_setf(f->advice, sizeof f->advice,
                        "No fixed version is listed: ask the vendor for a fix or a workaround "
                        "(%s), and keep %s at %s unreachable from the internet and from untrusted "
                        "networks until one exists; plan its replacement if none comes.",
                        v->source[0] ? v->source : "its advisory", lab, d->ip);
    char where[300];
    snprintf(where, sizeof where, "%s:%u", v->file, v->line);
    vs_evidence_str(f->evidence, sizeof f->evidence, "version", c->fp->version);
    if (platform) {
        vs_evidence_str(f->evidence, sizeof f->evidence, "matched_vendor", mvendor);
        vs_evidence_str(f->evidence, sizeof f->evidence, "matched_version", mversion);
    }
    vs_evidence_str(f->evidence, sizeof f->evidence, "cve", v->cve);
    vs_evidence_str(f->evidence, sizeof f->evidence, "fixed", v->fixed);
    if (picked)
        vs_evidence_str(f->evidence, sizeof f->evidence, "update_to", to);
    vs_evidence_str(f->evidence, sizeof f->evidence, "affected", v->affected);
    vs_evidence_str(f->evidence, sizeof f->evidence, "source", v->source);
    vs_evidence_str(f->evidence, sizeof f->evidence, "catalogue", where);
    c->fn(c->ctx, f);
    return true;
}

void vs_inventory_findings(const vs_inventory_device *d, const vs_catalogue *cat,
                           const vs_policy *p, int64_t now_us, vs_finding_fn fn, void *ctx)
{
    if (!d || !fn)
        return;
    vs_fingerprint fp;
    if (!vs_inventory_fingerprint(d, &fp))
        return;                        /* unknown version: nothing can be said */
    vs_finding *f = malloc(sizeof *f); /* ~4 KiB: off the caller's stack */
    if (!f)
        return;
    finding_ctx c = {d, &fp, f, fn, ctx};
    if (cat)
        vs_catalogue_match(cat, &fp, vuln_cb, &c);

    vs_inventory_verdict v;
    vs_inventory_judge(d, NULL, p, now_us, &v);
    if (v.overdue) {
        char lab[160], name[400], since[16], rev[16];
        label(d, lab, sizeof lab);
        vs_inventory_device_name(d, name, sizeof name);
        date_of(d->current_since_us, since, sizeof since);
        base_finding(f, d, "firmware.overdue",
                     v.days > 2 * (int64_t)p->firmware_review_days ? VS_SEV_MEDIUM : VS_SEV_LOW);
        vs_finding_setf(f->title, sizeof f->title, "Firmware of %s at %s not checked for %lld days",
                        lab, d->ip, (long long)v.days);
        if (v.clock_is_review) {
            date_of(d->last_review_us, rev, sizeof rev);
            vs_finding_setf(f->explain, sizeof f->explain,
                            "%s at %s runs firmware %s, unchanged since %s; the last review of "
                            "it was on %s by %s, %lld days ago. Vendors publish security fixes "
                            "several times a year, and the policy asks that every device's "
                            "firmware be checked against them at least every %u days.",
                            lab, d->ip, fp.version, since, rev, d->last_review_who,
                            (long long)v.days, p->firmware_review_days);
        } else {
            vs_finding_setf(f->explain, sizeof f->explain,
                            "%s at %s runs firmware %s, unchanged since %s (%lld days), and no "
                            "review of it is recorded since. Vendors publish security fixes "
                            "several times a year, and the policy asks that every device's "
                            "firmware be checked against them at least every %u days.",
                            lab, d->ip, fp.version, since, (long long)v.days,
                            p->firmware_review_days);
        }
        vs_finding_setf(f->advice, sizeof f->advice,
                        "Look up the current firmware for %s on the vendor's site and its "
                        "security advisories; update the device if a newer release exists. Then "
                        "record the check with 'voipsec inventory review %s --who NAME'.",
                        lab, name);
        vs_evidence_str(f->evidence, sizeof f->evidence, "version", fp.version);
        vs_evidence_str(f->evidence, sizeof f->evidence, "since", since);
        vs_evidence_int(f->evidence, sizeof f->evidence, "days", v.days);
        vs_evidence_str(f->evidence, sizeof f->evidence, "clock",
                        v.clock_is_review ? "review" : "change");
        vs_evidence_int(f->evidence, sizeof f->evidence, "review_days", p->firmware_review_days);
        if (d->last_review_us) {
            date_of(d->last_review_us, rev, sizeof rev);
            vs_evidence_str(f->evidence, sizeof f->evidence, "last_review", rev);
            vs_evidence_str(f->evidence, sizeof f->evidence, "reviewed_by", d->last_review_who);
        }
        fn(ctx, f);
    }
    free(f);
}

/* ---- times people type --------------------------------------------------------------------- */

static bool digits(const char **pp, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*pp)[i];
        if (!isdigit((unsigned char)ch))
            return false;
        v = v * 10 + (ch - '0');
    }
    *pp += n;
    *out = v;
    return true;
}

vs_rc vs_inventory_parse_time(const char *text, int64_t *us)
{
    if (!text || !us)
        return VS_E_PARSE;
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, s = 0;
    int64_t frac_us = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return VS_E_PARSE;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return VS_E_PARSE;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &s))
                return VS_E_PARSE;
            if (*p == '.') {
                p++;
                int64_t scale = 100000;
                int n = 0;
                while (isdigit((unsigned char)*p)) {
                    if (++n > 9)
                        return VS_E_PARSE;
                    frac_us += (*p++ - '0') * scale;
                    scale /= 10;
                }
                if (!n)
                    return VS_E_PARSE;
            }
        }
        if (*p == 'Z')
            p++;
    }
    if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
        return VS_E_PARSE;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1)
        return VS_E_PARSE; /* 2026-02-30 */
    *us = (int64_t)t * 1000000 + frac_us;
    return VS_OK;
}
