/* Detector `toll-fraud`: somebody is using (or testing) the phone system to place costly calls.
 *
 * Toll fraud is the attack that costs money: a stolen account or an open dial plan is used to call
 * premium or far-away numbers whose revenue the fraudster shares. Four signs, on call attempts
 * (initial INVITEs, one per Call-ID: a retransmission or the same INVITE resent with credentials
 * counts once):
 *   - high-risk destination: the dialled number, normalised to E.164, starts with a prefix of the
 *     high-risk list (data/high-risk-prefixes.tsv, longest prefix wins). One attempt is enough;
 *   - after hours: AFTER_HOURS_MIN_CALLS numbers dialled with an international access code
 *     (fraud_intl_prefixes) outside business hours (business_*, utc_offset, packet time) from one
 *     source within AFTER_HOURS_WINDOW. A number written with '+' does not count here: providers
 *     deliver ordinary inbound calls to DIDs in that form, and it says nothing about who dialled;
 *   - burst: fraud_burst_calls attempts within fraud_burst_window from one account (From user), or
 *     fraud_burst_calls international or high-risk attempts from one source (a trunk or an SBC
 *     relays many ordinary calls a minute: from a source, only calls leaving the country count);
 *   - concurrency: more than fraud_max_concurrent established calls of one account at once.
 *     Dialogs (Call-ID: INVITE -> 2xx -> BYE/CANCEL/failure) live in a table of max_dialogs
 *     entries; an evicted established dialog gives its slot back to its account.
 * Attempts count whether or not the server accepts them: a fraudster first tests which dialling
 * prefix goes through (00, 011, 9011, a carrier code...), and the refused attempts are that test.
 *
 * Normalisation of a dialled number (R-URI user, else To user): ";params" and visual separators
 * (space - . ( ) /) are dropped, "%2B" is '+'. "+..." is E.164. Otherwise, digits only: a North
 * American carrier access code (101XXXX) in front of an international prefix is dropped, then the
 * longest configured international prefix ("9011" before "900" before "011" before "00") is
 * stripped and the rest is E.164. A North American number written 1NXXNXXXXXX without a prefix is
 * matched against the list entries that start with 1 only (the Caribbean area codes that look
 * domestic). Anything else (extensions, national numbers, names) is not matched.
 *
 * Incidents: one per source for the high-risk / after-hours / source-burst forms, one per account
 * (From user) for the account-burst and concurrency forms. The finding is rebuilt from the state
 * on each attempt until it is written, so in file mode its evidence is complete: dialled numbers
 * (up to 10), destination, counts of each form and of the answers the attempts got. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/datafile.h"
#include "monitor/monitor_internal.h"
#include "report/json.h"

#define RULE "toll-fraud"
#define MAX_PREFIXES 1024
#define MAX_INTL 8
#define NUMBER_MAX 32     /* digits kept of a dialled number */
#define SAMPLE_NUMBERS 10 /* dialled numbers kept for the evidence */
#define RECENT_CALLS 8    /* Call-ID hashes remembered to count each attempt once */
#define AFTER_HOURS_MIN_CALLS 3
#define AFTER_HOURS_WINDOW_US (3600 * 1000000LL)
#define DIALOG_IDLE_US (2 * 3600 * 1000000LL) /* a dialog with no message for this long is gone */
#define ACCOUNT_KEY_MAX 64

enum { FORM_PREFIX = 1, FORM_NIGHT = 2, FORM_BURST = 4, FORM_CONCURRENT = 8 };

typedef struct prefix_entry {
    char digits[16];
    size_t len;
    char country[64];
} prefix_entry;

/* One dialled number after normalisation. */
typedef struct number {
    char dialled[NUMBER_MAX + 2]; /* cleaned form as dialled: '+' and digits */
    char e164[NUMBER_MAX + 1];    /* without '+'; "" when not known */
    bool intl;                    /* dialled with an international access code */
    bool plus;                    /* written in '+' form */
    const prefix_entry *hit;      /* longest high-risk prefix, or NULL */
} number;

/* Repeated attempts are recognised by Call-ID hash in a small ring. */
typedef struct recent {
    uint32_t h[RECENT_CALLS];
    uint8_t n, pos;
} recent;

