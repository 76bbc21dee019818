/* Unit tests for `voipsec creds` (src/creds/, the credential tables of src/store/): every rule of
 * check (length, classes, blocklist, strength, equal to user, reuse across accounts, history: the
 * last N refused and the one before allowed), generate (1000 secrets per kind pass the policy;
 * PINs without repeats, pairs or runs), import (Argon2id fingerprints, no planted secret in the
 * database file or its WAL, changed secrets to history), status (overdue after max_age_days,
 * never under nist; weak and reuse findings), an unknown account, and a corrupted or locked
 * database (a clear error, nothing written).
 *
 * Every test works in its own mkdtemp directory. Argon2id with MEMLIMIT_INTERACTIVE costs 64 MiB
 * and tens of milliseconds per hash, so the configurations hold few accounts. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <voipsec/creds.h>

#include "creds_fixture.h"

#define VS_TEST_DATA_DIR VS_SOURCE_DIR "/data"

/* secrets planted in the configurations (strong ones pass the seed policy) */
#define S_6001 "Vt7#qLm9!xRw2@kP"
#define S_ALICE "Hn4%bZs8+cYe3=uJ"
#define S_ADMIN "Gr6!pWd2?mKx9#tQ"
#define PIN_6001 "1234"

/* the temporary directory, policy and blocklist: tests/support/creds_fixture.h */
#define setup cf_setup
#define teardown cf_teardown

static void write_file(const char *dir, const char *name, const char *text)
{
    cf_write_file(dir, name, text, 0644);
}

/* The usual office: two phone auths, one voicemail box, two AMI users sharing a secret. */
static void write_office(const fixture *fx)
{
    write_file(fx->conf, "pjsip.conf",
               "[6001]\ntype=endpoint\nauth=6001-auth\n\n"
               "[6001-auth]\ntype=auth\nauth_type=userpass\nusername=6001\npassword=" S_6001 "\n\n"
               "[6002-auth]\ntype=auth\nusername=alice\npassword=" S_ALICE "\n");
    write_file(fx->conf, "voicemail.conf", "[default]\n6001 => " PIN_6001 ",Alice\n");
    write_file(fx->conf, "manager.conf",
               "[general]\nenabled=yes\n\n[admin]\nsecret=" S_ADMIN "\n\n[report]\nsecret=" S_ADMIN
               "\n");
}

static vs_store *open_store(const fixture *fx)
{
    char err[1024];
    vs_store *st = vs_store_open(fx->db, err, sizeof err);
    if (!st)
        fail_msg("%s", err);
    return st;
}

static void import_ok(const fixture *fx, const vs_policy *pol, vs_creds_import_stats *s)
{
    vs_store *st = open_store(fx);
    char err[1024] = "";
    vs_rc rc = vs_creds_import(st, pol, fx->bl, fx->conf, s, err, sizeof err);
    if (rc != VS_OK)
        fail_msg("import: %s", err);
    vs_store_close(st);
}

static void sql_text(const char *db, const char *sql, char *buf, size_t size)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    int rc = sqlite3_step(s);
    const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
    snprintf(buf, size, "%s", t ? (const char *)t : "");
    sqlite3_finalize(s);
    sqlite3_close(h);
}

static void sql_exec(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(h);
}

static void check(const fixture *fx, const vs_policy *pol, const char *account, const char *secret,
                  vs_creds_verdict *v)
{
    vs_store *st = open_store(fx);
    char err[1024] = "";
    vs_rc rc = vs_creds_check(st, pol, fx->bl, account, secret, v, err, sizeof err);
    if (rc != VS_OK)
        fail_msg("check %s: %s", account, err);
    vs_store_close(st);
}

/* whole file into a malloc'd buffer; NULL when absent */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- import ---------------------------------------------------------------------------------- */

