/* Unit tests for the equipment access log (src/access/): append and verify, the key file (made
 * 0600 on first use; refused when readable by others, of the wrong size or content, or missing
 * while the log holds records), a wrong key, tampering done with plain SQL from another
 * connection (edit, delete, swap, forged insertions, a cut tail with and without the head, a
 * deleted head), two processes appending at once, and a corrupted or locked database.
 *
 * Every test works in its own mkdtemp directory under /tmp, removed afterwards. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>
#include <voipsec/access.h>
#include <voipsec/store.h>

typedef struct fixture {
    char dir[64];
    char db[128];
    char key[160];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    strcpy(fx->dir, "/tmp/vs-access-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof fx->db, "%s/voipsec.db", fx->dir);
    snprintf(fx->key, sizeof fx->key, "%s.access-key", fx->db);
    unsetenv("VOIPSEC_DB_BUSY_MS");
    *state = fx;
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fx);
    unsetenv("VOIPSEC_DB_BUSY_MS");
    return 0;
}

static vs_store *must_open(const char *path)
{
    char err[1024];
    vs_store *st = vs_store_open(path, err, sizeof err);
    if (!st)
        fail_msg("vs_store_open(%s): %s", path, err);
    return st;
}

static vs_access *must_access(vs_store *st, const char *key)
{
    char err[1024];
    vs_access *a = vs_access_open(st, key, err, sizeof err);
    if (!a)
        fail_msg("vs_access_open: %s", err);
    return a;
}

/* Opens store and log, appends n records (who-1..who-n at fixed times), closes. */
static void fill(const fixture *fx, int n)
{
    vs_store *st = must_open(fx->db);
    vs_access *a = must_access(st, NULL);
    for (int i = 1; i <= n; i++) {
        char who[32], what[32];
        snprintf(who, sizeof who, "tech-%d", i);
        snprintf(what, sizeof what, i % 2 ? "PBX rack" : "phone room");
        int64_t seq = 0;
        assert_int_equal(vs_access_add(a, who, what, "open", i % 3 ? "maintenance" : NULL,
                                       INT64_C(1764403200000000) + i * INT64_C(60000000), &seq),
                         VS_OK);
        assert_true(seq >= 1);
    }
    vs_access_close(a);
    vs_store_close(st);
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("raw_exec(%s): %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

static long long raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void raw_text(const char *path, const char *sql, char *buf, size_t size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(s, 0);
    snprintf(buf, size, "%s", t ? t : "");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* Verifies with the default key; returns the report. */
static vs_access_report verify(const fixture *fx, int64_t expect_seq, const char *expect_mac)
{
    vs_store *st = must_open(fx->db);
    vs_access *a = must_access(st, NULL);
    vs_access_report r;
    assert_int_equal(vs_access_verify(a, expect_seq, expect_mac, &r), VS_OK);
    vs_access_close(a);
    vs_store_close(st);
    return r;
}

static void expect_problem(const fixture *fx, vs_access_problem p, int64_t seq)
{
    vs_access_report r = verify(fx, 0, NULL);
    if (r.problem != p || r.bad_seq != seq)
        fail_msg("expected %s at %lld, got %s at %lld: %s", vs_access_problem_id(p), (long long)seq,
                 vs_access_problem_id(r.problem), (long long)r.bad_seq, r.detail);
}

static unsigned mode_of(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        fail_msg("stat %s: %s", path, strerror(errno));
    return sb.st_mode & 07777;
}

/* ---- append, show, verify ---------------------------------------------------------------------
 */

typedef struct shown {
    int n;
    int64_t last_seq;
    char whos[8][32];
} shown;

static bool collect(void *ctx, const vs_access_entry *e)
{
    shown *s = ctx;
    if (s->n < 8)
        snprintf(s->whos[s->n], sizeof s->whos[0], "%s", e->who);
    assert_true(e->seq > s->last_seq);
    assert_int_equal(strlen(e->mac), VS_ACCESS_MAC_HEX);
    s->last_seq = e->seq;
    s->n++;
    return true;
}

static void test_append_and_verify(void **state)
{
    fixture *fx = *state;
    mode_t old = umask(0); /* the key must be 0600 whatever the umask */
    fill(fx, 5);
    umask(old);
    assert_int_equal(mode_of(fx->key), 0600);
    struct stat sb;
    assert_int_equal(stat(fx->key, &sb), 0);
    assert_int_equal(sb.st_size, 65); /* 64 hex digits and a newline */

    vs_access_report r = verify(fx, 0, NULL);
    assert_int_equal(r.problem, VS_ACCESS_OK);
    assert_int_equal(r.count, 5);
    assert_int_equal(r.head_seq, 5);
    assert_int_equal(strlen(r.head_mac), VS_ACCESS_MAC_HEX);
    char mac5[80];
    raw_text(fx->db, "SELECT mac FROM access_log WHERE seq = 5", mac5, sizeof mac5);
    assert_string_equal(r.head_mac, mac5);
    /* the first record links to the genesis value, each next one to the previous mac */
    assert_int_equal(
        raw_int(fx->db, "SELECT count(*) FROM access_log WHERE seq = 1 AND prev_mac "
                        "= '0000000000000000000000000000000000000000000000000000000000000000'"),
        1);
    assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM access_log a JOIN access_log b ON "
                                     "b.seq = a.seq + 1 WHERE b.prev_mac = a.mac"),
                     4);
    assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM access_log WHERE why IS NULL"), 1);
    /* an exported head that still matches */
    r = verify(fx, 5, mac5);
    assert_int_equal(r.problem, VS_ACCESS_OK);
    r = verify(fx, 2, mac5); /* record 2 is not that one */
    assert_int_equal(r.problem, VS_ACCESS_EDITED);
    assert_int_equal(r.bad_seq, 2);

    vs_store *st = must_open(fx->db);
    vs_access *a = must_access(st, NULL);
    shown s = {0};
    assert_int_equal(vs_access_show(a, NULL, collect, &s), VS_OK);
    assert_int_equal(s.n, 5);
    assert_string_equal(s.whos[0], "tech-1");
    memset(&s, 0, sizeof s);
    vs_access_filter f = {0, "tech-2", NULL};
    assert_int_equal(vs_access_show(a, &f, collect, &s), VS_OK);
    assert_int_equal(s.n, 1);
    memset(&s, 0, sizeof s);
    f = (vs_access_filter){0, NULL, "PBX rack"};
    assert_int_equal(vs_access_show(a, &f, collect, &s), VS_OK);
    assert_int_equal(s.n, 3);
    memset(&s, 0, sizeof s);
    f = (vs_access_filter){INT64_C(1764403200000000) + 4 * INT64_C(60000000), NULL, NULL};
    assert_int_equal(vs_access_show(a, &f, collect, &s), VS_OK);
    assert_int_equal(s.n, 2);
    /* required fields */
    assert_int_equal(vs_access_add(a, "", "rack", "open", NULL, 0, NULL), VS_E_INVAL);
    assert_int_equal(vs_access_add(a, "x", "rack", NULL, NULL, 0, NULL), VS_E_INVAL);
    vs_access_close(a);
    vs_store_close(st);
    assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM access_log"), 5);
}

static void test_parse_helpers(void **state)
{
    (void)state;
    int64_t seq, us;
    char mac[VS_ACCESS_MAC_HEX + 1];
    char text[80];
    snprintf(text, sizeof text, "12:%064d", 0);
    assert_int_equal(vs_access_parse_head(text, &seq, mac), VS_OK);
    assert_int_equal(seq, 12);
    assert_int_equal(vs_access_parse_head("12:abc", &seq, mac), VS_E_PARSE);
    assert_int_equal(vs_access_parse_head("x:abc", &seq, mac), VS_E_PARSE);
    snprintf(text, sizeof text, "0:%064d", 0);
    assert_int_equal(vs_access_parse_head(text, &seq, mac), VS_E_PARSE);
    assert_int_equal(vs_access_parse_time("2025-12-01", &us), VS_OK);
    assert_int_equal(us, INT64_C(1764547200000000));
    assert_int_equal(vs_access_parse_time("2025-12-01T00:00:01Z", &us), VS_OK);
    assert_int_equal(us, INT64_C(1764547201000000));
    assert_int_equal(vs_access_parse_time("now", &us), VS_OK);
    assert_true(us > INT64_C(1700000000000000));
    assert_int_equal(vs_access_parse_time("yesterday", &us), VS_E_PARSE);
    assert_string_equal(vs_access_problem_id(VS_ACCESS_REORDERED), "reordered");
}

/* ---- the key file -----------------------------------------------------------------------------
 */

static void expect_open_fails(const fixture *fx, const char *key, const char *words)
{
    vs_store *st = must_open(fx->db);
    char err[1024];
    vs_access *a = vs_access_open(st, key, err, sizeof err);
    assert_null(a);
    if (!strstr(err, words))
        fail_msg("error '%s' does not say '%s'", err, words);
    vs_store_close(st);
}

static void write_key(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void test_key_file_errors(void **state)
{
    fixture *fx = *state;
    fill(fx, 3);
    char good[128];
    int fd = open(fx->key, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, good, sizeof good - 1);
    close(fd);
    assert_int_equal(n, 65);
    good[n] = '\0';

    assert_int_equal(chmod(fx->key, 0644), 0);
    expect_open_fails(fx, NULL, "mode 0644");
    assert_int_equal(chmod(fx->key, 0600), 0);

    char other[160];
    snprintf(other, sizeof other, "%s/other.key", fx->dir);
    write_key(other, "abcd\n", 0600);
    expect_open_fails(fx, other, "wrong size");
    char nothex[80];
    memset(nothex, 'g', 64);
    nothex[64] = '\0';
    write_key(other, nothex, 0600);
    expect_open_fails(fx, other, "not a key");

    /* a missing key file while the log holds records: refused, and no key is made */
    snprintf(other, sizeof other, "%s/missing.key", fx->dir);
    expect_open_fails(fx, other, "does not exist");
    assert_int_equal(access(other, F_OK), -1);
    assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM access_log"), 3);
    assert_int_equal(rename(fx->key, other), 0);
    expect_open_fails(fx, NULL, "does not exist");
    assert_int_equal(access(fx->key, F_OK), -1);
    assert_int_equal(rename(other, fx->key), 0);
    assert_int_equal(verify(fx, 0, NULL).problem, VS_ACCESS_OK);
}

static void test_wrong_key(void **state)
{
    fixture *fx = *state;
    fill(fx, 4);
    char other[160];
    snprintf(other, sizeof other, "%s/other.key", fx->dir);
    write_key(other, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 0600);
    vs_store *st = must_open(fx->db);
    vs_access *a = must_access(st, other);
    vs_access_report r;
    assert_int_equal(vs_access_verify(a, 0, NULL, &r), VS_OK);
    assert_int_equal(r.problem, VS_ACCESS_WRONG_KEY);
    assert_int_equal(r.bad_seq, 1);
    vs_finding f;
    vs_access_finding(&r, fx->db, &f);
    assert_string_equal(f.rule, "access.log-tampered");
    assert_int_equal(f.practice, VS_PRACTICE_EQUIPMENT);
    assert_int_equal(f.severity, VS_SEV_HIGH);
    assert_non_null(strstr(f.evidence, "\"seq\":1"));
    vs_access_close(a);
    vs_store_close(st);
}

/* ---- tampering with plain SQL -----------------------------------------------------------------
 */

static void test_tamper_edit(void **state)
{
    fixture *fx = *state;
    fill(fx, 5);
    raw_exec(fx->db, "UPDATE access_log SET who = 'nobody' WHERE seq = 3");
    expect_problem(fx, VS_ACCESS_EDITED, 3);
}

static void test_tamper_edit_time_and_why(void **state)
{
    fixture *fx = *state;
    fill(fx, 5);
    raw_exec(fx->db, "UPDATE access_log SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 4");
    expect_problem(fx, VS_ACCESS_EDITED, 4);
    raw_exec(fx->db, "UPDATE access_log SET why = NULL WHERE seq = 2"); /* was 'maintenance' */
    expect_problem(fx, VS_ACCESS_EDITED, 2);
}

static void test_tamper_delete(void **state)
{
    fixture *fx = *state;
    fill(fx, 5);
    raw_exec(fx->db, "DELETE FROM access_log WHERE seq = 3");
    expect_problem(fx, VS_ACCESS_DELETED, 3);
}

static void test_tamper_delete_renumbered(void **state)
{
    fixture *fx = *state;
    fill(fx, 5);
    /* delete record 2 and close the gap: records 3..5 become 2..4 */
    raw_exec(fx->db, "DELETE FROM access_log WHERE seq = 2; "
                     "UPDATE access_log SET seq = seq + 100 WHERE seq > 2; "
                     "UPDATE access_log SET seq = seq - 101 WHERE seq > 100");
    vs_access_report r = verify(fx, 0, NULL);
    assert_int_not_equal(r.problem, VS_ACCESS_OK);
    assert_int_equal(r.bad_seq, 2);
}

/* swaps every column but id and seq of two records */
static void swap_rows(const char *db, int x, int y)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE t AS SELECT * FROM access_log WHERE seq IN (%d, %d); "
             "UPDATE access_log SET (at, who, what, action, why, prev_mac, mac) = "
             "(SELECT at, who, what, action, why, prev_mac, mac FROM t WHERE t.seq = "
             "CASE access_log.seq WHEN %d THEN %d ELSE %d END) WHERE seq IN (%d, %d); "
             "DROP TABLE t",
             x, y, x, y, x, x, y);
    raw_exec(db, sql);
}

