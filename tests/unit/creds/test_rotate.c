/* Unit tests for `voipsec creds rotate` (src/creds/rotate.c): for each supported Asterisk format
 * (pjsip.conf, sip.conf, voicemail.conf, manager.conf) the rotated file still loads, only the
 * secret's bytes changed, the mode is kept, the backup holds the old content, the previous secret
 * is refused by check, and neither secret is in the database file; refusals (unknown account, a
 * configuration edited since import, a value inherited from a template, continued with +=, or in
 * an included file, a locked store) write nothing; and fault injection: for every
 * VOIPSEC_ROTATE_FAIL_AT step a forked child aborts there, and the file is exactly the old or the
 * new content, and after a re-import the store's current fingerprint matches the file.
 *
 * Argon2id is slow under ASan: each configuration holds one or two accounts. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>
#include <voipsec/conf.h>
#include <voipsec/creds.h>

#include "creds_fixture.h"

#define VS_TEST_DATA_DIR VS_SOURCE_DIR "/data"

#define S_A "Vt7#qLm9!xRw2@kP"
#define S_B "Hn4%bZs8+cYe3=uJ"
#define S_C "Gr6!pWd2?mKx9#tQ"

/* the temporary directory, policy and blocklist: tests/support/creds_fixture.h */
#define setup cf_setup
#define teardown cf_teardown

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r < 4096)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static vs_store *open_store(const fixture *fx)
{
    char err[1024];
    vs_store *st = vs_store_open(fx->db, err, sizeof err);
    if (!st)
        fail_msg("%s", err);
    return st;
}

static void import_ok(const fixture *fx, vs_creds_import_stats *s)
{
    vs_store *st = open_store(fx);
    char err[1024] = "";
    vs_rc rc = vs_creds_import(st, &fx->pol, fx->bl, fx->conf, s, err, sizeof err);
    if (rc != VS_OK)
        fail_msg("import: %s", err);
    vs_store_close(st);
}

static vs_rc rotate(const fixture *fx, const char *account, const char *given, char *out,
                    size_t outsize, vs_creds_rotate_result *res, char *err, size_t errlen)
{
    vs_store *st = open_store(fx);
    vs_rc rc = vs_creds_rotate(st, &fx->pol, fx->bl, fx->conf, account, given, out, outsize, res,
                               err, errlen);
    vs_store_close(st);
    return rc;
}

/* Neither secret in the database file nor its WAL. */
static void assert_not_in_db(const fixture *fx, const char *secret)
{
    char path[128];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s%s", fx->db, i ? "-wal" : "");
        size_t len = 0;
        char *data = slurp(path, &len);
        if (!data)
            continue;
        if (memmem(data, len, secret, strlen(secret)))
            fail_msg("a secret is in %s", path);
        free(data);
    }
}

/* The current fingerprint of account in the store verifies secret. */
static bool store_current_is(const fixture *fx, const char *account, const char *secret)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(fx->db, &h), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(h, "SELECT fingerprint FROM credential_accounts WHERE account = ?", -1,
                           &s, NULL),
        SQLITE_OK);
    sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
    bool ok = false;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *fp = (const char *)sqlite3_column_text(s, 0);
        ok = fp && crypto_pwhash_str_verify(fp, secret, strlen(secret)) == 0;
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    return ok;
}

static long history_count(const fixture *fx)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(fx->db, &h), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM credential_history", -1, &s, NULL),
                     SQLITE_OK);
    long n = sqlite3_step(s) == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

/* One supported format: the file, its text, the account, the old secret, and the text right
 * before the secret (to find its bytes). */
typedef struct format {
    const char *file;
    const char *text;
    const char *account;
    const char *old;
    const char *before;
} format;