static void test_import_fingerprints(void **state)
{
    fixture *fx = *state;
    write_office(fx);
    vs_creds_import_stats s;
    import_ok(fx, &fx->pol, &s);
    assert_int_equal(s.accounts, 5);
    assert_int_equal(s.added, 5);
    assert_int_equal(s.reused, 2);
    char buf[256];
    sql_text(fx->db,
             "SELECT count(*) FROM credential_accounts WHERE fingerprint LIKE '$argon2id$%'", buf,
             sizeof buf);
    assert_string_equal(buf, "5");
    sql_text(fx->db, "SELECT kind FROM credential_accounts WHERE account = '6001-auth'", buf,
             sizeof buf);
    assert_string_equal(buf, "sip");
    sql_text(fx->db, "SELECT kind FROM credential_accounts WHERE account = '6001@default'", buf,
             sizeof buf);
    assert_string_equal(buf, "voicemail");
    sql_text(fx->db, "SELECT kind || line FROM credential_accounts WHERE account = 'admin'", buf,
             sizeof buf);
    assert_string_equal(buf, "ami5");
    sql_text(fx->db,
             "SELECT count(DISTINCT reuse_group) FROM credential_accounts WHERE "
             "account IN ('admin', 'report') AND reuse_group > 0",
             buf, sizeof buf);
    assert_string_equal(buf, "1");

    /* no planted secret in the database file or its WAL, in any form the tool could write */
    static const char *const planted[] = {S_6001, S_ALICE, S_ADMIN, PIN_6001 ",Alice"};
    static const char *const suffix[] = {"", "-wal"};
    for (size_t k = 0; k < 2; k++) {
        char path[160];
        snprintf(path, sizeof path, "%s%s", fx->db, suffix[k]);
        size_t len = 0;
        char *bytes = slurp(path, &len);
        if (!bytes)
            continue;
        for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++)
            if (memmem(bytes, len, planted[i], strlen(planted[i])))
                fail_msg("%s holds the planted secret %zu", path, i);
        free(bytes);
    }

    /* the same configuration again: unchanged, fingerprints kept */
    char fp_before[256], fp_after[256];
    sql_text(fx->db, "SELECT fingerprint FROM credential_accounts WHERE account = '6001-auth'",
             fp_before, sizeof fp_before);
    import_ok(fx, &fx->pol, &s);
    assert_int_equal(s.unchanged, 5);
    assert_int_equal(s.added + s.changed, 0);
    sql_text(fx->db, "SELECT fingerprint FROM credential_accounts WHERE account = '6001-auth'",
             fp_after, sizeof fp_after);
    assert_string_equal(fp_before, fp_after);
    sql_text(fx->db, "SELECT count(*) FROM credential_history", buf, sizeof buf);
    assert_string_equal(buf, "0");
}

/* ---- check ----------------------------------------------------------------------------------- */

static void test_check_rules(void **state)
{
    fixture *fx = *state;
    write_office(fx);
    import_ok(fx, &fx->pol, NULL);
    vs_creds_verdict v;

    check(fx, &fx->pol, "6001-auth", "Ab1!xY", &v); /* length */
    assert_false(v.ok);
    assert_true(v.strength.too_short);

    check(fx, &fx->pol, "6001-auth", "kqzvmwhtrplxbnfs", &v); /* classes: lower only */
    assert_false(v.ok);
    assert_true(v.strength.too_few_classes);

    check(fx, &fx->pol, "6001-auth", "password", &v); /* blocklist */
    assert_false(v.ok);
    assert_true(v.strength.on_blocklist);

    check(fx, &fx->pol, "6001-auth", "Aaaaaaaaaaaa1!", &v); /* strength (zxcvbn) */
    assert_false(v.ok);
    assert_true(v.strength.too_guessable);
    assert_false(v.strength.too_short);
    assert_false(v.strength.on_blocklist);

    check(fx, &fx->pol, "6002-auth", "alice", &v); /* the user name */
    assert_false(v.ok);
    assert_true(v.strength.equals_user);

    check(fx, &fx->pol, "6001-auth", S_ADMIN, &v); /* another account's secret */
    assert_false(v.ok);
    assert_true(v.strength.ok);
    assert_true(v.used_elsewhere);
    assert_string_equal(v.other, "ami:admin");
    assert_null(strstr(v.reason, S_ADMIN));

    check(fx, &fx->pol, "6001-auth", S_6001, &v); /* its own current secret */
    assert_false(v.ok);
    assert_true(v.in_history);
    assert_false(v.used_elsewhere);

    check(fx, &fx->pol, "voicemail:6001@default", "1111", &v); /* a PIN: repeats, short */
    assert_false(v.ok);

    char fresh[64];
    assert_int_equal(vs_creds_generate(&fx->pol, fx->bl, VS_CRED_SIP, fresh, sizeof fresh), VS_OK);
    check(fx, &fx->pol, "6001-auth", fresh, &v);
    assert_true(v.ok);
    assert_string_equal(v.reason, "");
}