static void test_tamper_swap(void **state)
{
    fixture *fx = *state;
    fill(fx, 6);
    swap_rows(fx->db, 2, 5);
    expect_problem(fx, VS_ACCESS_REORDERED, 2);
}

static void test_tamper_swap_adjacent(void **state)
{
    fixture *fx = *state;
    fill(fx, 6);
    swap_rows(fx->db, 3, 4);
    expect_problem(fx, VS_ACCESS_REORDERED, 3);
}

static void test_tamper_swap_seq(void **state)
{
    fixture *fx = *state;
    fill(fx, 6);
    /* the other way of swapping: exchange the seq numbers */
    raw_exec(fx->db, "UPDATE access_log SET seq = 100 WHERE seq = 2; "
                     "UPDATE access_log SET seq = 2 WHERE seq = 4; "
                     "UPDATE access_log SET seq = 4 WHERE seq = 100");
    expect_problem(fx, VS_ACCESS_REORDERED, 2);
}

static void test_tamper_insert_end(void **state)
{
    fixture *fx = *state;
    fill(fx, 4);
    raw_exec(fx->db,
             "INSERT INTO access_log (seq, at, who, what, action, why, prev_mac, mac) "
             "SELECT 5, '2025-12-01T00:00:00.000Z', 'ghost', 'PBX rack', 'open', NULL, mac, "
             "'1111111111111111111111111111111111111111111111111111111111111111' "
             "FROM access_log WHERE seq = 4");
    expect_problem(fx, VS_ACCESS_INSERTED, 5);
}