/* What the finding of a source reports; reset when a new episode starts. */
typedef struct source_report {
    unsigned forms;
    uint32_t attempts; /* suspicious attempts (any form) */
    uint32_t high_risk, night, answered, challenged, refused;
    uint32_t peak_burst;
    int64_t first_local; /* site time (s) of the first suspicious attempt */
    int64_t last_ts;     /* packet time of the last suspicious attempt */
    char numbers[SAMPLE_NUMBERS][NUMBER_MAX + 2];
    uint8_t nnumbers;
    recent calls; /* Call-IDs of the suspicious attempts, to count their answers */
    char country[64];
    char account[40];
    char user_agent[64];
} source_report;

typedef struct source_state {
    recent calls;
    int64_t burst_start;
    uint32_t burst_calls;
    int64_t night_start;
    uint32_t night_calls;
    source_report r;
} source_state;

typedef struct account_state {
    recent calls;
    int64_t burst_start;
    uint32_t burst_calls;
    uint32_t concurrent, peak_concurrent, peak_burst;
    unsigned forms;
} account_state;

typedef struct dialog {
    bool established;
    uint8_t alen;
    char account[ACCOUNT_KEY_MAX];
} dialog;

typedef struct toll {
    vs__mon *m;
    const vs_monitor_config *cfg;
    prefix_entry *prefixes;
    size_t nprefixes;
    char intl[MAX_INTL][8]; /* longest first */
    size_t nintl;
    vs__lru *sources, *accounts, *dialogs;
} toll;

/* ---- data ----------------------------------------------------------------------------------- */

static const char *add_prefix(void *ctx, char **f, size_t n, unsigned line)
{
    (void)n;
    (void)line;
    toll *t = ctx;
    if (t->nprefixes >= MAX_PREFIXES)
        return "too many prefixes (1024 at most)";
    size_t len = strlen(f[0]);
    if (len == 0 || len >= sizeof t->prefixes[0].digits)
        return "prefix empty or longer than 15 digits";
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)f[0][i]))
            return "prefix must be digits only (E.164 without '+')";
    prefix_entry *p = &t->prefixes[t->nprefixes++];
    memcpy(p->digits, f[0], len + 1);
    p->len = len;
    snprintf(p->country, sizeof p->country, "%s", f[1]);
    return NULL;
}

/* "00,011,9011,900" -> list sorted longest first. */
static int parse_intl(toll *t, const char *text, char *err, size_t errlen)
{
    const char *p = text;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = 0;
        char buf[8];
        while (*p && *p != ',' && *p != ' ') {
            if (!isdigit((unsigned char)*p) || n + 1 >= sizeof buf) {
                snprintf(err, errlen,
                         "toll-fraud international_prefixes: \"%s\" must be comma-separated digit "
                         "strings of up to 7 digits",
                         text);
                return -1;
            }
            buf[n++] = *p++;
        }
        buf[n] = '\0';
        if (t->nintl >= MAX_INTL) {
            snprintf(err, errlen, "toll-fraud international_prefixes: 8 prefixes at most");
            return -1;
        }
        size_t i = t->nintl++;
        while (i > 0 && strlen(t->intl[i - 1]) < n) {
            memcpy(t->intl[i], t->intl[i - 1], sizeof t->intl[i]);
            i--;
        }
        memcpy(t->intl[i], buf, n + 1);
    }
    return 0;
}

static void toll_destroy(void *self)
{
    toll *t = self;
    if (!t)
        return;
    vs__lru_free(t->sources);
    vs__lru_free(t->accounts);
    if (t->dialogs)
        vs__lru_on_evict(t->dialogs, NULL, NULL);
    vs__lru_free(t->dialogs);
    free(t->prefixes);
    free(t);
}

static void dialog_gone(void *ctx, const void *key, size_t klen, void *value);

