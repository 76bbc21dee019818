/* The equipment access log: an HMAC-SHA-256 chain of records in the store.
 *
 * Design: record n holds mac_n = HMAC-SHA-256(key, canon(n, at, who, what, action, why,
 * mac_{n-1})), mac_0 being the genesis value (64 zeros). canon() is a domain tag, seq as 8 bytes
 * big-endian, then each text field as a presence byte and, when present, an 8-byte big-endian
 * length and the bytes: no two different records encode the same. An append takes BEGIN
 * IMMEDIATE (so concurrent writers queue on the store's busy timeout), reads the head (last seq
 * and mac), inserts seq + 1 and moves the head, all in one transaction. Appends continue from the
 * head rather than from the last row, so that a tail cut between two appends leaves a gap that
 * verify reports. verify reads the whole log in one read transaction (a WAL snapshot) and
 * classifies the first bad record (docs/internals/access-log.md).
 *
 * The access log is part of the store's one SQLite file; this file reaches its rows and
 * transactions through store/access_rows.h (only src/store/ speaks SQL), and computes and checks
 * the MACs itself. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "access/access_internal.h"
#include "store/access_rows.h"

static const char GENESIS[VS_ACCESS_MAC_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct vs_access {
    vs_store *st;
    char *key_path;
    unsigned char key[VS__ACCESS_KEY_BYTES];
    char err[1024];
};

/* ---- errors ------------------------------------------------------------------------------- */

/* Copies the store's error (recorded by the failed vs__access_rows_* call) into a->err. */
static vs_rc store_fail(vs_access *a)
{
    snprintf(a->err, sizeof a->err, "%s", vs_store_error(a->st));
    return VS_E_IO;
}

const char *vs_access_error(const vs_access *a)
{
    return a ? a->err : "no access log";
}

const char *vs_access_key_path(const vs_access *a)
{
    return a ? a->key_path : "";
}

const char *vs_access_problem_id(vs_access_problem p)
{
    static const char *const ids[] = {"ok",        "edited",    "deleted", "inserted",
                                      "reordered", "truncated", "head",    "wrong-key"};
    return (unsigned)p < sizeof ids / sizeof ids[0] ? ids[p] : "";
}

/* ---- MAC ---------------------------------------------------------------------------------- */

static void put_u64(crypto_auth_hmacsha256_state *h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 7; i >= 0; i--) {
        b[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    crypto_auth_hmacsha256_update(h, b, sizeof b);
}

static void put_text(crypto_auth_hmacsha256_state *h, const char *s)
{
    unsigned char present = s != NULL;
    crypto_auth_hmacsha256_update(h, &present, 1);
    if (!s)
        return;
    size_t n = strlen(s);
    put_u64(h, n);
    crypto_auth_hmacsha256_update(h, (const unsigned char *)s, n);
}

/* The record fields as stored (text columns may be NULL after tampering). */
typedef struct rec {
    int64_t seq;
    char *at, *who, *what, *action, *why, *prev_mac, *mac;
} rec;

static void compute_mac(const vs_access *a, int64_t seq, const rec *r,
                        char out[VS_ACCESS_MAC_HEX + 1])
{
    static const char tag[] = "voipsec-access-log-v1";
    crypto_auth_hmacsha256_state h;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&h, a->key, sizeof a->key);
    put_text(&h, tag);
    put_u64(&h, (uint64_t)seq);
    put_text(&h, r->at);
    put_text(&h, r->who);
    put_text(&h, r->what);
    put_text(&h, r->action);
    put_text(&h, r->why);
    put_text(&h, r->prev_mac);
    crypto_auth_hmacsha256_final(&h, mac);
    sodium_bin2hex(out, VS_ACCESS_MAC_HEX + 1, mac, sizeof mac);
}

static bool same(const char *x, const char *y)
{
    return x && y && strcmp(x, y) == 0;
}

/* ---- open --------------------------------------------------------------------------------- */

/* Number of records and whether the head row exists; -1 on error (a->err set). */
static int64_t count_records(vs_access *a)
{
    int64_t n;
    if (vs__access_rows_count(a->st, &n, "reading the access log") != VS_OK) {
        store_fail(a);
        return -1;
    }
    return n;
}

