/* Unit tests for `voipsec creds rotate` (src/creds/rotate.c, freeswitch.c).
 *
 * Asterisk: for each supported format (pjsip.conf, sip.conf, voicemail.conf, manager.conf) the
 * rotated file still loads, only the secret's bytes changed, the mode is kept, the backup holds the
 * old content, the previous secret is refused by check, and neither secret is in the database
 * file; refusals (unknown account, a configuration edited since import, a value inherited from a
 * template, continued with +=, or in an included file, a locked store) write nothing.
 *
 * FreeSWITCH (tests/fixtures/creds/freeswitch, copied to a temporary directory): import takes the
 * expanded value of $${default_password}; rotate of a literal value written with entity references
 * and single quotes, of a $${default_password} reference (replaced by a literal in that user's
 * param only, vars.xml untouched), of a vm-password, and of a secret with & < > " ' (escaped): the
 * file still loads with our reader and is well-formed for libxml2 and xmllint, only the bytes
 * between the value's quotes changed, mode kept, backup present; refusals.
 *
 * Fault injection, both formats: for every step a forked child is stopped there with SIGKILL (the
 * private hook of vs__creds_rotate_hooked; no environment variable exists), and the file is
 * exactly the old or the new content, and after a re-import the store's current fingerprint
 * matches the file and the history has the old one.
 *
 * Argon2id is slow under ASan: each configuration holds few accounts. */
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

#include <libxml/parser.h>
#include <sodium.h>
#include <sqlite3.h>
#include <voipsec/conf.h>
#include <voipsec/creds.h>

#include "creds/creds_internal.h"
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

static void import_dir_ok(const fixture *fx, const char *dir, vs_creds_import_stats *s)
{
    vs_store *st = open_store(fx);
    char err[1024] = "";
    vs_rc rc = vs_creds_import(st, &fx->pol, fx->bl, dir, s, err, sizeof err);
    if (rc != VS_OK)
        fail_msg("import %s: %s", dir, err);
    vs_store_close(st);
}

static vs_rc rotate_dir(const fixture *fx, const char *dir, const char *account, const char *given,
                        char *out, size_t outsize, vs_creds_rotate_result *res, char *err,
                        size_t errlen)
{
    vs_store *st = open_store(fx);
    vs_rc rc =
        vs_creds_rotate(st, &fx->pol, fx->bl, dir, account, given, out, outsize, res, err, errlen);
    vs_store_close(st);
    return rc;
}

static vs_rc rotate(const fixture *fx, const char *account, const char *given, char *out,
                    size_t outsize, vs_creds_rotate_result *res, char *err, size_t errlen)
{
    return rotate_dir(fx, fx->conf, account, given, out, outsize, res, err, errlen);
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

/* The current fingerprint of account (of kind, when kind is not NULL) verifies secret. */
static bool store_current_kind(const fixture *fx, const char *kind, const char *account,
                               const char *secret)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(fx->db, &h), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT fingerprint FROM credential_accounts WHERE "
                                        "account = ?1 AND (?2 IS NULL OR kind = ?2)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
    if (kind)
        sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 2);
    bool ok = false;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *fp = (const char *)sqlite3_column_text(s, 0);
        ok = fp && crypto_pwhash_str_verify(fp, secret, strlen(secret)) == 0;
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    return ok;
}

static bool store_current_is(const fixture *fx, const char *account, const char *secret)
{
    return store_current_kind(fx, NULL, account, secret);
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
    cf_write_file(fx->conf, "auths.conf",
                  "[7001-auth]\ntype=auth\nusername=7001\npassword=" S_C "\n", 0600);
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

/* Fault injection: a child is stopped at step (SIGKILL, as kill -9); the file is the old or the
 * new one, never torn; a re-import makes the store's current fingerprint match the file. */
static const char *const steps[] = {VS__ROTATE_STEPS};

static void kill_at(void *ctx, const char *step)
{
    if (!strcmp(step, (const char *)ctx))
        raise(SIGKILL);
}

/* Runs rotate of account in dir in a child stopped at steps[k]; fails unless it died there. */
static void rotate_killed_at(const fixture *fx, const char *dir, const char *account, size_t k)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char out[1100], err[1024];
        vs_creds_rotate_result res;
        vs_store *st = vs_store_open(fx->db, err, sizeof err);
        if (st)
            vs__creds_rotate_hooked(st, &fx->pol, fx->bl, dir, account, NULL, out, sizeof out, &res,
                                    err, sizeof err, kill_at, (void *)steps[k]);
        _exit(3); /* the hook did not fire */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("step %s: the child was not stopped there (status %d)", steps[k], status);
}