static void *toll_create(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen)
{
    toll *t = calloc(1, sizeof *t);
    if (t)
        t->prefixes = calloc(MAX_PREFIXES, sizeof *t->prefixes);
    if (!t || !t->prefixes) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    t->m = m;
    t->cfg = cfg;
    if (vs__data_read(cfg->fraud_prefixes, 2, add_prefix, t, err, errlen) != 0)
        goto fail;
    if (parse_intl(t, cfg->fraud_intl_prefixes, err, errlen) != 0)
        goto fail;
    t->sources = vs__lru_new(cfg->max_sources, 17, sizeof(source_state));
    t->accounts = vs__lru_new(cfg->max_users, ACCOUNT_KEY_MAX, sizeof(account_state));
    t->dialogs = vs__lru_new(cfg->max_dialogs, 64, sizeof(dialog));
    if (!t->sources || !t->accounts || !t->dialogs) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    vs__lru_on_evict(t->dialogs, dialog_gone, t);
    return t;
fail:
    toll_destroy(t);
    return NULL;
}

/* ---- numbers -------------------------------------------------------------------------------- */

static const prefix_entry *longest_prefix(const toll *t, const char *e164, bool nanp_only)
{
    const prefix_entry *best = NULL;
    for (size_t i = 0; i < t->nprefixes; i++) {
        const prefix_entry *p = &t->prefixes[i];
        if (nanp_only && p->digits[0] != '1')
            continue;
        if (strncmp(e164, p->digits, p->len) == 0 && (!best || p->len > best->len))
            best = p;
    }
    return best;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* Normalises a dialled user part; false when it is not a phone number. */
static bool normalise(const toll *t, vs_slice user, number *out)
{
    memset(out, 0, sizeof *out);
    char buf[NUMBER_MAX + 2];
    size_t n = 0;
    for (size_t i = 0; i < user.len; i++) {
        char c = user.ptr[i];
        if (c == ';')
            break; /* user parameters (";phone-context=...") */
        if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/')
            continue;
        if (c == '%' && i + 2 < user.len && user.ptr[i + 1] == '2' &&
            (user.ptr[i + 2] == 'B' || user.ptr[i + 2] == 'b')) {
            c = '+';
            i += 2;
        } else if (c == '%' && i + 2 < user.len && user.ptr[i + 1] == '2' &&
                   user.ptr[i + 2] == '0') {
            i += 2; /* an encoded space */
            continue;
        }
        if (c == '+' ? n != 0 : !isdigit((unsigned char)c))
            return false;
        if (n >= NUMBER_MAX + 1)
            return false;
        buf[n++] = c;
    }
    buf[n] = '\0';
    if (n == 0 || (buf[0] == '+' && !all_digits(buf + 1)))
        return false;
    memcpy(out->dialled, buf, n + 1);
    if (buf[0] == '+') {
        out->plus = true;
        snprintf(out->e164, sizeof out->e164, "%s", buf + 1);
        out->hit = longest_prefix(t, out->e164, false);
        return true;
    }
    const char *d = buf;
    /* a North American carrier access code (101XXXX) in front of an international prefix */
    if (n > 7 && strncmp(d, "101", 3) == 0 && all_digits(d + 7))
        for (size_t i = 0; i < t->nintl; i++)
            if (strncmp(d + 7, t->intl[i], strlen(t->intl[i])) == 0) {
                d += 7;
                break;
            }
    for (size_t i = 0; i < t->nintl; i++) {
        size_t pl = strlen(t->intl[i]);
        if (strncmp(d, t->intl[i], pl) == 0 && strlen(d) > pl) {
            out->intl = true;
            snprintf(out->e164, sizeof out->e164, "%s", d + pl);
            out->hit = longest_prefix(t, out->e164, false);
            return true;
        }
    }
    /* 1NXXNXXXXXX: a North American number dialled without 011 */
    if (n == 11 && buf[0] == '1' && buf[1] >= '2' && buf[4] >= '2') {
        memcpy(out->e164, buf, 12);
        out->hit = longest_prefix(t, out->e164, true);
    }
    return true;
}

/* ---- business hours ------------------------------------------------------------------------- */

/* Local time in seconds since the epoch (site clock). */
static int64_t local_seconds(const vs_monitor_config *c, int64_t ts_us)
{
    int64_t s = ts_us / 1000000;
    if (ts_us < 0 && ts_us % 1000000)
        s--;
    return s + (int64_t)c->utc_offset_min * 60;
}

static bool outside_business_hours(const vs_monitor_config *c, int64_t ts_us)
{
    int64_t local = local_seconds(c, ts_us);
    int64_t days = local / 86400;
    if (local < 0 && local % 86400)
        days--;
    int minute = (int)((local - days * 86400) / 60);
    int wday = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
    if (!(c->business_days & (1u << wday)))
        return true;
    int start = c->business_start_min, end = c->business_end_min;
    if (start == end)
        return false; /* open around the clock */
    bool inside =
        start < end ? (minute >= start && minute < end) : (minute >= start || minute < end);
    return !inside;
}

static void format_local(int64_t local, char *buf, size_t size)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    int64_t days = local / 86400;
    if (local < 0 && local % 86400)
        days--;
    int64_t sec = local - days * 86400;
    int wday = (int)(((days % 7) + 7 + 4) % 7);
    snprintf(buf, size, "%s %02d:%02d", wd[wday], (int)(sec / 3600), (int)(sec / 60 % 60));
}