vs_access *vs_access_open(vs_store *st, const char *key_path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!st) {
        if (err && errlen)
            snprintf(err, errlen, "no store");
        return NULL;
    }
    vs_access *a = calloc(1, sizeof *a);
    if (!a)
        goto nomem;
    a->st = st;
    if (key_path) {
        a->key_path = strdup(key_path);
    } else {
        const char *path = vs__access_rows_store_path(st);
        size_t n = strlen(path);
        a->key_path = malloc(n + sizeof ".access-key");
        if (a->key_path)
            memcpy(a->key_path, path, n),
                memcpy(a->key_path + n, ".access-key", sizeof ".access-key");
    }
    if (!a->key_path)
        goto nomem;
    int64_t n = count_records(a);
    if (n < 0) {
        if (err && errlen)
            snprintf(err, errlen, "%s", a->err);
        goto fail;
    }
    bool created = false;
    vs_rc rc = vs__access_key_load(a->key_path, n == 0, a->key, &created, err, errlen);
    if (rc == VS_E_NOTFOUND) {
        if (err && errlen)
            snprintf(err, errlen,
                     "access key file %s does not exist, but the access log in %s already holds "
                     "records: without the key the log can be neither verified nor extended "
                     "(give the right file with --key, or restore it from a backup)",
                     a->key_path, vs__access_rows_store_path(st));
        goto fail;
    }
    if (rc != VS_OK)
        goto fail;
    return a;

nomem:
    if (err && errlen)
        snprintf(err, errlen, "out of memory");
fail:
    vs_access_close(a);
    return NULL;
}

void vs_access_close(vs_access *a)
{
    if (!a)
        return;
    sodium_memzero(a->key, sizeof a->key);
    free(a->key_path);
    free(a);
}

/* ---- add ---------------------------------------------------------------------------------- */

vs_rc vs_access_add(vs_access *a, const char *who, const char *what, const char *action,
                    const char *why, int64_t at_us, int64_t *seq_out)
{
    if (!a || !who || !*who || !what || !*what || !action || !*action) {
        if (a)
            snprintf(a->err, sizeof a->err, "who, what and action are required");
        return VS_E_INVAL;
    }
    if (vs__access_rows_in_transaction(a->st)) {
        snprintf(a->err, sizeof a->err,
                 "vs_access_add inside an open store transaction (it takes its own)");
        return VS_E_INVAL;
    }
    if (why && !*why)
        why = NULL;
    char at[25];
    vs__access_rows_time_format(at_us ? at_us : vs__access_rows_now_us(), at);
    static const char what_failed[] = "appending to the access log";
    if (vs__access_rows_begin(a->st, true, "appending to the access log (taking the write lock)") !=
        VS_OK)
        return store_fail(a);
    /* Last seq and mac to chain from: the head, or the last row when it is further (or the head
     * is missing). */
    int64_t last = 0;
    char prev[VS_ACCESS_MAC_HEX + 1];
    memcpy(prev, GENESIS, sizeof GENESIS);
    if (vs__access_rows_tip(a->st, &last, prev, what_failed) != VS_OK)
        goto rollback;
    rec r = {.seq = last + 1,
             .at = at,
             .who = (char *)who,
             .what = (char *)what,
             .action = (char *)action,
             .why = (char *)why,
             .prev_mac = prev};
    char mac[VS_ACCESS_MAC_HEX + 1];
    compute_mac(a, r.seq, &r, mac);
    vs__access_row row = {.seq = r.seq,
                          .at = at,
                          .who = who,
                          .what = what,
                          .action = action,
                          .why = why,
                          .prev_mac = prev,
                          .mac = mac};
    if (vs__access_rows_append(a->st, &row, what_failed) != VS_OK)
        goto rollback;
    if (vs__access_rows_commit(a->st, what_failed) != VS_OK)
        goto rollback;
    if (seq_out)
        *seq_out = r.seq;
    return VS_OK;

rollback:
    store_fail(a);
    vs__access_rows_rollback(a->st);
    return VS_E_IO;
}

/* ---- show --------------------------------------------------------------------------------- */

struct show_ctx {
    vs_access_fn fn;
    void *ctx;
};