static const format formats[] = {
    {"pjsip.conf",
     "; phones\n[6001]\ntype=endpoint\nauth=6001-auth\n\n"
     "[6001-auth]\ntype=auth\nauth_type=userpass\nusername=6001\npassword = " S_A
     "   ; set by hand\n\n[6002-auth]\ntype=auth\nusername=alice\npassword=" S_B "\n",
     "6001-auth", S_A, "password = "},
    {"sip.conf",
     "[general]\ncontext=default\n\n[alice]\ntype=friend\nhost=dynamic\nsecret=" S_B
     "\ncontext=office\n",
     "alice", S_B, "secret="},
    {"voicemail.conf",
     "[general]\nformat=wav\n\n[default]\n6001 => 4829,Front Desk,front@example.com\n"
     "6002 => -7351,Back Office\n",
     "6002@default", "7351", "6002 => -"},
    {"manager.conf", "[general]\nenabled=yes\n\n[admin]\nsecret=" S_C "\nread=all\n", "admin", S_C,
     "secret="},
};

static void rotate_format(void **state, const format *f)
{
    fixture *fx = *state;
    cf_write_file(fx->conf, f->file, f->text, 0640);
    import_ok(fx, NULL);
    char path[256], bak[300], out[1100], err[1024] = "";
    snprintf(path, sizeof path, "%s/%s", fx->conf, f->file);
    snprintf(bak, sizeof bak, "%s.voipsec-bak", path);
    vs_creds_rotate_result res;
    vs_rc rc = rotate(fx, f->account, NULL, out, sizeof out, &res, err, sizeof err);
    if (rc != VS_OK)
        fail_msg("rotate %s: %s", f->account, err);
    assert_true(res.rotated);
    assert_true(out[0] != '\0');
    assert_string_not_equal(out, f->old);

    /* only the secret's bytes changed */
    const char *at = strstr(f->text, f->before);
    assert_non_null(at);
    size_t pre = (size_t)(at - f->text) + strlen(f->before);
    assert_memory_equal(f->text + pre, f->old, strlen(f->old));
    size_t len = 0;
    char *now = slurp(path, &len);
    assert_non_null(now);
    size_t want = strlen(f->text) - strlen(f->old) + strlen(out);
    assert_int_equal(len, want);
    assert_memory_equal(now, f->text, pre);
    assert_memory_equal(now + pre, out, strlen(out));
    assert_string_equal(now + pre + strlen(out), f->text + pre + strlen(f->old));
    free(now);

    /* the file still loads, with the new secret */
    vs_conf *c = NULL;
    assert_int_equal(vs_conf_asterisk_load(path, NULL, &c, err, sizeof err), VS_OK);
    vs_conf_free(c);

    /* mode kept, backup present with the old content and the same mode */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    assert_int_equal(stat(bak, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    char *old = slurp(bak, &len);
    assert_non_null(old);
    assert_string_equal(old, f->text);
    free(old);
    assert_string_equal(res.backup + strlen(res.backup) - strlen(".voipsec-bak"), ".voipsec-bak");

    /* history: the previous secret is refused, the new one is current */
    vs_store *st = open_store(fx);
    vs_creds_verdict v;
    assert_int_equal(vs_creds_check(st, &fx->pol, fx->bl, f->account, f->old, &v, err, sizeof err),
                     VS_OK);
    assert_false(v.ok);
    assert_true(v.in_history);
    vs_store_close(st);
    assert_true(store_current_is(fx, f->account, out));
    assert_int_equal(history_count(fx), 1);

    /* a re-import agrees: nothing changed */
    vs_creds_import_stats s;
    import_ok(fx, &s);
    assert_int_equal(s.changed, 0);

    assert_not_in_db(fx, out);
    assert_not_in_db(fx, f->old);
}

static void test_rotate_pjsip(void **state)
{
    rotate_format(state, &formats[0]);
}
static void test_rotate_sip(void **state)
{
    rotate_format(state, &formats[1]);
}
static void test_rotate_voicemail(void **state)
{
    rotate_format(state, &formats[2]);
}
static void test_rotate_manager(void **state)
{
    rotate_format(state, &formats[3]);
}

/* A given secret: used when the policy allows it, refused (nothing written) when it does not. */
static void test_rotate_given_secret(void **state)
{
    fixture *fx = *state;
    cf_write_file(fx->conf, formats[3].file, formats[3].text, 0600);
    import_ok(fx, NULL);
    char path[256], out[1100], err[1024] = "";
    snprintf(path, sizeof path, "%s/%s", fx->conf, formats[3].file);
    vs_creds_rotate_result res;
    assert_int_equal(rotate(fx, "admin", "welcome1", out, sizeof out, &res, err, sizeof err),
                     VS_OK);
    assert_false(res.rotated);
    assert_false(res.verdict.ok);
    assert_int_equal(rotate(fx, "admin", S_C, out, sizeof out, &res, err, sizeof err), VS_OK);
    assert_false(res.rotated);
    assert_true(res.verdict.in_history);
    assert_int_equal(rotate(fx, "admin", "Kp3#new;secret", out, sizeof out, &res, err, sizeof err),
                     VS_E_INVAL);
    size_t len;
    char *now = slurp(path, &len);
    assert_string_equal(now, formats[3].text);
    free(now);
    assert_int_equal(rotate(fx, "admin", S_A, out, sizeof out, &res, err, sizeof err), VS_OK);
    assert_true(res.rotated);
    assert_string_equal(out, S_A);
    now = slurp(path, &len);
    assert_non_null(strstr(now, "secret=" S_A "\n"));
    free(now);
}

/* Refusals: a clear error and nothing written. */
static void expect_refused(const fixture *fx, const char *file, const char *account, vs_rc want,
                           const char *words)
{
    char path[256], out[1100], err[1024] = "";
    snprintf(path, sizeof path, "%s/%s", fx->conf, file);
    size_t len0, len1;
    char *before = slurp(path, &len0);
    assert_non_null(before);
    vs_creds_rotate_result res;
    vs_rc rc = rotate(fx, account, NULL, out, sizeof out, &res, err, sizeof err);
    if (rc != want || !strstr(err, words))
        fail_msg("rotate %s: rc %d, err '%s' (want %d, '%s')", account, (int)rc, err, (int)want,
                 words);
    assert_false(res.rotated);
    char *after = slurp(path, &len1);
    assert_non_null(after);
    assert_int_equal(len0, len1);
    assert_memory_equal(before, after, len0);
    free(before);
    free(after);
    char bak[300];
    snprintf(bak, sizeof bak, "%s.voipsec-bak", path);
    assert_int_not_equal(access(bak, F_OK), 0);
}

static void test_rotate_refusals(void **state)
{
    fixture *fx = *state;
    cf_write_file(fx->conf, "sip.conf",
               "[tpl](!)\nsecret=" S_A "\n\n[bob](tpl)\ntype=friend\nhost=dynamic\n\n"
               "[carol]\ntype=friend\nhost=dynamic\nsecret=Hn4%bZs8\nsecret+=+cYe3=uJ\n",
               0600);
    cf_write_file(fx->conf, "pjsip.conf", "#include \"auths.conf\"\n", 0600);
    cf_write_file(fx->conf, "auths.conf", "[7001-auth]\ntype=auth\nusername=7001\npassword=" S_C "\n",
               0600);
    cf_write_file(fx->conf, "manager.conf", "[admin]\nsecret=" S_B "\n", 0600);
    import_ok(fx, NULL);
    expect_refused(fx, "sip.conf", "nosuch", VS_E_NOTFOUND, "no account");
    expect_refused(fx, "sip.conf", "bob", VS_E_PARSE, "template");
    expect_refused(fx, "sip.conf", "carol", VS_E_PARSE, "+=");
    expect_refused(fx, "auths.conf", "7001-auth", VS_E_PARSE, "included");

    /* a locked store */
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(fx->db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    expect_refused(fx, "manager.conf", "admin", VS_E_IO, "nothing written");
    sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(h);

    /* edited by hand since the import */
    cf_write_file(fx->conf, "manager.conf", "[admin]\nsecret=" S_A "\n", 0600);
    expect_refused(fx, "manager.conf", "admin", VS_E_PARSE, "changed since the last import");
    assert_int_equal(history_count(fx), 0);
}

/* Fault injection: a child aborts at step; the file is the old or the new one, never torn; a
 * re-import makes the store's current fingerprint match the file. */
static const char *const steps[] = {"after-temp-write", "after-temp-fsync", "after-backup",
                                    "after-rename", "before-store-commit"};

static void fault_at(void **state, size_t k)
{
    fixture *fx = *state;
    const format *f = &formats[3]; /* manager.conf: one account */
    cf_write_file(fx->conf, f->file, f->text, 0640);
    import_ok(fx, NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", fx->conf, f->file);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGABRT, SIG_DFL); /* cmocka catches it in the parent's runner; die as kill -9 */
        setenv("VOIPSEC_ROTATE_FAIL_AT", steps[k], 1);
        char out[1100], err[1024];
        vs_creds_rotate_result res;
        vs_store *st = vs_store_open(fx->db, err, sizeof err);
        if (st)
            vs_creds_rotate(st, &fx->pol, fx->bl, fx->conf, f->account, NULL, out, sizeof out, &res,
                            err, sizeof err);
        _exit(3); /* the hook did not fire */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("step %s: the child was not stopped there (status %d)", steps[k], status);

    bool renamed = k >= 3;
    size_t len = 0;
    char *now = slurp(path, &len);
    assert_non_null(now); /* never missing */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    const char *at = strstr(f->text, f->before);
    size_t pre = (size_t)(at - f->text) + strlen(f->before);
    size_t post = strlen(f->text) - pre - strlen(f->old);
    char secret[256] = "";
    if (!renamed) {
        assert_int_equal(len, strlen(f->text));
        assert_string_equal(now, f->text); /* exactly the old file */
        snprintf(secret, sizeof secret, "%s", f->old);
    } else {
        /* exactly the new file: the old bytes around a complete new secret on its line */
        assert_true(len > pre + post);
        assert_memory_equal(now, f->text, pre);
        assert_string_equal(now + len - post, f->text + pre + strlen(f->old));
        size_t n = len - pre - post;
        assert_true(n >= 12 && n < sizeof secret);
        memcpy(secret, now + pre, n);
        secret[n] = '\0';
        assert_null(strpbrk(secret, "\n; "));
        assert_string_not_equal(secret, f->old);
        /* the store still holds the old fingerprint: rotate refuses until a re-import */
        char out[1100], err[1024] = "";
        vs_creds_rotate_result res;
        assert_int_equal(rotate(fx, f->account, NULL, out, sizeof out, &res, err, sizeof err),
                         VS_E_PARSE);
        assert_non_null(strstr(err, "changed since the last import"));
    }
    free(now);

    /* re-import reconciles: the current fingerprint matches the file, the old one in history */
    vs_creds_import_stats s;
    import_ok(fx, &s);
    assert_int_equal(s.changed, renamed ? 1 : 0);
    assert_true(store_current_is(fx, f->account, secret));
    assert_int_equal(history_count(fx), renamed ? 1 : 0);
    assert_not_in_db(fx, secret);
}

static void test_fault_after_temp_write(void **state)
{
    fault_at(state, 0);
}
static void test_fault_after_temp_fsync(void **state)
{
    fault_at(state, 1);
}
static void test_fault_after_backup(void **state)
{
    fault_at(state, 2);
}
static void test_fault_after_rename(void **state)
{
    fault_at(state, 3);
}
static void test_fault_before_store_commit(void **state)
{
    fault_at(state, 4);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rotate_pjsip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_sip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_voicemail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_manager, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_given_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_after_temp_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_after_temp_fsync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_after_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_after_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_before_store_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