/* ---- small helpers -------------------------------------------------------------------------- */

static uint32_t hash32(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h ? h : 1;
}

/* true when h was not among the recent ones (and remembers it). */
static bool recent_add(recent *r, uint32_t h)
{
    for (uint8_t i = 0; i < r->n; i++)
        if (r->h[i] == h)
            return false;
    r->h[r->pos] = h;
    r->pos = (uint8_t)((r->pos + 1) % RECENT_CALLS);
    if (r->n < RECENT_CALLS)
        r->n++;
    return true;
}

static size_t account_key(vs_slice user, unsigned char *buf)
{
    size_t n = user.len < ACCOUNT_KEY_MAX - 1 ? user.len : ACCOUNT_KEY_MAX - 1;
    buf[0] = 'a'; /* never an address family byte: account keys and source keys cannot meet */
    memcpy(buf + 1, user.ptr, n);
    return n + 1;
}

static bool is_account(vs_slice u)
{
    return u.len && !(u.len == 9 && strncasecmp(u.ptr, "anonymous", 9) == 0);
}

/* Opens or updates an incident; resets f when freshly created, keeping the monitor's counters. */
static vs__incident *hit(toll *t, const void *key, size_t klen, int64_t first, int64_t ts,
                         uint64_t count)
{
    bool created;
    vs__incident *inc = vs__incident_hit(t->m, RULE, key, klen, first, ts, count, &created);
    if (created) {
        vs_finding *f = &inc->f;
        uint64_t c = f->count;
        int64_t a = f->first_seen_us, b = f->last_seen_us;
        vs_finding_init(f, RULE, VS_PRACTICE_ACTIVITY, VS_SEV_HIGH);
        f->count = c;
        f->first_seen_us = a;
        f->last_seen_us = b;
    }
    return inc;
}

static const char refused_note[] =
    " Attempts count even when your phone system refused them: a fraudster first tries several "
    "dialling prefixes (00, 011, 9011, carrier codes) to find the one that goes through, and the "
    "refused attempts are that test.";

/* ---- the finding of a source ---------------------------------------------------------------- */