static void test_check_history(void **state)
{
    fixture *fx = *state;
    vs_policy pol = fx->pol;
    pol.history = 3; /* the current secret and the 2 before it */
    static const char *const versions[] = {"Kd8!vQz3#Lm5pWr", "Tb2@nHx7%Fc9qJs", "Yw5+gMr4=Zp8kDv",
                                           "Pe3?sNj6!Ua2hXt"};
    for (size_t i = 0; i < 4; i++) {
        char text[256];
        snprintf(text, sizeof text, "[trunk-auth]\ntype=auth\nusername=acme\npassword=%s\n",
                 versions[i]);
        write_file(fx->conf, "pjsip.conf", text);
        vs_creds_import_stats s;
        import_ok(fx, &pol, &s);
        assert_int_equal(i ? s.changed : s.added, 1);
    }
    char buf[64];
    sql_text(fx->db, "SELECT count(*) FROM credential_history", buf, sizeof buf);
    assert_string_equal(buf, "3");
    vs_creds_verdict v;
    for (int i = 3; i >= 1; i--) { /* the last three: refused */
        check(fx, &pol, "trunk-auth", versions[i], &v);
        assert_false(v.ok);
        assert_true(v.in_history);
    }
    check(fx, &pol, "trunk-auth", versions[0], &v); /* the one before: allowed */
    assert_true(v.ok);
    assert_false(v.in_history);
}

static void test_unknown_account(void **state)
{
    fixture *fx = *state;
    write_file(fx->conf, "manager.conf", "[admin]\nsecret=" S_ADMIN "\n");
    import_ok(fx, &fx->pol, NULL);
    vs_store *st = open_store(fx);
    vs_creds_verdict v;
    char err[512] = "";
    assert_int_equal(vs_creds_check(st, &fx->pol, fx->bl, "nosuch", "x", &v, err, sizeof err),
                     VS_E_NOTFOUND);
    assert_non_null(strstr(err, "no account 'nosuch'"));
    vs_store_close(st);
}

/* ---- status ---------------------------------------------------------------------------------- */

typedef struct collected {
    vs_cred_status s[8];
    size_t n;
    const vs_policy *pol;
    char rules[8][3][64];
    size_t nrules[8];
} collected;

static void on_finding(void *ctx, const vs_finding *f)
{
    collected *c = ctx;
    size_t i = c->n - 1;
    if (c->nrules[i] < 3)
        snprintf(c->rules[i][c->nrules[i]++], 64, "%s", f->rule);
    assert_int_equal(f->practice, VS_PRACTICE_CREDENTIALS);
}

static bool on_status(void *ctx, const vs_cred_status *s)
{
    collected *c = ctx;
    if (c->n < 8) {
        c->s[c->n++] = *s;
        vs_creds_findings(s, c->pol, on_finding, c);
    }
    return true;
}

static void status(const fixture *fx, const vs_policy *pol, collected *c)
{
    memset(c, 0, sizeof *c);
    c->pol = pol;
    vs_store *st = open_store(fx);
    char err[512];
    assert_int_equal(
        vs_creds_status(st, pol, (int64_t)time(NULL) * 1000000, on_status, c, err, sizeof err),
        VS_OK);
    vs_store_close(st);
}

static bool has_rule(const collected *c, size_t i, const char *rule)
{
    for (size_t k = 0; k < c->nrules[i]; k++)
        if (!strcmp(c->rules[i][k], rule))
            return true;
    return false;
}