static void test_tamper_insert_middle(void **state)
{
    fixture *fx = *state;
    fill(fx, 5);
    /* make room at 3 and put a forged record there, linked to record 2 */
    raw_exec(fx->db,
             "UPDATE access_log SET seq = seq + 100 WHERE seq >= 3; "
             "UPDATE access_log SET seq = seq - 99 WHERE seq > 100; "
             "INSERT INTO access_log (seq, at, who, what, action, why, prev_mac, mac) "
             "SELECT 3, '2025-12-01T00:00:00.000Z', 'ghost', 'PBX rack', 'open', NULL, mac, "
             "'2222222222222222222222222222222222222222222222222222222222222222' "
             "FROM access_log WHERE seq = 2; "
             "UPDATE access_head SET seq = 6");
    expect_problem(fx, VS_ACCESS_INSERTED, 3);
}

static void test_tamper_truncate(void **state)
{
    fixture *fx = *state;
    fill(fx, 6);
    char mac6[80];
    raw_text(fx->db, "SELECT mac FROM access_log WHERE seq = 6", mac6, sizeof mac6);
    /* the tail cut, the head left alone: detected */
    raw_exec(fx->db, "DELETE FROM access_log WHERE seq >= 5");
    expect_problem(fx, VS_ACCESS_TRUNCATED, 5);
    /* an append afterwards continues from the head: the gap stays visible */
    fill(fx, 1);
    expect_problem(fx, VS_ACCESS_DELETED, 5);
}