static void fill_source(toll *t, vs__incident *inc, const source_report *r, const vs__event *ev,
                        bool fresh)
{
    vs_finding *f = &inc->f;
    if (inc->emitted)
        return;
    if (fresh) {
        vs__finding_endpoints(f, ev);
        vs_finding_set(f->user, sizeof f->user, r->account);
    }
    const char *ip = f->src.ip;
    char when[32];
    format_local(r->first_local, when, sizeof when);
    char what[320];
    if (r->forms & FORM_PREFIX) {
        vs_finding_setf(f->title, sizeof f->title, "Calls to a high-risk destination (%s) from %s",
                        r->country, ip);
        snprintf(what, sizeof what,
                 "%s tried %u call(s) to numbers in %s, a destination known for premium numbers "
                 "whose revenue fraudsters share",
                 ip, (unsigned)r->high_risk, r->country);
    } else if (r->forms & FORM_NIGHT) {
        vs_finding_setf(f->title, sizeof f->title,
                        "International calls outside business hours from %s", ip);
        snprintf(what, sizeof what,
                 "%s tried %u international call(s) outside your business hours (the first on "
                 "%s, site time)",
                 ip, (unsigned)r->night, when);
    } else {
        vs_finding_setf(f->title, sizeof f->title, "Burst of international calls from %s", ip);
        snprintf(what, sizeof what,
                 "%s started %u international calls within %lld s, faster than people dial", ip,
                 (unsigned)r->peak_burst, (long long)(t->cfg->fraud_burst_window_us / 1000000));
    }
    char answers[400];
    if (r->answered)
        snprintf(answers, sizeof answers, " %u of them were answered: calls went through.",
                 (unsigned)r->answered);
    else if (r->refused || r->challenged)
        snprintf(answers, sizeof answers, " None was answered in this capture.%s", refused_note);
    else
        answers[0] = '\0';
    vs_finding_setf(f->explain, sizeof f->explain,
                    "%s. This is how toll fraud starts: a stolen account or an open dial plan is "
                    "used to call costly numbers, and the bill can reach thousands in one night.%s",
                    what, answers);
    vs_finding_setf(
        f->advice, sizeof f->advice,
        "Block %s unless it is one of your phones or your provider. Change the password "
        "of the account %s%s%s. In the dial plan, allow international calls only to "
        "the accounts that need them, not at all outside business hours, and never to "
        "unauthenticated (guest) callers. Ask your provider for a spending limit and a "
        "block on premium and satellite destinations.",
        ip, r->account[0] ? "'" : "it used", r->account, r->account[0] ? "'" : "");

    f->evidence[0] = '\0';
    char *e = f->evidence;
    size_t es = sizeof f->evidence;
    char arr[SAMPLE_NUMBERS * (NUMBER_MAX + 5) + 4];
    vs__jbuf jb = {arr, sizeof arr - 1, 0, false};
    vs__jbuf_putc(&jb, '[');
    for (uint8_t i = 0; i < r->nnumbers; i++) {
        if (i)
            vs__jbuf_putc(&jb, ',');
        vs__jbuf_str(&jb, r->numbers[i], strlen(r->numbers[i]));
    }
    vs__jbuf_putc(&jb, ']');
    arr[jb.overflow ? 0 : jb.len] = '\0';
    if (!jb.overflow)
        vs_evidence_raw(e, es, "numbers", arr);
    if (r->country[0])
        vs_evidence_str(e, es, "country", r->country);
    vs_evidence_int(e, es, "attempts", r->attempts);
    vs_evidence_int(e, es, "high_risk", r->high_risk);
    vs_evidence_int(e, es, "international_after_hours", r->night);
    if (r->peak_burst)
        vs_evidence_int(e, es, "peak_calls_per_window", r->peak_burst);
    vs_evidence_int(e, es, "answered", r->answered);
    vs_evidence_int(e, es, "challenged", r->challenged);
    vs_evidence_int(e, es, "refused", r->refused);
    vs_evidence_str(e, es, "first_site_time", when);
    if (r->user_agent[0])
        vs_evidence_str(e, es, "user_agent", r->user_agent);
}

/* ---- the finding of an account -------------------------------------------------------------- */

static void fill_account(toll *t, vs__incident *inc, const account_state *a, const char *account,
                         const vs_ip *ip, uint16_t port, vs_transport tr, bool fresh)
{
    vs_finding *f = &inc->f;
    if (inc->emitted)
        return;
    if (fresh) {
        vs__finding_src(f, ip, port, tr);
        vs_finding_set(f->user, sizeof f->user, account);
    }
    if (a->forms & FORM_CONCURRENT)
        vs_finding_setf(f->title, sizeof f->title, "Account %s has %u calls at once", account,
                        (unsigned)a->peak_concurrent);
    else
        vs_finding_setf(f->title, sizeof f->title, "Burst of calls from account %s", account);
    char what[300];
    if (a->forms & FORM_CONCURRENT)
        snprintf(what, sizeof what,
                 "The account %s had %u calls going on at the same time (more than %u)", account,
                 (unsigned)a->peak_concurrent, (unsigned)t->cfg->fraud_max_concurrent);
    else
        snprintf(what, sizeof what, "The account %s started %u calls within %lld s", account,
                 (unsigned)a->peak_burst, (long long)(t->cfg->fraud_burst_window_us / 1000000));
    vs_finding_setf(f->explain, sizeof f->explain,
                    "%s. One person cannot do that: the account's password is probably known to "
                    "somebody who resells calls through your phone system, and you pay for every "
                    "minute.%s",
                    what, (a->forms & FORM_CONCURRENT) ? "" : refused_note);
    vs_finding_setf(f->advice, sizeof f->advice,
                    "Change the password of %s now and check where it is used. Limit the number of "
                    "calls at once per account in the PBX (Asterisk call-limit / GROUP_COUNT, "
                    "Kamailio cnxcc), allow international calls only to the accounts that need "
                    "them, and ask your provider for a spending limit.",
                    account);
    f->evidence[0] = '\0';
    vs_evidence_int(f->evidence, sizeof f->evidence, "peak_concurrent_calls", a->peak_concurrent);
    vs_evidence_int(f->evidence, sizeof f->evidence, "max_concurrent",
                    t->cfg->fraud_max_concurrent);
    vs_evidence_int(f->evidence, sizeof f->evidence, "peak_calls_per_window", a->peak_burst);
    vs_evidence_int(f->evidence, sizeof f->evidence, "window_s",
                    t->cfg->fraud_burst_window_us / 1000000);
}