static void fault_at(void **state, size_t k)
{
    fixture *fx = *state;
    const format *f = &formats[3]; /* manager.conf: one account */
    cf_write_file(fx->conf, f->file, f->text, 0640);
    import_ok(fx, NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", fx->conf, f->file);
    rotate_killed_at(fx, fx->conf, f->account, k);

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

/* ---- FreeSWITCH directory XML ---------------------------------------------------------------- */

#define FS_FIXTURE VS_SOURCE_DIR "/tests/fixtures/creds/freeswitch"
#define FS_DEFAULT "Qz7#Lw4!Tp9@Rk2%" /* default_password in vars.xml */
#define FS_1001 "Hn4&bZs8<cYe3\"uJ"   /* 1001's password, written with entity references */
#define FS_1001_RAW "Hn4&amp;bZs8&lt;cYe3&quot;uJ"
#define FS_DOMAIN "pbx.example.test"

static const char *const fs_files[] = {"freeswitch.xml",
                                       "vars.xml",
                                       "directory/default.xml",
                                       "directory/default/1000.xml",
                                       "directory/default/1001.xml",
                                       "directory/default/1002.xml",
                                       "directory/default/1003.xml"};

/* The fixture copied to fx->dir/freeswitch (mode 0640), its path into dir. */
static void fs_copy(const fixture *fx, char *dir, size_t size)
{
    snprintf(dir, size, "%s/freeswitch", fx->dir);
    char sub[256];
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(sub, sizeof sub, "%s/directory", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/directory/default", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    for (size_t i = 0; i < sizeof fs_files / sizeof fs_files[0]; i++) {
        char from[512];
        snprintf(from, sizeof from, "%s/%s", FS_FIXTURE, fs_files[i]);
        size_t len = 0;
        char *text = slurp(from, &len);
        if (!text)
            fail_msg("fixture %s missing", from);
        cf_write_file(dir, fs_files[i], text, 0640);
        free(text);
    }
}

static char *fs_read(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = slurp(path, len);
    if (!text)
        fail_msg("%s missing", path);
    return text;
}

/* The raw text between the quotes of the attribute that follows marker in text. */
static void attr_range(const char *text, const char *marker, size_t *start, size_t *end)
{
    const char *m = strstr(text, marker);
    if (!m)
        fail_msg("'%s' not in the file", marker);
    const char *q = m + strlen(marker) - 1;
    assert_true(*q == '"' || *q == '\'');
    const char *e = strchr(q + 1, *q);
    assert_non_null(e);
    *start = (size_t)(q + 1 - text);
    *end = (size_t)(e - text);
}

/* The value of param of user id as our reader sees the whole configuration in dir. */
static void fs_value(const char *dir, const char *id, const char *param, char *out, size_t size)
{
    vs_conf *c = NULL;
    char err[1024] = "", sec[64];
    if (vs_conf_freeswitch_load(dir, NULL, &c, err, sizeof err) != VS_OK)
        fail_msg("the rotated configuration does not load: %s", err);
    snprintf(sec, sizeof sec, "user:%s", id);
    const vs_conf_section *s = vs_conf_find(c, sec);
    assert_non_null(s);
    const char *v = vs_conf_value(c, s, param);
    assert_non_null(v);
    snprintf(out, size, "%s", v);
    vs_conf_free(c);
}

/* Well-formed for libxml2 itself and for xmllint (when installed). */
static void assert_well_formed(const char *dir, const char *name)
{
    char path[512], cmd[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    xmlDocPtr doc =
        xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        fail_msg("%s is not well-formed XML", path);
    xmlFreeDoc(doc);
    if (system("command -v xmllint >/dev/null 2>&1") != 0) {
        print_message("xmllint not installed: %s checked with libxml2 only\n", path);
        return;
    }
    snprintf(cmd, sizeof cmd, "xmllint --noout --nonet '%s'", path);
    if (system(cmd) != 0)
        fail_msg("xmllint refuses %s", path);
}

/* After a rotate of name's value that followed marker: the file is the old one with only the
 * bytes between the quotes replaced by want_raw, mode 0640, backup = old; well-formed. */
static void assert_only_value_changed(const char *dir, const char *name, const char *old,
                                      const char *marker, const char *want_raw)
{
    size_t start, end, len = 0;
    attr_range(old, marker, &start, &end);
    char *now = fs_read(dir, name, &len);
    size_t rl = strlen(want_raw);
    assert_int_equal(len, strlen(old) - (end - start) + rl);
    assert_memory_equal(now, old, start);
    assert_memory_equal(now + start, want_raw, rl);
    assert_memory_equal(now + start + rl, old + end, strlen(old) - end);
    free(now);
    char path[512], bak[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(bak, sizeof bak, "%s.voipsec-bak", path);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    assert_int_equal(stat(bak, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    char *b = slurp(bak, &len);
    assert_non_null(b);
    assert_string_equal(b, old);
    free(b);
    assert_well_formed(dir, name);
}

static void test_fs_import(void **state)
{
    fixture *fx = *state;
    char dir[160];
    fs_copy(fx, dir, sizeof dir);
    vs_creds_import_stats s;
    import_dir_ok(fx, dir, &s);
    /* sip 1000, 1001, 1003; voicemail 1000, 1002 (1002's SIP secret is an a1-hash) */
    assert_int_equal(s.accounts, 5);
    assert_int_equal(s.added, 5);
    assert_int_equal(s.reused, 2); /* 1000 and 1003 both say $${default_password} */
    /* the fingerprint is of the expanded value, not of the reference */
    assert_true(store_current_kind(fx, "sip", "1000@" FS_DOMAIN, FS_DEFAULT));
    assert_false(store_current_kind(fx, "sip", "1000@" FS_DOMAIN, "$${default_password}"));
    assert_true(store_current_kind(fx, "sip", "1003@" FS_DOMAIN, FS_DEFAULT));
    assert_true(store_current_kind(fx, "sip", "1001@" FS_DOMAIN, FS_1001)); /* entities decoded */
    assert_true(store_current_kind(fx, "voicemail", "1000@" FS_DOMAIN, "582914"));
    assert_true(store_current_kind(fx, "voicemail", "1002@" FS_DOMAIN, "703168"));
    assert_false(
        store_current_kind(fx, "sip", "1002@" FS_DOMAIN, "c6d4b2a9e0f1d3c5b7a9e1f3d5c7b9a1"));
    static const char *const planted[] = {FS_DEFAULT, FS_1001, FS_1001_RAW, "582914", "703168"};
    for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++)
        assert_not_in_db(fx, planted[i]);
    import_dir_ok(fx, dir, &s);
    assert_int_equal(s.unchanged, 5);
    assert_int_equal(s.changed + s.added, 0);
}

/* A literal value in single quotes, written with entity references, on a line with another
 * <param> and below a comment holding the same text. */
static void test_fs_rotate_literal(void **state)
{
    fixture *fx = *state;
    char dir[160];
    fs_copy(fx, dir, sizeof dir);
    import_dir_ok(fx, dir, NULL);
    size_t len = 0;
    char *old = fs_read(dir, "directory/default/1001.xml", &len);
    char out[1100], err[1024] = "";
    vs_creds_rotate_result res;
    vs_rc rc = rotate_dir(fx, dir, "1001@" FS_DOMAIN, NULL, out, sizeof out, &res, err, sizeof err);
    if (rc != VS_OK)
        fail_msg("rotate: %s", err);
    assert_true(res.rotated);
    assert_string_equal(res.replaced_var, "");
    assert_int_equal(res.line, 4);
    assert_non_null(strstr(res.file, "directory/default/1001.xml"));
    char esc[2048];
    assert_int_equal(vs__creds_xml_escape(out, esc, sizeof esc), VS_OK);
    assert_only_value_changed(dir, "directory/default/1001.xml", old, "value = '", esc);
    /* the comment above still holds the old text: only the live value changed */
    char *now = fs_read(dir, "directory/default/1001.xml", &len);
    assert_non_null(strstr(now, "value=\"" FS_1001_RAW "\"/> -->"));
    free(now);
    free(old);
    char v[256];
    fs_value(dir, "1001", "password", v, sizeof v);
    assert_string_equal(v, out);
    assert_true(store_current_kind(fx, "sip", "1001@" FS_DOMAIN, out));
    assert_int_equal(history_count(fx), 1);
    vs_creds_import_stats s;
    import_dir_ok(fx, dir, &s);
    assert_int_equal(s.changed, 0);
    assert_not_in_db(fx, out);
    assert_not_in_db(fx, FS_1001);
}

/* A $${default_password} reference: this user's param gets a literal, vars.xml and user 1003
 * keep the default. The given secret holds & < > " ', escaped in the file. */
static void test_fs_rotate_var_and_xml_chars(void **state)
{
    fixture *fx = *state;
    char dir[160];
    fs_copy(fx, dir, sizeof dir);
    import_dir_ok(fx, dir, NULL);
    size_t len = 0;
    char *old = fs_read(dir, "directory/default/1000.xml", &len);
    char *vars = fs_read(dir, "vars.xml", &len);
    static const char given[] = "Kp3&<x>\"q'Z9#w!Lm";
    char out[1100], err[1024] = "";
    vs_creds_rotate_result res;
    vs_rc rc =
        rotate_dir(fx, dir, "1000@" FS_DOMAIN, given, out, sizeof out, &res, err, sizeof err);
    if (rc != VS_OK)
        fail_msg("rotate: %s", err);
    if (!res.rotated)
        fail_msg("refused: %s", res.verdict.reason);
    assert_string_equal(out, given);
    assert_string_equal(res.replaced_var, "default_password");
    assert_only_value_changed(dir, "directory/default/1000.xml", old, "name=\"password\" value=\"",
                              "Kp3&amp;&lt;x&gt;&quot;q&apos;Z9#w!Lm");
    char *vars_now = fs_read(dir, "vars.xml", &len);
    assert_string_equal(vars_now, vars); /* the variable is not rewritten */
    free(vars_now);
    free(vars);
    free(old);
    char v[256];
    fs_value(dir, "1000", "password", v, sizeof v);
    assert_string_equal(v, given);
    fs_value(dir, "1003", "password", v, sizeof v);
    assert_string_equal(v, FS_DEFAULT);
    assert_true(store_current_kind(fx, "sip", "1000@" FS_DOMAIN, given));
    assert_true(store_current_kind(fx, "sip", "1003@" FS_DOMAIN, FS_DEFAULT));
    vs_creds_import_stats s;
    import_dir_ok(fx, dir, &s);
    assert_int_equal(s.changed, 0);
    assert_int_equal(s.unchanged, 5);
    assert_not_in_db(fx, given);
    assert_not_in_db(fx, "Kp3&amp;&lt;x");
    assert_not_in_db(fx, FS_DEFAULT);
}

static void test_fs_rotate_voicemail(void **state)
{
    fixture *fx = *state;
    char dir[160];
    fs_copy(fx, dir, sizeof dir);
    import_dir_ok(fx, dir, NULL);
    size_t len = 0;
    char *old = fs_read(dir, "directory/default/1000.xml", &len);
    char out[1100], err[1024] = "";
    vs_creds_rotate_result res;
    vs_rc rc = rotate_dir(fx, dir, "voicemail:1000@" FS_DOMAIN, NULL, out, sizeof out, &res, err,
                          sizeof err);
    if (rc != VS_OK)
        fail_msg("rotate: %s", err);
    assert_true(res.rotated);
    assert_int_equal(strspn(out, "0123456789"), strlen(out));
    assert_only_value_changed(dir, "directory/default/1000.xml", old,
                              "name=\"vm-password\" value=\"", out);
    free(old);
    char v[64];
    fs_value(dir, "1000", "vm-password", v, sizeof v);
    assert_string_equal(v, out);
    assert_true(store_current_kind(fx, "voicemail", "1000@" FS_DOMAIN, out));
    assert_true(store_current_kind(fx, "sip", "1000@" FS_DOMAIN, FS_DEFAULT));
}

static void fs_expect_refused(const fixture *fx, const char *dir, const char *name,
                              const char *account, const char *given, vs_rc want, const char *words)
{
    size_t len0, len1;
    char *before = fs_read(dir, name, &len0);
    char out[1100], err[1024] = "";
    vs_creds_rotate_result res;
    vs_rc rc = rotate_dir(fx, dir, account, given, out, sizeof out, &res, err, sizeof err);
    if (rc != want || !strstr(err, words))
        fail_msg("rotate %s: rc %d, err '%s' (want %d, '%s')", account, (int)rc, err, (int)want,
                 words);
    assert_false(res.rotated);
    char *after = fs_read(dir, name, &len1);
    assert_int_equal(len0, len1);
    assert_memory_equal(before, after, len0);
    free(before);
    free(after);
    char bak[600];
    snprintf(bak, sizeof bak, "%s/%s.voipsec-bak", dir, name);
    assert_int_not_equal(access(bak, F_OK), 0);
}

static void test_fs_refusals(void **state)
{
    fixture *fx = *state;
    char dir[160];
    fs_copy(fx, dir, sizeof dir);
    /* 1004: a password inherited from the group; 1005: a variable mixed with text (a line holding
     * <include> is dropped by the preprocessor, as FreeSWITCH does: keep the user off it) */
    cf_write_file(dir, "directory/default/1004.xml",
                  "<include>\n<user id=\"1004\"><params><param name=\"vm-password\" "
                  "value=\"396185\"/></params></user>\n</include>\n",
                  0640);
    cf_write_file(dir, "directory/default/1005.xml",
                  "<include>\n  <user id=\"1005\">\n    <params>\n      <param name=\"password\" "
                  "value=\"x9$${default_password}\"/>\n    </params>\n  </user>\n</include>\n",
                  0640);
    /* 1006: a commented-out copy of the param before the live one on the same line: the reader
     * places the value inside the comment; rotate must notice and write nothing */
    cf_write_file(dir, "directory/default/1006.xml",
                  "<include>\n  <user id=\"1006\">\n    <params>\n      <!-- <param "
                  "name=\"password\" value=\"Tb5#Vn8!Xc3@Zq6%\"/> --> <param name=\"password\" "
                  "value=\"Tb5#Vn8!Xc3@Zq6%\"/>\n    </params>\n  </user>\n</include>\n",
                  0640);
    size_t len = 0;
    char *dflt = fs_read(dir, "directory/default.xml", &len);
    const char *at = strstr(dflt, "<group name=\"default\">");
    assert_non_null(at);
    char *edited = malloc(len + 200);
    assert_non_null(edited);
    size_t pre = (size_t)(at - dflt) + strlen("<group name=\"default\">");
    snprintf(edited, len + 200,
             "%.*s<params><param name=\"password\" value=\"Gr6!pWd2?mKx9#tQ\"/>"
             "</params>%s",
             (int)pre, dflt, dflt + pre);
    cf_write_file(dir, "directory/default.xml", edited, 0640);
    free(edited);
    free(dflt);
    import_dir_ok(fx, dir, NULL);

    fs_expect_refused(fx, dir, "directory/default.xml", "1004@" FS_DOMAIN, NULL, VS_E_PARSE,
                      "inherited from the user's group or domain");
    fs_expect_refused(fx, dir, "directory/default/1005.xml", "1005@" FS_DOMAIN, NULL, VS_E_PARSE,
                      "mixes a $${variable} with other text");
    fs_expect_refused(fx, dir, "directory/default/1006.xml", "1006@" FS_DOMAIN, NULL, VS_E_PARSE,
                      "no <param name=\"password\" value=\"...\"> at the place the reader found");
    /* given secrets the XML cannot hold */
    fs_expect_refused(fx, dir, "directory/default/1001.xml", "1001@" FS_DOMAIN,
                      "Kp3#new$${x}secret", VS_E_INVAL, "cannot hold");
    fs_expect_refused(fx, dir, "directory/default/1001.xml", "1001@" FS_DOMAIN, "Kp3#new\tsecret!",
                      VS_E_INVAL, "cannot hold");
    fs_expect_refused(fx, dir, "directory/default/1001.xml", "1001@" FS_DOMAIN,
                      "Kp3#X-Pre-Process!9", VS_E_INVAL, "cannot hold");
    fs_expect_refused(fx, dir, "directory/default/1001.xml", "1001@" FS_DOMAIN,
                      "Kp3#new\xc3(secret!", VS_E_INVAL, "cannot hold");
    /* edited by hand since the import; and vars.xml's default changed under 1000 */
    size_t l1;
    char *t = fs_read(dir, "directory/default/1001.xml", &l1);
    char *p = strstr(t, "value = 'Hn4&amp;"); /* the live value, not the comment's copy */
    assert_non_null(p);
    p[9] = 'J';
    cf_write_file(dir, "directory/default/1001.xml", t, 0640);
    free(t);
    fs_expect_refused(fx, dir, "directory/default/1001.xml", "1001@" FS_DOMAIN, NULL, VS_E_PARSE,
                      "changed since the last import");
    t = fs_read(dir, "vars.xml", &l1);
    p = strstr(t, "Qz7#");
    assert_non_null(p);
    p[0] = 'W';
    cf_write_file(dir, "vars.xml", t, 0640);
    free(t);
    fs_expect_refused(fx, dir, "directory/default/1000.xml", "1000@" FS_DOMAIN, NULL, VS_E_PARSE,
                      "changed since the last import");
    assert_int_equal(history_count(fx), 0);
}

/* Crash at each step while user 1000's $${default_password} is replaced. */
static void fs_fault_at(void **state, size_t k)
{
    fixture *fx = *state;
    char dir[160];
    fs_copy(fx, dir, sizeof dir);
    import_dir_ok(fx, dir, NULL);
    size_t len = 0;
    char *old = fs_read(dir, "directory/default/1000.xml", &len);
    rotate_killed_at(fx, dir, "sip:1000@" FS_DOMAIN, k);
    bool renamed = k >= 3;
    char *now = fs_read(dir, "directory/default/1000.xml", &len);
    struct stat sb;
    char path[512];
    snprintf(path, sizeof path, "%s/directory/default/1000.xml", dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    char secret[256];
    if (!renamed) {
        assert_string_equal(now, old); /* exactly the old file */
        snprintf(secret, sizeof secret, "%s", FS_DEFAULT);
    } else {
        /* exactly the new file: the old bytes around a complete new value */
        size_t start, end;
        attr_range(old, "name=\"password\" value=\"", &start, &end);
        size_t post = strlen(old) - end;
        assert_true(len > start + post);
        assert_memory_equal(now, old, start);
        assert_string_equal(now + len - post, old + end);
        size_t n = len - start - post;
        assert_true(n >= 12 && n < sizeof secret);
        memcpy(secret, now + start, n);
        secret[n] = '\0';
        assert_null(strpbrk(secret, "\"<>&$\n"));
        assert_well_formed(dir, "directory/default/1000.xml");
        char v[256];
        fs_value(dir, "1000", "password", v, sizeof v);
        assert_string_equal(v, secret);
        /* the store still holds the old fingerprint: rotate refuses until a re-import */
        char out[1100], err[1024] = "";
        vs_creds_rotate_result res;
        assert_int_equal(rotate_dir(fx, dir, "sip:1000@" FS_DOMAIN, NULL, out, sizeof out, &res,
                                    err, sizeof err),
                         VS_E_PARSE);
        assert_non_null(strstr(err, "changed since the last import"));
    }
    free(now);
    free(old);
    vs_creds_import_stats s;
    import_dir_ok(fx, dir, &s);
    assert_int_equal(s.changed, renamed ? 1 : 0);
    assert_true(store_current_kind(fx, "sip", "1000@" FS_DOMAIN, secret));
    assert_true(store_current_kind(fx, "sip", "1003@" FS_DOMAIN, FS_DEFAULT));
    assert_int_equal(history_count(fx), renamed ? 1 : 0);
    assert_not_in_db(fx, secret);
}

static void test_fs_fault_after_temp_write(void **state)
{
    fs_fault_at(state, 0);
}
static void test_fs_fault_after_temp_fsync(void **state)
{
    fs_fault_at(state, 1);
}
static void test_fs_fault_after_backup(void **state)
{
    fs_fault_at(state, 2);
}
static void test_fs_fault_after_rename(void **state)
{
    fs_fault_at(state, 3);
}
static void test_fs_fault_before_store_commit(void **state)
{
    fs_fault_at(state, 4);
}

/* The escaping and the characters refused (no store needed). */
static void test_xml_escape(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(vs__creds_xml_escape("a&b<c>d\"e'f", out, sizeof out), VS_OK);
    assert_string_equal(out, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    assert_int_equal(vs__creds_xml_escape("&&&&&&&&&&&&&", out, 16), VS_E_LIMIT);
    assert_true(vs__creds_xml_writable("Kp3&<x>\"q';Z9\\w,!"));
    assert_true(vs__creds_xml_writable("Gr\xc3\xbc\xc3\x9f"
                                       "e#9kQ!"));
    assert_false(vs__creds_xml_writable(""));
    assert_false(vs__creds_xml_writable(" lead"));
    assert_false(vs__creds_xml_writable("trail "));
    assert_false(vs__creds_xml_writable("a$b"));
    assert_false(vs__creds_xml_writable("a\nb"));
    assert_false(vs__creds_xml_writable("a\x7f"
                                        "b"));
    assert_false(vs__creds_xml_writable("a\xc0\xafz"));     /* overlong */
    assert_false(vs__creds_xml_writable("a\xed\xa0\x80z")); /* surrogate */
    assert_false(vs__creds_xml_writable("ax-pre-processz"));
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
        cmocka_unit_test(test_xml_escape),
        cmocka_unit_test_setup_teardown(test_fs_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_rotate_literal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_rotate_var_and_xml_chars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_rotate_voicemail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_fault_after_temp_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_fault_after_temp_fsync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_fault_after_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_fault_after_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_fault_before_store_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