static void test_tamper_truncate_with_head(void **state)
{
    fixture *fx = *state;
    fill(fx, 6);
    char mac6[80];
    raw_text(fx->db, "SELECT mac FROM access_log WHERE seq = 6", mac6, sizeof mac6);
    /* the tail cut and the head rewritten to match: no anchor inside the database is left */
    raw_exec(fx->db, "DELETE FROM access_log WHERE seq >= 5; "
                     "UPDATE access_head SET (seq, mac) = "
                     "(SELECT seq, mac FROM access_log WHERE seq = 4)");
    vs_access_report r = verify(fx, 0, NULL);
    assert_int_equal(r.problem, VS_ACCESS_OK); /* undetectable without an external anchor */
    assert_int_equal(r.count, 4);
    /* with the head exported earlier: detected */
    r = verify(fx, 6, mac6);
    assert_int_equal(r.problem, VS_ACCESS_TRUNCATED);
    assert_int_equal(r.bad_seq, 5);
}

static void test_tamper_head_deleted(void **state)
{
    fixture *fx = *state;
    fill(fx, 3);
    raw_exec(fx->db, "DELETE FROM access_head");
    expect_problem(fx, VS_ACCESS_HEAD, 3);
    raw_exec(fx->db, "DELETE FROM access_log");
    vs_access_report r = verify(fx, 0, NULL);
    assert_int_equal(r.problem, VS_ACCESS_OK); /* everything gone: only an anchor tells */
    assert_int_equal(r.count, 0);
}

