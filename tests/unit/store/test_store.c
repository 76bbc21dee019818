/* Unit tests for the store (src/store/): file and directory modes, WAL, migrations, round trips of
 * findings and devices, the errors a user meets (not a database, corrupted, newer schema, locked,
 * permission denied), two processes appending at once, and the default path.
 *
 * Every test works in its own mkdtemp directory under /tmp, removed afterwards. The locked test
 * shortens the busy timeout with VOIPSEC_DB_BUSY_MS. A second, plain SQLite connection stands in
 * for "another program" where a test needs one. */
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
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <voipsec/store.h>

#include "store/store_internal.h"

/* one schema_version row per migration */
#define STR_(x) #x
#define STR(x) STR_(x)
#define LATEST_TEXT STR(VS__STORE_SCHEMA_LATEST)

typedef struct fixture {
    char dir[64];
    char db[128];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    strcpy(fx->dir, "/tmp/vs-store-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof fx->db, "%s/voipsec.db", fx->dir);
    *state = fx;
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    chmod(fx->dir, 0700);
    nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

static vs_store *must_open(const char *path)
{
    char err[512];
    vs_store *st = vs_store_open(path, err, sizeof err);
    if (!st)
        fail_msg("vs_store_open(%s): %s", path, err);
    return st;
}

static unsigned mode_of(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        fail_msg("stat %s: %s", path, strerror(errno));
    return sb.st_mode & 07777;
}

/* Runs SQL on a plain SQLite connection (another program). */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("raw_exec(%s): %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

/* First column of the first row of a query on a plain connection, as text into buf. */
static const char *raw_query(const char *path, const char *sql, char *buf, size_t size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(s, 0);
    snprintf(buf, size, "%s", t ? t : "(null)");
    sqlite3_finalize(s);
    sqlite3_close(db);
    return buf;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    fchmod(fd, mode);
    close(fd);
}

static void fill(vs_finding *f, const char *rule, vs_practice p, vs_severity s, const char *title)
{
    memset(f, 0, sizeof *f);
    snprintf(f->rule, sizeof f->rule, "%s", rule);
    f->practice = p;
    f->severity = s;
    snprintf(f->title, sizeof f->title, "%s", title);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            fail_msg("'%s' does not contain '%s'", (hay), (needle));                               \
    } while (0)

/* ---- file, modes, WAL, migrations ------------------------------------------------------------ */

static void test_create_modes_wal_version(void **state)
{
    fixture *fx = *state;
    char path[256], a[192], ab[192], side[300], buf[64];
    snprintf(a, sizeof a, "%s/a", fx->dir);
    snprintf(ab, sizeof ab, "%s/a/b", fx->dir);
    snprintf(path, sizeof path, "%s/a/b/voipsec.db", fx->dir);

    mode_t old = umask(0); /* the most permissive umask: the store must not depend on it */
    vs_store *st = must_open(path);
    assert_int_equal(umask(0), 0); /* restored after the open */
    umask(old);

    assert_int_equal(vs_store_schema_version(st), VS__STORE_SCHEMA_LATEST);
    vs_finding f;
    fill(&f, "scan", VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM, "t");
    int64_t run = vs_store_new_run(st, "monitor", "-r x.pcap");
    assert_true(run > 0);
    assert_int_equal(vs_store_add_finding(st, run, "monitor", &f), VS_OK);

    assert_int_equal(mode_of(a), 0700);
    assert_int_equal(mode_of(ab), 0700);
    assert_int_equal(mode_of(path), 0600);
    snprintf(side, sizeof side, "%s-wal", path);
    assert_int_equal(mode_of(side), 0600);
    snprintf(side, sizeof side, "%s-shm", path);
    assert_int_equal(mode_of(side), 0600);

    assert_string_equal(raw_query(path, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    assert_string_equal(raw_query(path, "SELECT count(*) FROM schema_version", buf, sizeof buf),
                        LATEST_TEXT);
    vs_store_close(st);

    /* reopening is idempotent: same version, no second migration row, data kept */
    for (int i = 0; i < 2; i++) {
        st = must_open(path);
        assert_int_equal(vs_store_schema_version(st), VS__STORE_SCHEMA_LATEST);
        assert_int_equal(vs_store_count(st, "findings"), 1);
        vs_store_close(st);
    }
    assert_string_equal(raw_query(path, "SELECT count(*) FROM schema_version", buf, sizeof buf),
                        LATEST_TEXT);
    assert_string_equal(raw_query(path, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    assert_int_equal(mode_of(path), 0600);
}

static void test_existing_file_tightened(void **state)
{
    fixture *fx = *state;
    write_file(fx->db, "", 0, 0644);
    assert_int_equal(mode_of(fx->db), 0644);
    vs_store *st = must_open(fx->db);
    assert_int_equal(mode_of(fx->db), 0600);
    vs_store_close(st);

    /* an existing directory is left as it is */
    assert_int_equal(mode_of(fx->dir), 0700);
    chmod(fx->dir, 0755);
    st = must_open(fx->db);
    assert_int_equal(mode_of(fx->dir), 0755);
    vs_store_close(st);
}

/* ---- findings -------------------------------------------------------------------------------- */

typedef struct collect {
    vs_finding *items;
    int64_t runs[16];
    char sources[16][32];
    int n, stop_after;
} collect;

static bool collect_fn(void *ctx, int64_t run_id, const char *source, const vs_finding *f)
{
    collect *c = ctx;
    if (c->n < 16) {
        c->items[c->n] = *f;
        c->runs[c->n] = run_id;
        snprintf(c->sources[c->n], sizeof c->sources[0], "%s", source);
    }
    c->n++;
    return c->stop_after == 0 || c->n < c->stop_after;
}

static void assert_finding_equal(const vs_finding *a, const vs_finding *b)
{
    assert_string_equal(a->rule, b->rule);
    assert_int_equal(a->practice, b->practice);
    assert_int_equal(a->severity, b->severity);
    assert_string_equal(a->title, b->title);
    assert_string_equal(a->explain, b->explain);
    assert_string_equal(a->advice, b->advice);
    assert_string_equal(a->src.ip, b->src.ip);
    assert_int_equal(a->src.port, b->src.port);
    assert_string_equal(a->src.transport, b->src.transport);
    assert_string_equal(a->dst.ip, b->dst.ip);
    assert_int_equal(a->dst.port, b->dst.port);
    assert_string_equal(a->dst.transport, b->dst.transport);
    assert_string_equal(a->user, b->user);
    assert_string_equal(a->tool, b->tool);
    assert_int_equal(a->first_seen_us, b->first_seen_us);
    assert_int_equal(a->last_seen_us, b->last_seen_us);
    assert_int_equal(a->count, b->count);
    assert_string_equal(a->file, b->file);
    assert_int_equal(a->line, b->line);
    assert_string_equal(a->evidence, b->evidence);
}

/* Fills a field with repeated UTF-8 text up to its capacity, cut on a character boundary. */
static void fill_long(char *field, size_t cap, const char *unit)
{
    size_t n = 0, u = strlen(unit);
    while (n + u < cap) {
        memcpy(field + n, unit, u);
        n += u;
    }
    field[n] = '\0';
}

static void test_findings_round_trip(void **state)
{
    fixture *fx = *state;
    vs_store *st = must_open(fx->db);
    int64_t run1 = vs_store_new_run(st, "monitor", "-r capture.pcap");
    int64_t run2 = vs_store_new_run(st, "audit", NULL);
    assert_true(run1 > 0 && run2 > run1);

    vs_finding full, bare, utf, all[4];
    fill(&full, "bruteforce", VS_PRACTICE_ACTIVITY, VS_SEV_HIGH,
         "Password guessing against extension 1001");
    snprintf(full.explain, sizeof full.explain, "Someone tried 57 passwords.");
    snprintf(full.advice, sizeof full.advice, "Block 192.0.2.7; use long passwords.");
    snprintf(full.src.ip, sizeof full.src.ip, "192.0.2.7");
    full.src.port = 5071;
    snprintf(full.src.transport, sizeof full.src.transport, "udp");
    snprintf(full.dst.ip, sizeof full.dst.ip, "2001:db8::1");
    full.dst.port = 65535;
    snprintf(full.dst.transport, sizeof full.dst.transport, "tls");
    snprintf(full.user, sizeof full.user, "1001");
    snprintf(full.tool, sizeof full.tool, "sipvicious");
    full.first_seen_us = INT64_C(1795932874123000); /* 2026-11-29T06:14:34.123Z */
    full.last_seen_us = INT64_C(1795932934999000);
    full.count = 57;
    snprintf(full.file, sizeof full.file, "/etc/asterisk/pjsip.conf");
    full.line = 12;
    snprintf(full.evidence, sizeof full.evidence, "{\"attempts\":57,\"users\":[\"1001\"]}");

    /* only the mandatory fields: no src, no dst, no times */
    fill(&bare, "asterisk.allowguest", VS_PRACTICE_NETWORK, VS_SEV_LOW, "Guest calls allowed");

    /* UTF-8 everywhere, every text field at its capacity */
    fill(&utf, "tls.old-protocol", VS_PRACTICE_PROVIDER, VS_SEV_CRITICAL, "");
    fill_long(utf.title, sizeof utf.title, "Zürich 東京 😀 ");
    fill_long(utf.explain, sizeof utf.explain, "é");
    fill_long(utf.advice, sizeof utf.advice, "Ωmega-");
    fill_long(utf.user, sizeof utf.user, "ユーザー");
    fill_long(utf.tool, sizeof utf.tool, "t");
    fill_long(utf.file, sizeof utf.file, "/données");
    fill_long(utf.evidence, sizeof utf.evidence, "x");
    utf.evidence[0] = '{';
    utf.evidence[strlen(utf.evidence) - 1] = '}';
    assert_true(strlen(utf.explain) > 700);

    assert_int_equal(vs_store_add_finding(st, run1, "monitor", &full), VS_OK);
    assert_int_equal(vs_store_add_finding(st, run2, "audit", &bare), VS_OK);
    assert_int_equal(vs_store_add_finding(st, run1, "scan", &utf), VS_OK);
    assert_int_equal(vs_store_add_finding(st, 0, "creds", &bare), VS_OK); /* no run */
    assert_int_equal(vs_store_count(st, "findings"), 4);

    collect c = {.items = all};
    assert_int_equal(vs_store_each_finding(st, 0, collect_fn, &c), VS_OK);
    assert_int_equal(c.n, 4);
    assert_finding_equal(&all[0], &full);
    assert_finding_equal(&all[1], &bare);
    assert_finding_equal(&all[2], &utf);
    assert_finding_equal(&all[3], &bare);
    assert_int_equal(c.runs[0], run1);
    assert_int_equal(c.runs[1], run2);
    assert_int_equal(c.runs[3], 0);
    assert_string_equal(c.sources[0], "monitor");
    assert_string_equal(c.sources[2], "scan");

    /* one run, oldest first */
    c = (collect){.items = all};
    assert_int_equal(vs_store_each_finding(st, run1, collect_fn, &c), VS_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(all[0].rule, "bruteforce");
    assert_string_equal(all[1].rule, "tls.old-protocol");

    /* early stop */
    c = (collect){.items = all, .stop_after = 1};
    assert_int_equal(vs_store_each_finding(st, 0, collect_fn, &c), VS_OK);
    assert_int_equal(c.n, 1);

    /* stored as text an SQL reader understands; absent fields are NULL */
    vs_store_close(st);
    char buf[128];
    assert_string_equal(
        raw_query(fx->db, "SELECT first_seen FROM findings WHERE id = 1", buf, sizeof buf),
        "2026-11-29T06:14:34.123Z");
    assert_string_equal(raw_query(fx->db,
                                  "SELECT practice || '/' || severity FROM findings WHERE id = 1",
                                  buf, sizeof buf),
                        "activity/high");
    assert_string_equal(raw_query(fx->db,
                                  "SELECT count(*) FROM findings WHERE id = 2 AND src_ip IS NULL "
                                  "AND src_port IS NULL AND dst_ip IS NULL AND first_seen IS NULL "
                                  "AND evidence IS NULL AND explain IS NULL AND count IS NULL",
                                  buf, sizeof buf),
                        "1");
    assert_string_equal(raw_query(fx->db,
                                  "SELECT count(*) FROM findings WHERE created_at LIKE "
                                  "'____-__-__T__:__:__.___Z'",
                                  buf, sizeof buf),
                        "4");
}

static void test_findings_every_practice_and_severity(void **state)
{
    fixture *fx = *state;
    vs_store *st = must_open(fx->db);
    vs_finding f, got[16];
    int n = 0;
    for (int p = 0; p < VS_PRACTICE__COUNT; p++, n++) {
        fill(&f, "r", (vs_practice)p, (vs_severity)(n % VS_SEV__COUNT), "t");
        assert_int_equal(vs_store_add_finding(st, 0, "test", &f), VS_OK);
    }
    collect c = {.items = got};
    assert_int_equal(vs_store_each_finding(st, 0, collect_fn, &c), VS_OK);
    assert_int_equal(c.n, VS_PRACTICE__COUNT);
    for (int i = 0; i < c.n; i++) {
        assert_int_equal(got[i].practice, i);
        assert_int_equal(got[i].severity, i % VS_SEV__COUNT);
    }
    vs_store_close(st);
}

static void test_findings_invalid(void **state)
{
    fixture *fx = *state;
    vs_store *st = must_open(fx->db);
    vs_finding f;
    fill(&f, "r", VS_PRACTICE_NETWORK, VS_SEV_INFO, "t");
    assert_int_equal(vs_store_add_finding(NULL, 0, "x", &f), VS_E_INVAL);
    assert_int_equal(vs_store_add_finding(st, 0, NULL, &f), VS_E_INVAL);
    assert_int_equal(vs_store_add_finding(st, 0, "x", NULL), VS_E_INVAL);
    assert_int_equal(vs_store_add_finding(st, -1, "x", &f), VS_E_INVAL);
    f.practice = VS_PRACTICE__COUNT;
    assert_int_equal(vs_store_add_finding(st, 0, "x", &f), VS_E_INVAL);
    fill(&f, "", VS_PRACTICE_NETWORK, VS_SEV_INFO, "t");
    assert_int_equal(vs_store_add_finding(st, 0, "x", &f), VS_E_INVAL);
    fill(&f, "r", VS_PRACTICE_NETWORK, VS_SEV_INFO, "t");
    assert_int_equal(vs_store_add_finding(st, 999, "x", &f), VS_E_IO); /* no such run */
    assert_contains(vs_store_error(st), fx->db);
    assert_contains(vs_store_error(st), "no run 999");
    assert_true(vs_store_new_run(st, "", NULL) < 0);
    assert_int_equal(vs_store_count(st, "findings"), 0);
    assert_int_equal(vs_store_each_finding(st, 0, NULL, NULL), VS_E_INVAL);
    vs_store_close(st);
}

static void test_transactions(void **state)
{
    fixture *fx = *state;
    vs_store *st = must_open(fx->db);
    vs_finding f;
    fill(&f, "flood", VS_PRACTICE_ACTIVITY, VS_SEV_HIGH, "t");
    int64_t run = vs_store_new_run(st, "monitor", "");
    assert_int_equal(vs_store_begin(st), VS_OK);
    assert_int_equal(vs_store_begin(st), VS_E_IO); /* no nesting */
    for (int i = 0; i < 200; i++)
        assert_int_equal(vs_store_add_finding(st, run, "monitor", &f), VS_OK);
    assert_int_equal(vs_store_commit(st), VS_OK);
    assert_int_equal(vs_store_commit(st), VS_E_IO); /* nothing to commit */
    assert_int_equal(vs_store_count(st, "findings"), 200);

    /* closing inside a transaction discards it */
    assert_int_equal(vs_store_begin(st), VS_OK);
    assert_int_equal(vs_store_add_finding(st, run, "monitor", &f), VS_OK);
    vs_store_close(st);
    st = must_open(fx->db);
    assert_int_equal(vs_store_count(st, "findings"), 200);
    vs_store_close(st);
}

/* ---- devices and counts ---------------------------------------------------------------------- */

static void raw_times(const char *path, char *first, char *last)
{
    char buf[64];
    snprintf(first, 32, "%s", raw_query(path, "SELECT first_seen FROM devices", buf, sizeof buf));
    snprintf(last, 32, "%s", raw_query(path, "SELECT last_seen FROM devices", buf, sizeof buf));
}

static void test_devices_upsert(void **state)
{
    fixture *fx = *state;
    vs_store *st = must_open(fx->db);
    vs_device_seen d = {.port = 5060, .seen_us = INT64_C(1795932874123000)};
    snprintf(d.ip, sizeof d.ip, "192.0.2.10");
    snprintf(d.transport, sizeof d.transport, "udp");
    snprintf(d.user_agent, sizeof d.user_agent, "Yealink SIP-T46S 66.86.0.15");
    snprintf(d.user, sizeof d.user, "1001");
    char first[32], last[32];

    assert_int_equal(vs_store_device_seen(st, &d), VS_OK);
    raw_times(fx->db, first, last);
    assert_string_equal(first, "2026-11-29T06:14:34.123Z");
    assert_string_equal(last, "2026-11-29T06:14:34.123Z");

    d.seen_us += 60 * INT64_C(1000000); /* later: last_seen advances, first_seen kept */
    assert_int_equal(vs_store_device_seen(st, &d), VS_OK);
    raw_times(fx->db, first, last);
    assert_string_equal(first, "2026-11-29T06:14:34.123Z");
    assert_string_equal(last, "2026-11-29T06:15:34.123Z");

    d.seen_us -= 3600 * INT64_C(1000000); /* earlier (out-of-order capture): first_seen lowers */
    assert_int_equal(vs_store_device_seen(st, &d), VS_OK);
    raw_times(fx->db, first, last);
    assert_string_equal(first, "2026-11-29T05:15:34.123Z");
    assert_string_equal(last, "2026-11-29T06:15:34.123Z");
    assert_int_equal(vs_store_count(st, "devices"), 1);

    /* another key part makes another device; "" user is a key like any other */
    d.user[0] = '\0';
    assert_int_equal(vs_store_device_seen(st, &d), VS_OK);
    assert_int_equal(vs_store_device_seen(st, &d), VS_OK);
    d.port = 5061;
    assert_int_equal(vs_store_device_seen(st, &d), VS_OK);
    assert_int_equal(vs_store_count(st, "devices"), 3);

    d.ip[0] = '\0';
    assert_int_equal(vs_store_device_seen(st, &d), VS_E_INVAL);
    assert_int_equal(vs_store_device_seen(st, NULL), VS_E_INVAL);
    vs_store_close(st);
}

static void test_count_tables_only(void **state)
{
    fixture *fx = *state;
    vs_store *st = must_open(fx->db);
    assert_int_equal(vs_store_count(st, "findings"), 0);
    assert_int_equal(vs_store_count(st, "devices"), 0);
    assert_int_equal(vs_store_count(st, "runs"), VS_E_INVAL);
    assert_int_equal(vs_store_count(st, "schema_version"), VS_E_INVAL);
    assert_int_equal(vs_store_count(st, "findings; DROP TABLE findings"), VS_E_INVAL);
    assert_int_equal(vs_store_count(st, "FINDINGS"), VS_E_INVAL);
    assert_int_equal(vs_store_count(st, NULL), VS_E_INVAL);
    assert_int_equal(vs_store_count(NULL, "findings"), VS_E_INVAL);
    assert_contains(vs_store_error(st), "only findings and devices");
    assert_int_equal(vs_store_count(st, "findings"), 0);
    vs_store_close(st);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void expect_open_error(const char *path, const char *needle)
{
    char err[512] = "unchanged";
    vs_store *st = vs_store_open(path, err, sizeof err);
    if (st) {
        vs_store_close(st);
        fail_msg("opening %s succeeded, expected '%s'", path, needle);
    }
    assert_contains(err, path);
    assert_contains(err, needle);
}

static void test_not_a_database(void **state)
{
    fixture *fx = *state;
    char junk[8192];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 + 3);
    write_file(fx->db, junk, sizeof junk, 0600);
    expect_open_error(fx->db, "file is not a database");
    /* and a text file */
    write_file(fx->db, "[general]\nallowguest=yes\n", 25, 0600);
    expect_open_error(fx->db, "file is not a database");
    /* a directory */
    expect_open_error(fx->dir, "directory");
    char err[16] = "x";
    assert_null(vs_store_open(NULL, err, sizeof err));
    assert_null(vs_store_open("", NULL, 0));
}

static void test_newer_schema_refused(void **state)
{
    fixture *fx = *state;
    vs_store_close(must_open(fx->db));
    raw_exec(fx->db, "INSERT INTO schema_version (version, applied_at) VALUES (7, 'later')");
    char want[512];
    snprintf(want, sizeof want,
             "%s: schema version 7 is newer than this voipsec (%d); upgrade voipsec", fx->db,
             VS__STORE_SCHEMA_LATEST);
    char err[512];
    assert_null(vs_store_open(fx->db, err, sizeof err));
    assert_string_equal(err, want);
}

static void test_other_programs_database_refused(void **state)
{
    fixture *fx = *state;
    raw_exec(fx->db, "CREATE TABLE contacts (name TEXT)");
    expect_open_error(fx->db, "not a voipsec store");
    char buf[64];
    assert_string_equal(raw_query(fx->db, "SELECT count(*) FROM sqlite_master", buf, sizeof buf),
                        "1"); /* untouched */
}

static void test_corrupted(void **state)
{
    fixture *fx = *state;
    vs_store *st = must_open(fx->db);
    vs_finding f;
    fill(&f, "scan", VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM, "t");
    fill_long(f.explain, sizeof f.explain, "lorem ipsum ");
    assert_int_equal(vs_store_begin(st), VS_OK);
    for (int i = 0; i < 300; i++)
        assert_int_equal(vs_store_add_finding(st, 0, "monitor", &f), VS_OK);
    assert_int_equal(vs_store_commit(st), VS_OK);
    vs_store_close(st); /* checkpoints the WAL into the file */

    struct stat sb;
    assert_int_equal(stat(fx->db, &sb), 0);
    assert_true(sb.st_size > 64 * 1024);
    assert_int_equal(truncate(fx->db, sb.st_size / 2), 0);
    expect_open_error(fx->db, "corrupted");

    /* garbage in the middle of a valid file: caught at open or when reading, never a crash */
    unlink(fx->db);
    st = must_open(fx->db);
    assert_int_equal(vs_store_begin(st), VS_OK);
    for (int i = 0; i < 300; i++)
        assert_int_equal(vs_store_add_finding(st, 0, "monitor", &f), VS_OK);
    assert_int_equal(vs_store_commit(st), VS_OK);
    vs_store_close(st);
    assert_int_equal(stat(fx->db, &sb), 0);
    int fd = open(fx->db, O_WRONLY);
    assert_true(fd >= 0);
    char junk[16384];
    memset(junk, 0xA5, sizeof junk);
    assert_int_equal(pwrite(fd, junk, sizeof junk, sb.st_size / 2), (ssize_t)sizeof junk);
    close(fd);
    char err[512];
    st = vs_store_open(fx->db, err, sizeof err);
    if (!st) {
        assert_contains(err, "corrupted");
    } else {
        vs_finding got[16];
        collect c = {.items = got};
        assert_int_equal(vs_store_each_finding(st, 0, collect_fn, &c), VS_E_IO);
        assert_contains(vs_store_error(st), fx->db);
        assert_contains(vs_store_error(st), "corrupted");
        vs_store_close(st);
    }
}

static void test_locked(void **state)
{
    fixture *fx = *state;
    setenv("VOIPSEC_DB_BUSY_MS", "200", 1);
    vs_store *st = must_open(fx->db);
    vs_finding f;
    fill(&f, "scan", VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM, "t");

    /* another program holds the write lock */
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(fx->db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);

    /* WAL: opening and reading still work while a writer holds the lock */
    vs_store *reader = must_open(fx->db);
    assert_int_equal(vs_store_count(reader, "findings"), 0);
    vs_store_close(reader);

    double t0 = now_ms();
    assert_int_equal(vs_store_add_finding(st, 0, "monitor", &f), VS_E_IO);
    double waited = now_ms() - t0;
    assert_true(waited >= 150);
    assert_contains(vs_store_error(st), fx->db);
    assert_contains(vs_store_error(st), "locked");
    assert_contains(vs_store_error(st), "200 ms");
    assert_int_equal(vs_store_begin(st), VS_E_IO);
    assert_contains(vs_store_error(st), "locked");

    /* released: writing works again on the same handle */
    assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(vs_store_add_finding(st, 0, "monitor", &f), VS_OK);
    vs_store_close(st);

    /* a file in rollback-journal mode, locked exclusively: the open itself times out */
    assert_int_equal(sqlite3_exec(other, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    t0 = now_ms();
    expect_open_error(fx->db, "locked");
    assert_true(now_ms() - t0 >= 150);
    assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);

    st = must_open(fx->db); /* back to WAL */
    assert_int_equal(vs_store_count(st, "findings"), 1);
    vs_store_close(st);
    char buf[16];
    assert_string_equal(raw_query(fx->db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    unsetenv("VOIPSEC_DB_BUSY_MS");
}

static void test_permission_denied(void **state)
{
    fixture *fx = *state;
    vs_store_close(must_open(fx->db));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* as root, drop to nobody so that permissions apply; else remove our own rights */
        if (geteuid() == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(3);
        } else {
            chmod(fx->db, 0);
        }
        char err[512];
        vs_store *st = vs_store_open(fx->db, err, sizeof err);
        if (st)
            _exit(1);
        _exit(strstr(err, fx->db) && strstr(err, "permission denied") ? 0 : 2);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- concurrency ----------------------------------------------------------------------------- */

typedef struct counter {
    int n;
    char source[32];
    bool mixed;
} counter;

static bool count_fn(void *ctx, int64_t run_id, const char *source, const vs_finding *f)
{
    (void)run_id;
    (void)f;
    counter *c = ctx;
    if (c->n++ == 0)
        snprintf(c->source, sizeof c->source, "%s", source);
    else if (strcmp(c->source, source) != 0)
        c->mixed = true;
    return true;
}

static void test_two_processes_append(void **state)
{
    fixture *fx = *state;
    enum { PER_CHILD = 500 };
    /* the file does not exist yet: both children create and migrate it at once */
    pid_t pids[2];
    for (int k = 0; k < 2; k++) {
        pids[k] = fork();
        assert_true(pids[k] >= 0);
        if (pids[k] == 0) {
            char err[512];
            vs_store *st = vs_store_open(fx->db, err, sizeof err);
            if (!st) {
                fprintf(stderr, "child %d: %s\n", k, err);
                _exit(1);
            }
            int64_t run = vs_store_new_run(st, k ? "scan" : "monitor", NULL);
            vs_finding f;
            fill(&f, "scan", VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM, "concurrent");
            for (int i = 0; i < PER_CHILD; i++) {
                f.count = (uint64_t)i + 1;
                if (run <= 0 ||
                    vs_store_add_finding(st, run, k ? "scan" : "monitor", &f) != VS_OK) {
                    fprintf(stderr, "child %d: %s\n", k, vs_store_error(st));
                    _exit(2);
                }
            }
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
    vs_store *st = must_open(fx->db);
    assert_int_equal(vs_store_schema_version(st), VS__STORE_SCHEMA_LATEST);
    assert_int_equal(vs_store_count(st, "findings"), 2 * PER_CHILD);
    for (int64_t run = 1; run <= 2; run++) {
        counter c = {0};
        assert_int_equal(vs_store_each_finding(st, run, count_fn, &c), VS_OK);
        assert_int_equal(c.n, PER_CHILD);
        assert_false(c.mixed);
    }
    vs_store_close(st);
    char buf[16];
    assert_string_equal(raw_query(fx->db, "SELECT count(*) FROM schema_version", buf, sizeof buf),
                        LATEST_TEXT);
}

/* ---- default path and time text -------------------------------------------------------------- */

static void set_or_unset(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

static void test_default_path(void **state)
{
    (void)state;
    char *saved[3];
    const char *names[3] = {"VOIPSEC_DB", "XDG_DATA_HOME", "HOME"};
    for (int i = 0; i < 3; i++)
        saved[i] = getenv(names[i]) ? strdup(getenv(names[i])) : NULL;

    char buf[256];
    set_or_unset("VOIPSEC_DB", NULL);
    set_or_unset("XDG_DATA_HOME", NULL);
    set_or_unset("HOME", "/home/ana");
    assert_int_equal(vs_store_default_path(buf, sizeof buf), VS_OK);
    assert_string_equal(buf, "/home/ana/.local/share/voipsec/voipsec.db");

    set_or_unset("XDG_DATA_HOME", "/data/ana/");
    assert_int_equal(vs_store_default_path(buf, sizeof buf), VS_OK);
    assert_string_equal(buf, "/data/ana/voipsec/voipsec.db");

    set_or_unset("XDG_DATA_HOME", "relative/dir"); /* ignored, as the XDG spec says */
    assert_int_equal(vs_store_default_path(buf, sizeof buf), VS_OK);
    assert_string_equal(buf, "/home/ana/.local/share/voipsec/voipsec.db");

    set_or_unset("XDG_DATA_HOME", "");
    set_or_unset("VOIPSEC_DB", "/srv/voipsec/site1.db");
    assert_int_equal(vs_store_default_path(buf, sizeof buf), VS_OK);
    assert_string_equal(buf, "/srv/voipsec/site1.db");

    set_or_unset("VOIPSEC_DB", "");
    set_or_unset("HOME", NULL);
    strcpy(buf, "untouched");
    assert_int_equal(vs_store_default_path(buf, sizeof buf), VS_E_NOTFOUND);
    set_or_unset("HOME", "");
    assert_int_equal(vs_store_default_path(buf, sizeof buf), VS_E_NOTFOUND);
    assert_string_equal(buf, "untouched");

    set_or_unset("HOME", "/home/ana");
    const char *want = "/home/ana/.local/share/voipsec/voipsec.db";
    assert_int_equal(vs_store_default_path(buf, strlen(want)), VS_E_LIMIT);
    assert_string_equal(buf, "untouched");
    assert_int_equal(vs_store_default_path(buf, strlen(want) + 1), VS_OK);
    assert_string_equal(buf, want);
    assert_int_equal(vs_store_default_path(NULL, 10), VS_E_INVAL);
    assert_int_equal(vs_store_default_path(buf, 0), VS_E_INVAL);

    for (int i = 0; i < 3; i++) {
        set_or_unset(names[i], saved[i]);
        free(saved[i]);
    }
}

static void test_time_text(void **state)
{
    (void)state;
    static const struct {
        int64_t us;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {INT64_C(1795932874123000), "2026-11-29T06:14:34.123Z"},
        {INT64_C(951825600000000), "2000-02-29T12:00:00.000Z"},
        {-1000, "1969-12-31T23:59:59.999Z"},
        {INT64_C(-62167219200000000), "0000-01-01T00:00:00.000Z"},
        {INT64_C(253402300799999000), "9999-12-31T23:59:59.999Z"},
    };
    char buf[25];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vs__store_time_format(cases[i].us, buf);
        assert_string_equal(buf, cases[i].text);
        int64_t back = 1;
        assert_int_equal(vs__store_time_parse(buf, &back), VS_OK);
        assert_int_equal(back, cases[i].us);
    }
    /* sub-millisecond digits are cut, out-of-range values clamped */
    vs__store_time_format(INT64_C(1795932874123999), buf);
    assert_string_equal(buf, "2026-11-29T06:14:34.123Z");
    vs__store_time_format(INT64_MAX, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
    vs__store_time_format(INT64_MIN, buf);
    assert_string_equal(buf, "0000-01-01T00:00:00.000Z");

    int64_t us = 0;
    assert_int_equal(vs__store_time_parse("2026-11-29T06:14:34Z", &us), VS_OK);
    assert_int_equal(us, INT64_C(1795932874000000));
    assert_int_equal(vs__store_time_parse("2026-11-29 06:14:34.123456+00:00", &us), VS_OK);
    assert_int_equal(us, INT64_C(1795932874123456));
    assert_int_equal(vs__store_time_parse("2026-11-29T06:14:34.123", &us), VS_E_PARSE);
    assert_int_equal(vs__store_time_parse("2026-13-29T06:14:34Z", &us), VS_E_PARSE);
    assert_int_equal(vs__store_time_parse("yesterday", &us), VS_E_PARSE);
    assert_int_equal(vs__store_time_parse("", &us), VS_E_PARSE);
    assert_int_equal(vs__store_time_parse("2026-11-29T06:14:34.Z", &us), VS_E_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_modes_wal_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_file_tightened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_findings_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_findings_every_practice_and_severity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_findings_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devices_upsert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_tables_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_programs_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permission_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes_append, setup, teardown),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_time_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