/* ---- dialogs -------------------------------------------------------------------------------- */

static void account_release(toll *t, const dialog *d)
{
    if (!d->established || !d->alen)
        return;
    account_state *a = vs__lru_peek(t->accounts, d->account, d->alen);
    if (a && a->concurrent)
        a->concurrent--;
}

/* A dialog evicted at the cap or expired: its account has one call less. */
static void dialog_gone(void *ctx, const void *key, size_t klen, void *value)
{
    (void)key;
    (void)klen;
    account_release(ctx, value);
}

static dialog *dialog_get(toll *t, const vs__event *ev, bool create, bool *created)
{
    if (!ev->call_id.len)
        return NULL;
    dialog *d = vs__monitor_lru_get(t->m, t->dialogs, ev->call_id.ptr, ev->call_id.len, ev->ts,
                                    create, created);
    return d;
}

static void dialog_end(toll *t, const vs__event *ev, dialog *d)
{
    account_release(t, d);
    vs__lru_remove(t->dialogs, ev->call_id.ptr, ev->call_id.len);
}

static void established(toll *t, const vs__event *ev, dialog *d)
{
    d->established = true;
    if (!d->alen)
        return;
    bool created;
    account_state *a =
        vs__monitor_lru_get(t->m, t->accounts, d->account, d->alen, ev->ts, true, &created);
    a->concurrent++;
    if (a->concurrent > a->peak_concurrent)
        a->peak_concurrent = a->concurrent;
    if (a->concurrent <= t->cfg->fraud_max_concurrent)
        return;
    a->forms |= FORM_CONCURRENT;
    vs__incident *inc = hit(t, d->account, d->alen, ev->ts, ev->ts, 1);
    char name[ACCOUNT_KEY_MAX];
    memcpy(name, d->account + 1, d->alen - 1u);
    name[d->alen - 1] = '\0';
    /* the 2xx comes from the called side: the caller is its destination */
    fill_account(t, inc, a, name, &ev->pl->dst, ev->pl->dport, ev->pl->transport, !inc->ready);
    vs__incident_ready(t->m, inc);
}

static void track_dialog(toll *t, const vs__event *ev)
{
    bool created;
    if (ev->request) {
        if (ev->method == VS_SIP_METHOD_INVITE && !ev->to_tag.len) {
            dialog *d = dialog_get(t, ev, true, &created);
            if (d && created && is_account(ev->from_user)) {
                unsigned char k[ACCOUNT_KEY_MAX];
                size_t kl = account_key(ev->from_user, k);
                memcpy(d->account, k, kl);
                d->alen = (uint8_t)kl;
            }
            return;
        }
        dialog *d = dialog_get(t, ev, false, &created); /* touch: the call is alive */
        if (!d)
            return;
        if (ev->method == VS_SIP_METHOD_BYE ||
            (ev->method == VS_SIP_METHOD_CANCEL && !d->established))
            dialog_end(t, ev, d);
        return;
    }
    if (ev->method != VS_SIP_METHOD_INVITE || ev->status < 200)
        return;
    dialog *d = dialog_get(t, ev, false, &created);
    if (!d)
        return;
    if (ev->status < 300) {
        if (!d->established)
            established(t, ev, d);
    } else if (!d->established) {
        dialog_end(t, ev, d); /* the call failed */
    }
}

/* ---- attempts ------------------------------------------------------------------------------- */