/* ---- two processes ----------------------------------------------------------------------------
 */

#define PER_CHILD 200

static void test_two_processes(void **state)
{
    fixture *fx = *state;
    fill(fx, 0); /* creates the store and the key before the children start */
    pid_t pids[2];
    for (int k = 0; k < 2; k++) {
        pids[k] = fork();
        assert_true(pids[k] >= 0);
        if (pids[k] == 0) {
            char err[1024];
            vs_store *st = vs_store_open(fx->db, err, sizeof err);
            if (!st)
                _exit(10);
            vs_access *a = vs_access_open(st, NULL, err, sizeof err);
            if (!a)
                _exit(11);
            for (int i = 0; i < PER_CHILD; i++) {
                char who[32];
                snprintf(who, sizeof who, "proc%d-%d", k, i);
                if (vs_access_add(a, who, "rack", "open", NULL, 0, NULL) != VS_OK) {
                    fprintf(stderr, "child %d: %s\n", k, vs_access_error(a));
                    _exit(12);
                }
            }
            vs_access_close(a);
            vs_store_close(st);
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    vs_access_report r = verify(fx, 0, NULL);
    assert_int_equal(r.problem, VS_ACCESS_OK);
    assert_int_equal(r.count, 2 * PER_CHILD);
    assert_int_equal(r.head_seq, 2 * PER_CHILD);
    assert_int_equal(raw_int(fx->db, "SELECT count(DISTINCT who) FROM access_log"), 2 * PER_CHILD);
}

/* ---- corrupted and locked databases -----------------------------------------------------------
 */

static void test_corrupted_db(void **state)
{
    fixture *fx = *state;
    char junk[4096];
    memset(junk, 'x', sizeof junk);
    int fd = open(fx->db, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
    close(fd);
    char err[1024];
    vs_store *st = vs_store_open(fx->db, err, sizeof err);
    assert_null(st);
    assert_non_null(strstr(err, fx->db));
    assert_int_equal(access(fx->key, F_OK), -1); /* no key made */
    struct stat sb;
    assert_int_equal(stat(fx->db, &sb), 0);
    assert_int_equal(sb.st_size, (off_t)sizeof junk); /* nothing written */
}

static void test_locked_db(void **state)
{
    fixture *fx = *state;
    fill(fx, 2);
    setenv("VOIPSEC_DB_BUSY_MS", "100", 1);
    vs_store *st = must_open(fx->db);
    vs_access *a = must_access(st, NULL);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(fx->db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(vs_access_add(a, "eve", "rack", "open", NULL, 0, NULL), VS_E_IO);
    if (!strstr(vs_access_error(a), "locked"))
        fail_msg("error '%s' does not say locked", vs_access_error(a));
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    vs_access_close(a);
    vs_store_close(st);
    vs_access_report r = verify(fx, 0, NULL);
    assert_int_equal(r.problem, VS_ACCESS_OK);
    assert_int_equal(r.count, 2); /* nothing written */
    /* and appending works again once the lock is gone */
    fill(fx, 1);
    r = verify(fx, 0, NULL);
    assert_int_equal(r.problem, VS_ACCESS_OK);
    assert_int_equal(r.count, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_and_verify, setup, teardown),
        cmocka_unit_test(test_parse_helpers),
        cmocka_unit_test_setup_teardown(test_key_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_edit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_edit_time_and_why, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_delete_renumbered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap_adjacent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_insert_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_insert_middle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_truncate_with_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_head_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupted_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_db, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