static int show_row(void *ctx, const vs__access_row *r)
{
    const struct show_ctx *c = ctx;
    vs_access_entry e;
#define TXT(f) (r->f ? r->f : "")
    e.seq = r->seq;
    e.at = TXT(at);
    e.who = TXT(who);
    e.what = TXT(what);
    e.action = TXT(action);
    e.why = TXT(why);
    e.prev_mac = TXT(prev_mac);
    e.mac = TXT(mac);
#undef TXT
    if (vs__access_rows_time_parse(e.at, &e.at_us) != VS_OK)
        e.at_us = 0;
    return c->fn(c->ctx, &e) ? 1 : 0;
}

vs_rc vs_access_show(vs_access *a, const vs_access_filter *f, vs_access_fn fn, void *ctx)
{
    char since[25];
    vs__access_row_filter rf = {0};
    if (f && f->since_us) {
        vs__access_rows_time_format(f->since_us, since);
        rf.since = since;
    }
    if (f && f->who && *f->who)
        rf.who = f->who;
    if (f && f->what && *f->what)
        rf.what = f->what;
    struct show_ctx c = {fn, ctx};
    if (vs__access_rows_each(a->st, &rf, show_row, &c, "reading the access log") != VS_OK)
        return store_fail(a);
    return VS_OK;
}

vs_rc vs_access_parse_time(const char *text, int64_t *us)
{
    if (!text)
        return VS_E_PARSE;
    if (strcmp(text, "now") == 0) {
        *us = vs__access_rows_now_us();
        return VS_OK;
    }
    if (strlen(text) == 10) {
        char full[32];
        snprintf(full, sizeof full, "%sT00:00:00Z", text);
        return vs__access_rows_time_parse(full, us);
    }
    return vs__access_rows_time_parse(text, us);
}

/* ---- verify ------------------------------------------------------------------------------- */

vs_rc vs_access_parse_head(const char *text, int64_t *seq, char mac[VS_ACCESS_MAC_HEX + 1])
{
    if (!text)
        return VS_E_PARSE;
    char *end = NULL;
    long long q = strtoll(text, &end, 10);
    if (end == text || *end != ':' || q < 1 || text[0] == '-' || text[0] == '+')
        return VS_E_PARSE;
    const char *m = end + 1;
    if (strlen(m) != VS_ACCESS_MAC_HEX)
        return VS_E_PARSE;
    for (size_t i = 0; i < VS_ACCESS_MAC_HEX; i++) {
        char c = m[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return VS_E_PARSE;
        mac[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    mac[VS_ACCESS_MAC_HEX] = '\0';
    *seq = q;
    return VS_OK;
}

static void free_recs(rec *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].at);
        free(v[i].who);
        free(v[i].what);
        free(v[i].action);
        free(v[i].why);
        free(v[i].prev_mac);
        free(v[i].mac);
    }
    free(v);
}

static bool mac_ok(const vs_access *a, int64_t seq, const rec *r)
{
    char m[VS_ACCESS_MAC_HEX + 1];
    compute_mac(a, seq, r, m);
    return same(m, r->mac);
}