static source_state *source_get(toll *t, const vs_ip *ip, int64_t ts, bool create,
                                unsigned char *key, size_t *klen)
{
    bool created;
    *klen = vs__ip_key(ip, key);
    source_state *st = vs__monitor_lru_get(t->m, t->sources, key, *klen, ts, create, &created);
    return st;
}

static void remember_number(source_report *r, const number *nb)
{
    for (uint8_t i = 0; i < r->nnumbers; i++)
        if (!strcmp(r->numbers[i], nb->dialled))
            return;
    if (r->nnumbers < SAMPLE_NUMBERS)
        memcpy(r->numbers[r->nnumbers++], nb->dialled, sizeof r->numbers[0]);
}

static void account_attempt(toll *t, const vs__event *ev, uint32_t h)
{
    if (!is_account(ev->from_user))
        return;
    unsigned char k[ACCOUNT_KEY_MAX];
    size_t kl = account_key(ev->from_user, k);
    bool created;
    account_state *a = vs__monitor_lru_get(t->m, t->accounts, k, kl, ev->ts, true, &created);
    if (!recent_add(&a->calls, h))
        return;
    if (created || ev->ts - a->burst_start >= t->cfg->fraud_burst_window_us) {
        a->burst_start = ev->ts;
        a->burst_calls = 0;
    }
    a->burst_calls++;
    if (a->burst_calls > a->peak_burst)
        a->peak_burst = a->burst_calls;
    if (a->burst_calls < t->cfg->fraud_burst_calls)
        return;
    a->forms |= FORM_BURST;
    bool first = a->burst_calls == t->cfg->fraud_burst_calls;
    vs__incident *inc = hit(t, k, kl, a->burst_start, ev->ts, first ? a->burst_calls : 1);
    char name[ACCOUNT_KEY_MAX];
    vs__slice_cstr(ev->from_user, name, sizeof name);
    fill_account(t, inc, a, name, &ev->pl->src, ev->pl->sport, ev->pl->transport, !inc->ready);
    vs__incident_ready(t->m, inc);
}

static void invite(toll *t, const vs__event *ev)
{
    uint32_t h = hash32(ev->call_id.ptr ? ev->call_id.ptr : "", ev->call_id.len);
    unsigned char key[17];
    size_t klen;
    source_state *st = source_get(t, &ev->pl->src, ev->ts, true, key, &klen);
    if (!recent_add(&st->calls, h))
        return; /* the same attempt again (retransmission, credentials added) */
    account_attempt(t, ev, h);

    number nb;
    bool is_number = normalise(t, ev->ruri_user.len ? ev->ruri_user : ev->to_user, &nb);
    bool night = is_number && nb.intl && outside_business_hours(t->cfg, ev->ts);
    bool suspicious = is_number && (nb.hit || night);
    bool open = vs__incident_find(t->m, RULE, key, klen) != NULL;
    source_report *r = &st->r;
    /* a new episode: what an earlier, closed incident reported is not carried over */
    if (!open && r->last_ts && ev->ts - r->last_ts > t->cfg->incident_idle_us)
        memset(r, 0, sizeof *r);

    unsigned forms = 0;
    if (is_number && nb.hit) {
        forms |= FORM_PREFIX;
        r->high_risk++;
        if (!r->country[0])
            snprintf(r->country, sizeof r->country, "%s", nb.hit->country);
    }
    if (night) {
        if (!st->night_calls || ev->ts - st->night_start >= AFTER_HOURS_WINDOW_US) {
            st->night_start = ev->ts;
            st->night_calls = 0;
        }
        st->night_calls++;
        r->night++;
        if (st->night_calls >= AFTER_HOURS_MIN_CALLS)
            forms |= FORM_NIGHT;
    }
    /* a source's burst counts calls leaving the country only: a trunk or SBC delivers many
     * ordinary calls a minute (accounts are counted for all their calls) */
    bool outbound = is_number && (nb.intl || nb.hit);
    if (outbound &&
        (!st->burst_calls || ev->ts - st->burst_start >= t->cfg->fraud_burst_window_us)) {
        st->burst_start = ev->ts;
        st->burst_calls = 0;
    }
    if (outbound)
        st->burst_calls++;
    if (outbound && st->burst_calls >= t->cfg->fraud_burst_calls) {
        forms |= FORM_BURST;
        if (st->burst_calls > r->peak_burst)
            r->peak_burst = st->burst_calls;
    }
    if (suspicious || forms) {
        /* kept for the evidence even before a threshold is crossed */
        if (is_number && (nb.hit || nb.intl))
            remember_number(r, &nb);
        if (!r->first_local)
            r->first_local = local_seconds(t->cfg, ev->ts);
        r->last_ts = ev->ts;
        (void)recent_add(&r->calls, h);
    }
    if (!forms && !(open && suspicious))
        return;

    /* the incident counts attempts: when it opens, those of the window that crossed */
    uint64_t count = 1;
    int64_t first = ev->ts;
    if (!open) {
        if ((forms & FORM_BURST) && st->burst_calls > count) {
            count = st->burst_calls;
            first = st->burst_start;
        }
        if ((forms & FORM_NIGHT) && st->night_calls > count) {
            count = st->night_calls;
            first = st->night_start;
        }
    }
    if (!r->account[0])
        vs__slice_cstr(ev->from_user, r->account, sizeof r->account);
    if (!r->user_agent[0])
        vs__slice_cstr(ev->user_agent, r->user_agent, sizeof r->user_agent);
    r->forms |= forms;
    r->attempts += (uint32_t)count;
    vs__incident *inc = hit(t, key, klen, first, ev->ts, count);
    fill_source(t, inc, r, ev, !inc->ready);
    vs__incident_ready(t->m, inc);
}