static void test_status_overdue(void **state)
{
    fixture *fx = *state;
    write_file(fx->conf, "manager.conf", "[admin]\nsecret=" S_ADMIN "\n");
    import_ok(fx, &fx->pol, NULL);
    collected c;
    status(fx, &fx->pol, &c);
    assert_int_equal(c.n, 1);
    assert_true(c.s[0].has_due);
    assert_false(c.s[0].overdue);
    assert_int_equal(c.s[0].age_days, 0);
    assert_int_equal(c.nrules[0], 0);

    /* set back beyond 60 days */
    char sql[256];
    time_t past = time(NULL) - (time_t)61 * 86400;
    struct tm tm;
    gmtime_r(&past, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    snprintf(sql, sizeof sql, "UPDATE credential_accounts SET set_at = '%s'", when);
    sql_exec(fx->db, sql);
    status(fx, &fx->pol, &c);
    assert_true(c.s[0].overdue);
    assert_int_equal(c.s[0].age_days, 61);
    assert_true(has_rule(&c, 0, "creds.rotation-overdue"));

    vs_policy nist;
    assert_int_equal(vs_policy_preset(&nist, "nist", VS_TEST_DATA_DIR), VS_OK);
    status(fx, &nist, &c);
    assert_false(c.s[0].has_due);
    assert_false(c.s[0].overdue);
    assert_false(has_rule(&c, 0, "creds.rotation-overdue"));

    /* 59 days: not yet */
    past = time(NULL) - (time_t)59 * 86400;
    gmtime_r(&past, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    snprintf(sql, sizeof sql, "UPDATE credential_accounts SET set_at = '%s'", when);
    sql_exec(fx->db, sql);
    status(fx, &fx->pol, &c);
    assert_false(c.s[0].overdue);
}

static void test_status_weak_and_reuse(void **state)
{
    fixture *fx = *state;
    write_office(fx);
    import_ok(fx, &fx->pol, NULL);
    collected c;
    status(fx, &fx->pol, &c);
    assert_int_equal(c.n, 5);
    /* order: sip (6001-auth, 6002-auth), voicemail, ami (admin, report) */
    assert_string_equal(c.s[2].account, "6001@default");
    assert_true(c.s[2].weak);
    assert_true(has_rule(&c, 2, "creds.weak-secret"));
    assert_false(c.s[0].weak);
    assert_int_equal(c.s[0].reuse_group, 0);
    assert_string_equal(c.s[3].account, "admin");
    assert_true(c.s[3].reuse_group > 0);
    assert_true(c.s[3].reuse_group == c.s[4].reuse_group);
    assert_true(has_rule(&c, 3, "creds.secret-reuse"));
    assert_true(has_rule(&c, 4, "creds.secret-reuse"));
}

/* ---- generate -------------------------------------------------------------------------------- */

static void check_pin(const char *pin, size_t len)
{
    assert_int_equal(strlen(pin), len);
    for (size_t i = 0; i < len; i++) {
        assert_true(pin[i] >= '0' && pin[i] <= '9');
        if (i >= 1) {
            int d = pin[i] - pin[i - 1];
            assert_true(d > 1 || d < -1); /* no repeat "11", no run "12"/"21" */
        }
        for (size_t k = 0; k < i; k++)
            assert_true(pin[k] != pin[i]); /* no pair "2424" */
    }
}

static void test_generate(void **state)
{
    fixture *fx = *state;
    vs_policy nist;
    assert_int_equal(vs_policy_preset(&nist, "nist", VS_TEST_DATA_DIR), VS_OK);
    const vs_policy *pols[] = {&fx->pol, &nist};
    static const vs_cred_kind kinds[] = {VS_CRED_SIP, VS_CRED_VOICEMAIL, VS_CRED_AMI,
                                         VS_CRED_PORTAL};
    for (size_t p = 0; p < 2; p++)
        for (size_t k = 0; k < 4; k++) {
            char prev[64] = "";
            size_t repeats = 0; /* a draw equal to the one before */
            for (int i = 0; i < 1000; i++) {
                char buf[64];
                assert_int_equal(vs_creds_generate(pols[p], fx->bl, kinds[k], buf, sizeof buf),
                                 VS_OK);
                bool pin = kinds[k] == VS_CRED_VOICEMAIL;
                vs_strength st;
                vs_strength_check(pols[p], fx->bl, buf, NULL, NULL, pin, &st);
                if (!st.ok)
                    fail_msg("generated secret fails the policy: %s", st.reason);
                if (pin) {
                    check_pin(buf, pols[p]->pin_min_length);
                } else {
                    assert_int_equal(strlen(buf), 20);
                    if (pols[p]->min_classes)
                        assert_int_equal(st.classes, 4);
                    assert_null(strpbrk(buf, "0O1lI;,\"'\\$"));
                }
                /* PINs come from a space of tens of thousands, so two equal draws in a row
                 * happen by chance (about 1 in 50 runs of 1000); passwords never repeat */
                repeats += strcmp(buf, prev) == 0;
                snprintf(prev, sizeof prev, "%s", buf);
            }
            if (kinds[k] == VS_CRED_VOICEMAIL)
                assert_true(repeats <= 5);
            else
                assert_int_equal(repeats, 0);
        }
    char small[8];
    assert_int_equal(vs_creds_generate(&fx->pol, fx->bl, VS_CRED_SIP, small, sizeof small),
                     VS_E_LIMIT);
}

/* ---- a database that cannot be used ------------------------------------------------------------
 */

static void test_corrupt_db(void **state)
{
    fixture *fx = *state;
    write_office(fx);
    FILE *f = fopen(fx->db, "wb");
    assert_non_null(f);
    char junk[4096];
    memcpy(junk, "SQLite format 3", 16);
    for (size_t i = 16; i < sizeof junk; i++)
        junk[i] = (char)(i * 37);
    fwrite(junk, 1, sizeof junk, f);
    fclose(f);
    char err[1024] = "";
    vs_store *st = vs_store_open(fx->db, err, sizeof err);
    assert_null(st);
    assert_non_null(strstr(err, fx->db));
    size_t len = 0;
    char *after = slurp(fx->db, &len);
    assert_non_null(after);
    assert_int_equal(len, sizeof junk);
    assert_memory_equal(after, junk, sizeof junk); /* nothing written */
    free(after);
}

static void test_locked_db(void **state)
{
    fixture *fx = *state;
    write_file(fx->conf, "manager.conf", "[admin]\nsecret=" S_ADMIN "\n");
    import_ok(fx, &fx->pol, NULL);
    char fp[256];
    sql_text(fx->db, "SELECT fingerprint FROM credential_accounts", fp, sizeof fp);
    write_file(fx->conf, "manager.conf", "[admin]\nsecret=" S_ALICE "\n");

    setenv("VOIPSEC_DB_BUSY_MS", "100", 1);
    vs_store *st = open_store(fx);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(fx->db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    char err[1024] = "";
    vs_rc rc = vs_creds_import(st, &fx->pol, fx->bl, fx->conf, NULL, err, sizeof err);
    assert_int_equal(rc, VS_E_IO);
    assert_non_null(strstr(err, fx->db));
    assert_non_null(strstr(err, "lock"));
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    vs_store_close(st);
    unsetenv("VOIPSEC_DB_BUSY_MS");

    char now[256];
    sql_text(fx->db, "SELECT fingerprint FROM credential_accounts", now, sizeof now);
    assert_string_equal(fp, now);
    sql_text(fx->db, "SELECT count(*) FROM credential_history", now, sizeof now);
    assert_string_equal(now, "0");
}

static void test_import_errors(void **state)
{
    fixture *fx = *state;
    vs_store *st = open_store(fx);
    char err[1024] = "";
    /* no Asterisk file at all */
    assert_int_equal(vs_creds_import(st, &fx->pol, fx->bl, fx->conf, NULL, err, sizeof err),
                     VS_E_NOTFOUND);
    /* files, but no account with a secret */
    write_file(fx->conf, "manager.conf", "[general]\nenabled=no\n");
    err[0] = '\0';
    assert_int_equal(vs_creds_import(st, &fx->pol, fx->bl, fx->conf, NULL, err, sizeof err),
                     VS_E_NOTFOUND);
    assert_non_null(strstr(err, "no account"));
    vs_store_close(st);
    char buf[16];
    sql_text(fx->db, "SELECT count(*) FROM credential_accounts", buf, sizeof buf);
    assert_string_equal(buf, "0");
}

/* The same kind and name in two files (a chan_sip peer kept beside its PJSIP replacement): the
 * first one found (pjsip.conf) counts, and a second import sees no change. */
static void test_duplicate_names(void **state)
{
    fixture *fx = *state;
    write_file(fx->conf, "pjsip.conf", "[6001]\ntype=auth\npassword=" S_6001 "\n");
    write_file(fx->conf, "sip.conf", "[6001]\ntype=friend\nhost=dynamic\nsecret=" S_ALICE "\n");
    vs_creds_import_stats s;
    import_ok(fx, &fx->pol, &s);
    assert_int_equal(s.accounts, 1);
    assert_int_equal(s.added, 1);
    import_ok(fx, &fx->pol, &s);
    assert_int_equal(s.unchanged, 1);
    assert_int_equal(s.changed, 0);
    char buf[256];
    sql_text(fx->db, "SELECT source_file FROM credential_accounts", buf, sizeof buf);
    assert_non_null(strstr(buf, "pjsip.conf"));
    sql_text(fx->db, "SELECT count(*) FROM credential_history", buf, sizeof buf);
    assert_string_equal(buf, "0");
}

static void test_kinds(void **state)
{
    (void)state;
    for (int k = 0; k < VS_CRED__COUNT; k++) {
        vs_cred_kind back;
        assert_int_equal(vs_cred_kind_parse(vs_cred_kind_id((vs_cred_kind)k), &back), VS_OK);
        assert_int_equal(back, k);
    }
    vs_cred_kind x;
    assert_int_equal(vs_cred_kind_parse("iax", &x), VS_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test_setup_teardown(test_import_fingerprints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_overdue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_weak_and_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