static void bad(vs_access_report *r, vs_access_problem p, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(vs_access_report *r, vs_access_problem p, int64_t seq, const char *fmt, ...)
{
    r->problem = p;
    r->bad_seq = seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
}

/* Classifies the first record i whose MAC or link is wrong; prev is the mac the chain leads to. */
static void classify(const vs_access *a, const rec *v, size_t n, size_t i, const char *prev,
                     bool have_head, int64_t head_seq, vs_access_report *r)
{
    const rec *x = &v[i];
    bool mac_good = mac_ok(a, x->seq, x);
    bool link_good = same(x->prev_mac, prev);
    if (mac_good) { /* authentic (made with the key) but the chain does not lead to it */
        bad(r, VS_ACCESS_INSERTED, x->seq,
            "record %lld does not follow the record before it: its link (prev_mac) does not "
            "match; a record was inserted or replaced before it",
            (long long)x->seq);
        return;
    }
    if (i == 0 && n >= 2) {
        bool any = false;
        for (size_t k = 0; k < n && !any; k++)
            any = mac_ok(a, v[k].seq, &v[k]);
        if (!any) {
            bad(r, VS_ACCESS_WRONG_KEY, x->seq,
                "no record verifies with this key, starting at record %lld: the key file is not "
                "the one this log was written with (or every record was rewritten)",
                (long long)x->seq);
            return;
        }
    }
    /* an authentic record moved to another seq (rows swapped or renumbered) */
    int64_t max_seq = v[n - 1].seq;
    if (head_seq > max_seq)
        max_seq = head_seq;
    /* a moved record's own seq lies within the log as written; bound the search so that a forged
     * huge seq or head cannot make verify run for ever */
    if (max_seq > (int64_t)n + 4096)
        max_seq = (int64_t)n + 4096;
    for (int64_t s = 1; s <= max_seq; s++) {
        if (s != x->seq && mac_ok(a, s, x)) {
            bad(r, VS_ACCESS_REORDERED, x->seq,
                "record %lld holds the entry that was written as record %lld: records were "
                "reordered",
                (long long)x->seq, (long long)s);
            return;
        }
    }
    if (have_head && x->seq > head_seq) {
        bad(r, VS_ACCESS_INSERTED, x->seq,
            "record %lld was added after the last record the log wrote (%lld) and its MAC does "
            "not verify: a forged record was inserted",
            (long long)x->seq, (long long)head_seq);
        return;
    }
    if (i + 1 < n && same(v[i + 1].prev_mac, prev)) {
        bad(r, VS_ACCESS_INSERTED, x->seq,
            "record %lld is not part of the chain (the next record links to the one before it) "
            "and its MAC does not verify: a forged record was inserted",
            (long long)x->seq);
        return;
    }
    if (link_good)
        bad(r, VS_ACCESS_EDITED, x->seq,
            "record %lld was changed after it was written: its MAC does not verify (a field "
            "such as who, what, action, why or the time was edited)",
            (long long)x->seq);
    else
        bad(r, VS_ACCESS_EDITED, x->seq,
            "record %lld was changed after it was written: neither its MAC nor its link to the "
            "record before it verify (edited or forged)",
            (long long)x->seq);
}

struct load_ctx {
    rec *v;
    size_t n, cap;
};

static char *dup_or_null(const char *t)
{
    return t ? strdup(t) : NULL;
}

static int load_row(void *ctx, const vs__access_row *r)
{
    struct load_ctx *c = ctx;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        rec *nv = realloc(c->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        c->v = nv;
        c->cap = nc;
    }
    rec *x = &c->v[c->n++];
    x->seq = r->seq;
    x->at = dup_or_null(r->at);
    x->who = dup_or_null(r->who);
    x->what = dup_or_null(r->what);
    x->action = dup_or_null(r->action);
    x->why = dup_or_null(r->why);
    x->prev_mac = dup_or_null(r->prev_mac);
    x->mac = dup_or_null(r->mac);
    return 1;
}

static vs_rc load(vs_access *a, rec **out, size_t *count, bool *have_head, int64_t *head_seq,
                  char head_mac[VS_ACCESS_MAC_HEX + 1])
{
    static const char what[] = "reading the access log";
    if (vs__access_rows_head(a->st, have_head, head_seq, head_mac, what) != VS_OK)
        return store_fail(a);
    struct load_ctx c = {0};
    if (vs__access_rows_each(a->st, NULL, load_row, &c, what) != VS_OK) {
        free_recs(c.v, c.n);
        return store_fail(a);
    }
    *out = c.v;
    *count = c.n;
    return VS_OK;
}

vs_rc vs_access_verify(vs_access *a, int64_t expect_seq, const char *expect_mac,
                       vs_access_report *r)
{
    memset(r, 0, sizeof *r);
    if (vs__access_rows_begin(a->st, false, "reading the access log") != VS_OK)
        return store_fail(a);
    rec *v = NULL;
    size_t n = 0;
    bool have_head;
    int64_t head_seq;
    char head_mac[VS_ACCESS_MAC_HEX + 1];
    vs_rc ret = load(a, &v, &n, &have_head, &head_seq, head_mac);
    vs__access_rows_end_read(a->st);
    if (ret != VS_OK)
        return ret;
    r->count = (int64_t)n;
    if (n) {
        r->head_seq = v[n - 1].seq;
        snprintf(r->head_mac, sizeof r->head_mac, "%s", v[n - 1].mac ? v[n - 1].mac : "");
    }

    const char *prev = GENESIS;
    int64_t expect = 1;
    for (size_t i = 0; i < n && r->problem == VS_ACCESS_OK; i++) {
        const rec *x = &v[i];
        if (x->seq > expect) {
            if (x->seq == expect + 1)
                bad(r, VS_ACCESS_DELETED, expect, "record %lld is missing: it was deleted",
                    (long long)expect);
            else
                bad(r, VS_ACCESS_DELETED, expect,
                    "records %lld to %lld are missing: they were deleted", (long long)expect,
                    (long long)(x->seq - 1));
            break;
        }
        if (x->seq < expect) {
            bad(r, VS_ACCESS_INSERTED, x->seq,
                "record %lld has a sequence number the log never writes: it was inserted",
                (long long)x->seq);
            break;
        }
        if (same(x->prev_mac, prev) && mac_ok(a, x->seq, x)) {
            prev = x->mac;
            expect++;
            continue;
        }
        classify(a, v, n, i, prev, have_head, head_seq, r);
    }
    if (r->problem == VS_ACCESS_OK) {
        int64_t last = n ? v[n - 1].seq : 0;
        if (!have_head && n)
            bad(r, VS_ACCESS_HEAD, last,
                "the log's head (its last record and MAC) is missing: it was deleted, so a cut "
                "tail could not be noticed");
        else if (have_head && head_seq > last)
            bad(r, VS_ACCESS_TRUNCATED, last + 1,
                "records %lld to %lld are missing at the end of the log: its tail was cut",
                (long long)(last + 1), (long long)head_seq);
        else if (have_head && head_seq < last)
            bad(r, VS_ACCESS_INSERTED, head_seq + 1,
                "record %lld and later were added behind the log's back (the head says the last "
                "record is %lld)",
                (long long)(head_seq + 1), (long long)head_seq);
        else if (have_head && n && !same(head_mac, v[n - 1].mac))
            bad(r, VS_ACCESS_HEAD, last,
                "the log's head does not match its last record %lld: the head or the record "
                "was rewritten",
                (long long)last);
    }
    if (r->problem == VS_ACCESS_OK && expect_mac) {
        int64_t last = n ? v[n - 1].seq : 0;
        if (expect_seq > last)
            bad(r, VS_ACCESS_TRUNCATED, last + 1,
                "records %lld to %lld are missing at the end of the log: the exported head says "
                "record %lld existed, so the tail (and the head) were cut",
                (long long)(last + 1), (long long)expect_seq, (long long)expect_seq);
        else if (expect_seq >= 1 && !same(v[expect_seq - 1].mac, expect_mac))
            bad(r, VS_ACCESS_EDITED, expect_seq,
                "record %lld is not the one in the exported head: the log was rewritten from "
                "there on",
                (long long)expect_seq);
    }
    free_recs(v, n);
    return VS_OK;
}

/* ---- finding ------------------------------------------------------------------------------ */

void vs_access_finding(const vs_access_report *r, const char *store_path, vs_finding *f)
{
    vs_finding_init(f, "access.log-tampered", VS_PRACTICE_EQUIPMENT, VS_SEV_HIGH);
    vs_finding_setf(f->title, sizeof f->title,
                    "The equipment access log was tampered with (record %lld: %s)",
                    (long long)r->bad_seq, vs_access_problem_id(r->problem));
    vs_finding_setf(f->explain, sizeof f->explain,
                    "The log of who went to the phone system's equipment is protected so that "
                    "nobody can change it quietly. It no longer checks out: %s. Someone may have "
                    "tried to hide a visit to the equipment, or the wrong key file was used.",
                    r->detail);
    vs_finding_set(f->advice, sizeof f->advice,
                   "Find out who can write the voipsec database and the key file, and who did "
                   "so. Compare the log with a backup or an exported head (voipsec access verify "
                   "--expect-head) to see what changed. Restrict access to the equipment and the "
                   "server, then start a new log with a new key and keep its head elsewhere.");
    if (store_path)
        vs_finding_set(f->file, sizeof f->file, store_path);
    vs_finding_set(f->evidence, sizeof f->evidence, "{}");
    vs_evidence_int(f->evidence, sizeof f->evidence, "seq", r->bad_seq);
    vs_evidence_str(f->evidence, sizeof f->evidence, "problem", vs_access_problem_id(r->problem));
    vs_evidence_int(f->evidence, sizeof f->evidence, "records", r->count);
}