/* Answers to a source's suspicious attempts: did the calls go through? */
static void answer(toll *t, const vs__event *ev)
{
    if (ev->method != VS_SIP_METHOD_INVITE || ev->status < 200)
        return;
    unsigned char key[17];
    size_t klen = vs__ip_key(&ev->pl->dst, key);
    source_state *st = vs__lru_peek(t->sources, key, klen);
    if (!st)
        return;
    uint32_t h = hash32(ev->call_id.ptr ? ev->call_id.ptr : "", ev->call_id.len);
    bool mine = false;
    for (uint8_t i = 0; i < st->r.calls.n; i++)
        mine |= st->r.calls.h[i] == h;
    if (!mine)
        return;
    if (ev->status < 300)
        st->r.answered++;
    else if (ev->status == 401 || ev->status == 407)
        st->r.challenged++;
    else
        st->r.refused++;
    vs__incident *inc = vs__incident_find(t->m, RULE, key, klen);
    if (inc && inc->ready && !inc->emitted)
        fill_source(t, inc, &st->r, ev, false);
}

static void toll_event(void *self, const vs__event *ev)
{
    toll *t = self;
    track_dialog(t, ev);
    if (ev->request && ev->method == VS_SIP_METHOD_INVITE && !ev->to_tag.len)
        invite(t, ev);
    else if (!ev->request)
        answer(t, ev);
}

static void toll_tick(void *self, int64_t now)
{
    toll *t = self;
    int64_t keep = t->cfg->incident_idle_us;
    if (keep < AFTER_HOURS_WINDOW_US)
        keep = AFTER_HOURS_WINDOW_US;
    if (keep < t->cfg->fraud_burst_window_us)
        keep = t->cfg->fraud_burst_window_us;
    vs__lru_expire(t->sources, now - keep);
    vs__lru_expire(t->dialogs, now - DIALOG_IDLE_US);
    vs__lru_expire(t->accounts, now - DIALOG_IDLE_US);
}

/* Starts loading the dialog's bucket (the dialogs table is the largest, and every request looks
 * its Call-ID up) while the other detectors run (see vs__detector_ops). */
static void toll_prefetch(void *self, const vs_payload *pl, const vs__event *ev, bool response,
                          int stage)
{
    toll *t = self;
    (void)pl;
    (void)response;
    if (stage == 1 && ev->call_id.len &&
        (ev->request || (ev->method == VS_SIP_METHOD_INVITE && ev->status >= 200)))
        vs__lru_prefetch(t->dialogs, ev->call_id.ptr, ev->call_id.len, 0);
}

const vs__detector_ops vs__detect_toll_fraud = {
    .rule = RULE,
    .create = toll_create,
    .event = toll_event,
    .tick = toll_tick,
    .finish = NULL,
    .destroy = toll_destroy,
    .prefetch = toll_prefetch,
};
