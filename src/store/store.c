/* The voipsec store: one SQLite file of findings, runs and devices seen.
 *
 * Design: the file is made private before SQLite ever touches it — missing parent directories are
 * created 0700, the file itself is created (or tightened) to 0600 by open(2) before
 * sqlite3_open_v2, and the process umask is 077 for the whole of vs_store_open so that the -wal
 * and -shm files SQLite creates are 0600 as well (SQLite also copies the database's mode onto
 * them). The connection runs in WAL mode (readers never wait for the writer), with a busy timeout
 * so that several voipsec processes can append at once, and foreign keys on. Every statement is
 * prepared from constant text and bound; the hot ones are prepared once, after the migrations
 * (schema.c), and reused. Every error names the file and says in plain words what is wrong.
 * Times are stored as ISO-8601 UTC text with milliseconds, fixed width, so text order is time
 * order and the same columns fit PostgreSQL (docs/internals/store.md). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "store/store_internal.h"

/* ---- time as ISO-8601 text ----------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

#define US_PER_SEC INT64_C(1000000)
#define US_MIN INT64_C(-62167219200000000) /* 0000-01-01T00:00:00.000Z */
#define US_MAX INT64_C(253402300799999999) /* 9999-12-31T23:59:59.999Z */

void vs__store_time_format(int64_t us, char buf[static 25])
{
    if (us < US_MIN)
        us = US_MIN;
    if (us > US_MAX)
        us = US_MAX;
    int64_t secs = us / US_PER_SEC, rem = us % US_PER_SEC;
    if (rem < 0) {
        rem += US_PER_SEC;
        secs--;
    }
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = put_digits(buf, (unsigned)y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned)(sod / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(sod / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(sod % 60), 2);
    *p++ = '.';
    p = put_digits(p, (unsigned)(rem / 1000), 3);
    *p++ = 'Z';
    *p = '\0';
}

static bool get_digits(const char **pp, int width, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < width; i++) {
        char c = (*pp)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (unsigned)(c - '0');
    }
    *pp += width;
    *out = v;
    return true;
}

vs_rc vs__store_time_parse(const char *text, int64_t *us)
{
    const char *p = text;
    unsigned y, mo, d, h, mi, s;
    if (!get_digits(&p, 4, &y) || *p++ != '-' || !get_digits(&p, 2, &mo) || *p++ != '-' ||
        !get_digits(&p, 2, &d) || (*p != 'T' && *p != ' '))
        return VS_E_PARSE;
    p++;
    if (!get_digits(&p, 2, &h) || *p++ != ':' || !get_digits(&p, 2, &mi) || *p++ != ':' ||
        !get_digits(&p, 2, &s))
        return VS_E_PARSE;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return VS_E_PARSE;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        int64_t scale = 100000;
        while (*p >= '0' && *p <= '9') {
            if (n++ >= 9)
                return VS_E_PARSE;
            frac += (*p++ - '0') * scale;
            scale /= 10;
        }
        if (n == 0)
            return VS_E_PARSE;
    }
    if (*p == 'Z')
        p++;
    else if (strcmp(p, "+00:00") == 0)
        p += 6;
    else
        return VS_E_PARSE;
    if (*p)
        return VS_E_PARSE;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    *us = secs * US_PER_SEC + frac;
    return VS_OK;
}

int64_t vs__store_now_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

/* ---- errors -------------------------------------------------------------------------------- */

static void set_text(char *buf, size_t size, const char *text)
{
    if (buf && size) {
        size_t n = strlen(text);
        if (n >= size)
            n = size - 1;
        memcpy(buf, text, n);
        buf[n] = '\0';
    }
}

vs_rc vs__store_failf(vs_store *st, const char *fmt, ...)
{
    int n = snprintf(st->err, sizeof st->err, "%s: ", st->path);
    if (n < 0 || (size_t)n >= sizeof st->err)
        return VS_E_IO;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err + n, sizeof st->err - (size_t)n, fmt, ap);
    va_end(ap);
    return VS_E_IO;
}

vs_rc vs__store_fail(vs_store *st, int rc, const char *what)
{
    char reason[256];
    int sys = st->db ? sqlite3_system_errno(st->db) : 0;
    switch (rc & 0xff) {
    case SQLITE_NOTADB:
        snprintf(reason, sizeof reason, "file is not a database");
        break;
    case SQLITE_CORRUPT:
        snprintf(reason, sizeof reason,
                 "database is corrupted (%s); restore a backup or move the file aside",
                 sqlite3_errstr(rc));
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        snprintf(reason, sizeof reason,
                 "database is locked by another process (gave up after %d ms)", st->busy_ms);
        break;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        snprintf(reason, sizeof reason, "permission denied");
        break;
    case SQLITE_READONLY:
        snprintf(reason, sizeof reason, "permission denied (the database is read-only)");
        break;
    case SQLITE_CANTOPEN:
        snprintf(reason, sizeof reason, "%s",
                 sys == EACCES || sys == EPERM ? "permission denied"
                 : sys                         ? strerror(sys)
                                               : "unable to open the database file");
        break;
    case SQLITE_FULL:
        snprintf(reason, sizeof reason, "disk is full");
        break;
    case SQLITE_IOERR:
        snprintf(reason, sizeof reason, "input/output error (%s)",
                 sys ? strerror(sys) : sqlite3_errstr(rc));
        break;
    default:
        snprintf(reason, sizeof reason, "%s", st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        break;
    }
    if (what)
        return vs__store_failf(st, "%s: %s", what, reason);
    return vs__store_failf(st, "%s", reason);
}

int vs__store_exec1(vs_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Resets a hot statement after use and drops its bindings (they point into caller memory). */
static void done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* ---- default path -------------------------------------------------------------------------- */

vs_rc vs_store_default_path(char *buf, size_t size)
{
    if (!buf || size == 0)
        return VS_E_INVAL;
    const char *db = getenv("VOIPSEC_DB");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    const char *base, *suffix;
    if (db && *db) {
        base = db;
        suffix = "";
    } else if (xdg && xdg[0] == '/') { /* the XDG spec ignores a relative XDG_DATA_HOME */
        base = xdg;
        suffix = "/voipsec/voipsec.db";
    } else if (home && *home) {
        base = home;
        suffix = "/.local/share/voipsec/voipsec.db";
    } else {
        return VS_E_NOTFOUND;
    }
    size_t lb = strlen(base), ls = strlen(suffix);
    /* "/x/" + "/voipsec/..." would give "//": drop a trailing slash of the base */
    if (*suffix && lb > 1 && base[lb - 1] == '/')
        lb--;
    if (lb + ls >= size)
        return VS_E_LIMIT;
    memcpy(buf, base, lb);
    memcpy(buf + lb, suffix, ls + 1);
    return VS_OK;
}

/* ---- open ---------------------------------------------------------------------------------- */

static int busy_ms_from_env(void)
{
    const char *v = getenv("VOIPSEC_DB_BUSY_MS");
    if (!v || !*v)
        return VS__STORE_BUSY_MS_DEFAULT;
    char *end = NULL;
    errno = 0;
    long ms = strtol(v, &end, 10);
    if (errno || *end || ms < 0 || ms > 600000)
        return VS__STORE_BUSY_MS_DEFAULT;
    return (int)ms;
}

static const char *errno_text(int e)
{
    return e == EACCES || e == EPERM ? "permission denied" : strerror(e);
}

/* Creates the missing directories above the file, each 0700 (the umask is 077 here). */
static vs_rc make_parents(vs_store *st)
{
    char *slash = strrchr(st->path, '/');
    if (!slash || slash == st->path)
        return VS_OK;
    size_t dlen = (size_t)(slash - st->path);
    char *dir = malloc(dlen + 1);
    if (!dir)
        return vs__store_failf(st, "out of memory");
    memcpy(dir, st->path, dlen);
    dir[dlen] = '\0';
    struct stat sb;
    vs_rc ret = VS_OK;
    if (stat(dir, &sb) == 0 || errno != ENOENT)
        goto out; /* exists or unreachable: open(2) then says what is wrong */
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            ret = vs__store_failf(st, "cannot create directory %s: %s", dir, errno_text(errno));
            goto out;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
out:
    free(dir);
    return ret;
}

/* Tightens an existing file that group or others may read to 0600, silently (best effort). */
static void tighten(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077))
        chmod(path, 0600);
}

/* Creates the file 0600 before SQLite opens it, or checks and tightens an existing one. */
static vs_rc prepare_file(vs_store *st)
{
    int fd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        if (errno == EISDIR)
            return vs__store_failf(st, "is a directory, not a database file");
        return vs__store_failf(st, "cannot open: %s", errno_text(errno));
    }
    struct stat sb;
    vs_rc ret = VS_OK;
    if (fstat(fd, &sb) != 0)
        ret = vs__store_failf(st, "cannot stat: %s", strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        ret = vs__store_failf(st, "not a regular file");
    else if (sb.st_mode & 077)
        (void)fchmod(fd, 0600); /* not ours to change: SQLite's own checks follow */
    /* closed before SQLite opens the file: closing any descriptor of a file drops the POSIX locks
     * the process holds on it, SQLite's included */
    close(fd);
    if (ret == VS_OK) {
        size_t n = strlen(st->path);
        char *aux = malloc(n + 5);
        if (aux) {
            memcpy(aux, st->path, n);
            memcpy(aux + n, "-wal", 5);
            tighten(aux);
            memcpy(aux + n, "-shm", 5);
            tighten(aux);
            free(aux);
        }
    }
    return ret;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Switches the file to WAL (a no-op when it already is). Converting a new file from SQLite's
 * default rollback journal upgrades a read lock to a write lock, and SQLite answers SQLITE_BUSY
 * at once there instead of calling the busy handler (deadlock avoidance): when two processes
 * create the store together, one of them lands here. So retry until the busy timeout. */
static vs_rc set_wal(vs_store *st)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    int64_t deadline = mono_us() + (int64_t)st->busy_ms * 1000;
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) != SQLITE_ROW) {
        if ((rc & 0xff) != SQLITE_BUSY || mono_us() >= deadline)
            break;
        sqlite3_reset(s);
        sleep_ms(5);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_ROW) {
        vs__store_fail(st, rc, NULL);
        sqlite3_finalize(s);
        return VS_E_IO;
    }
    const char *mode = (const char *)sqlite3_column_text(s, 0);
    vs_rc ret = VS_OK;
    if (!mode || strcmp(mode, "wal") != 0)
        ret = vs__store_failf(st, "cannot switch to WAL mode (journal mode is '%s')",
                              mode ? mode : "?");
    sqlite3_finalize(s);
    return ret;
}

#define FINDING_COLUMNS                                                                            \
    "run_id, source, rule, practice, severity, title, explain, advice, src_ip, src_port, "         \
    "src_transport, dst_ip, dst_port, dst_transport, \"user\", tool, first_seen, last_seen, "      \
    "count, file, line, evidence"

static vs_rc prepare_hot(vs_store *st)
{
    static const struct {
        size_t offset;
        const char *sql;
    } hot[] = {
        {offsetof(vs_store, begin), "BEGIN IMMEDIATE"},
        {offsetof(vs_store, commit), "COMMIT"},
        {offsetof(vs_store, rollback), "ROLLBACK"},
        {offsetof(vs_store, ins_run),
         "INSERT INTO runs (command, args, started_at) VALUES (?1, ?2, ?3)"},
        {offsetof(vs_store, ins_finding),
         "INSERT INTO findings (" FINDING_COLUMNS ", created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
         "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"},
        {offsetof(vs_store, dev_upsert),
         "INSERT INTO devices (ip, port, transport, user_agent, \"user\", first_seen, last_seen) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
         "ON CONFLICT (ip, port, transport, user_agent, \"user\") DO UPDATE SET "
         "first_seen = min(first_seen, excluded.first_seen), "
         "last_seen = max(last_seen, excluded.last_seen)"},
        {offsetof(vs_store, count_findings), "SELECT count(*) FROM findings"},
        {offsetof(vs_store, count_devices), "SELECT count(*) FROM devices"},
        {offsetof(vs_store, each_all), "SELECT id, " FINDING_COLUMNS " FROM findings ORDER BY id"},
        {offsetof(vs_store, each_run),
         "SELECT id, " FINDING_COLUMNS " FROM findings WHERE run_id = ?1 ORDER BY id"},
    };
    for (size_t i = 0; i < sizeof hot / sizeof hot[0]; i++) {
        sqlite3_stmt **slot = (sqlite3_stmt **)((char *)st + hot[i].offset);
        int rc = sqlite3_prepare_v3(st->db, hot[i].sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
        if (rc != SQLITE_OK)
            return vs__store_fail(st, rc, "preparing statements");
    }
    return VS_OK;
}

vs_store *vs_store_open(const char *path, char *err, size_t errlen)
{
    /* 077 for everything created below: directories, the file, -wal, -shm */
    mode_t old_mask = umask(077);
    vs_store *st = NULL;
    set_text(err, errlen, "");
    if (!path || !*path) {
        set_text(err, errlen, "no database path given");
        goto fail;
    }
    st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        set_text(err, errlen, "out of memory");
        goto fail;
    }
    st->busy_ms = busy_ms_from_env();
    if (make_parents(st) != VS_OK || prepare_file(st) != VS_OK)
        goto fail_err;
    int rc = sqlite3_open_v2(
        path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        vs__store_fail(st, rc, NULL);
        goto fail_err;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, st->busy_ms);
    if (set_wal(st) != VS_OK)
        goto fail_err;
    /* NORMAL is durable across crashes of voipsec in WAL mode; a power cut may lose the last
     * transactions, never the file */
    if ((rc = vs__store_exec1(st, "PRAGMA foreign_keys = ON")) != SQLITE_OK ||
        (rc = vs__store_exec1(st, "PRAGMA synchronous = NORMAL")) != SQLITE_OK) {
        vs__store_fail(st, rc, NULL);
        goto fail_err;
    }
    if (vs__store_migrate(st) != VS_OK || prepare_hot(st) != VS_OK)
        goto fail_err;
    umask(old_mask);
    return st;

fail_err:
    set_text(err, errlen, st->err);
fail:
    vs_store_close(st);
    umask(old_mask);
    return NULL;
}

void vs_store_close(vs_store *st)
{
    if (!st)
        return;
    sqlite3_stmt *all[] = {st->begin,       st->commit,     st->rollback,       st->ins_run,
                           st->ins_finding, st->dev_upsert, st->count_findings, st->count_devices,
                           st->each_all,    st->each_run};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(st->db); /* rolls back an open transaction; NULL is a no-op */
    free(st->path);
    free(st);
}

int vs_store_schema_version(vs_store *st)
{
    return st ? st->version : VS_E_INVAL;
}

const char *vs_store_error(vs_store *st)
{
    return st ? st->err : "no store";
}

/* ---- transactions -------------------------------------------------------------------------- */

vs_rc vs_store_begin(vs_store *st)
{
    if (!st)
        return VS_E_INVAL;
    int rc = sqlite3_step(st->begin);
    vs_rc ret = rc == SQLITE_DONE ? VS_OK : vs__store_fail(st, rc, "starting a transaction");
    sqlite3_reset(st->begin);
    return ret;
}

vs_rc vs_store_commit(vs_store *st)
{
    if (!st)
        return VS_E_INVAL;
    int rc = sqlite3_step(st->commit);
    vs_rc ret = rc == SQLITE_DONE ? VS_OK : vs__store_fail(st, rc, "committing");
    sqlite3_reset(st->commit);
    if (ret != VS_OK && !sqlite3_get_autocommit(st->db)) {
        /* never leave the connection inside a transaction that can no longer commit */
        sqlite3_step(st->rollback);
        sqlite3_reset(st->rollback);
    }
    return ret;
}

/* ---- writes -------------------------------------------------------------------------------- */

/* Binds a fixed-size text field (never read past cap); NULL when empty and null_if_empty. */
static void bind_field(sqlite3_stmt *s, int idx, const char *field, size_t cap, bool null_if_empty)
{
    size_t n = strnlen(field, cap);
    if (n == 0 && null_if_empty)
        sqlite3_bind_null(s, idx);
    else
        sqlite3_bind_text(s, idx, field, (int)n, SQLITE_STATIC);
}

/* Binds a number, NULL when 0 (absent). */
static void bind_num(sqlite3_stmt *s, int idx, int64_t v)
{
    if (v == 0)
        sqlite3_bind_null(s, idx);
    else
        sqlite3_bind_int64(s, idx, v);
}

#define BIND_FIELD(s, idx, field, opt) bind_field((s), (idx), (field), sizeof(field), (opt))

int64_t vs_store_new_run(vs_store *st, const char *command, const char *args)
{
    if (!st)
        return VS_E_INVAL;
    if (!command || !*command) {
        vs__store_failf(st, "a run needs a command name");
        return VS_E_INVAL;
    }
    sqlite3_stmt *s = st->ins_run;
    char now[25];
    vs__store_time_format(vs__store_now_us(), now);
    sqlite3_bind_text(s, 1, command, -1, SQLITE_STATIC);
    if (args)
        sqlite3_bind_text(s, 2, args, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 2);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int64_t id = rc == SQLITE_DONE ? sqlite3_last_insert_rowid(st->db)
                                   : vs__store_fail(st, rc, "starting a run");
    done(s);
    return id;
}

vs_rc vs_store_add_finding(vs_store *st, int64_t run_id, const char *source, const vs_finding *f)
{
    if (!st)
        return VS_E_INVAL;
    const char *practice = f ? vs_practice_id(f->practice) : "";
    const char *severity = f ? vs_severity_id(f->severity) : "";
    if (!f || !source || !*source || run_id < 0 || !*practice || !*severity || !f->rule[0]) {
        vs__store_failf(st, "a finding needs a source, a rule, a valid practice and severity, "
                            "and a run id >= 0");
        return VS_E_INVAL;
    }
    sqlite3_stmt *s = st->ins_finding;
    char first[25], last[25], created[25];
    bind_num(s, 1, run_id);
    sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
    BIND_FIELD(s, 3, f->rule, false);
    sqlite3_bind_text(s, 4, practice, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, severity, -1, SQLITE_STATIC);
    BIND_FIELD(s, 6, f->title, false);
    BIND_FIELD(s, 7, f->explain, true);
    BIND_FIELD(s, 8, f->advice, true);
    BIND_FIELD(s, 9, f->src.ip, true);
    bind_num(s, 10, f->src.port);
    BIND_FIELD(s, 11, f->src.transport, true);
    BIND_FIELD(s, 12, f->dst.ip, true);
    bind_num(s, 13, f->dst.port);
    BIND_FIELD(s, 14, f->dst.transport, true);
    BIND_FIELD(s, 15, f->user, true);
    BIND_FIELD(s, 16, f->tool, true);
    if (f->first_seen_us) {
        vs__store_time_format(f->first_seen_us, first);
        sqlite3_bind_text(s, 17, first, -1, SQLITE_STATIC);
    }
    if (f->last_seen_us) {
        vs__store_time_format(f->last_seen_us, last);
        sqlite3_bind_text(s, 18, last, -1, SQLITE_STATIC);
    }
    bind_num(s, 19, f->count > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)f->count);
    BIND_FIELD(s, 20, f->file, true);
    bind_num(s, 21, f->line);
    BIND_FIELD(s, 22, f->evidence, true);
    vs__store_time_format(vs__store_now_us(), created);
    sqlite3_bind_text(s, 23, created, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    vs_rc ret = VS_OK;
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        ret = vs__store_failf(st, "adding a finding: there is no run %lld", (long long)run_id);
    else if (rc != SQLITE_DONE)
        ret = vs__store_fail(st, rc, "adding a finding");
    done(s);
    return ret;
}

vs_rc vs_store_device_seen(vs_store *st, const vs_device_seen *d)
{
    if (!st)
        return VS_E_INVAL;
    if (!d || !d->ip[0]) {
        vs__store_failf(st, "a device needs an address");
        return VS_E_INVAL;
    }
    sqlite3_stmt *s = st->dev_upsert;
    char seen[25];
    vs__store_time_format(d->seen_us ? d->seen_us : vs__store_now_us(), seen);
    BIND_FIELD(s, 1, d->ip, false);
    sqlite3_bind_int(s, 2, d->port);
    BIND_FIELD(s, 3, d->transport, false);
    BIND_FIELD(s, 4, d->user_agent, false);
    BIND_FIELD(s, 5, d->user, false);
    sqlite3_bind_text(s, 6, seen, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    vs_rc ret = rc == SQLITE_DONE ? VS_OK : vs__store_fail(st, rc, "recording a device");
    done(s);
    return ret;
}

/* ---- reads --------------------------------------------------------------------------------- */

int64_t vs_store_count(vs_store *st, const char *table)
{
    if (!st)
        return VS_E_INVAL;
    sqlite3_stmt *s = NULL;
    if (table && strcmp(table, "findings") == 0)
        s = st->count_findings;
    else if (table && strcmp(table, "devices") == 0)
        s = st->count_devices;
    if (!s) {
        vs__store_failf(st, "cannot count '%s': only findings and devices",
                        table ? table : "(null)");
        return VS_E_INVAL;
    }
    int rc = sqlite3_step(s);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : vs__store_fail(st, rc, "counting");
    done(s);
    return n;
}

/* Copies a text column into a fixed-size field, cut on a UTF-8 boundary; "" for NULL. */
static void col_text(sqlite3_stmt *s, int col, char *dst, size_t cap)
{
    const char *p = (const char *)sqlite3_column_text(s, col);
    size_t n = p ? strnlen(p, (size_t)sqlite3_column_bytes(s, col)) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, p, n);
    dst[n] = '\0';
}

#define COL_TEXT(s, col, field) col_text((s), (col), (field), sizeof(field))

static int64_t col_int(sqlite3_stmt *s, int col, int64_t lo, int64_t hi)
{
    int64_t v = sqlite3_column_int64(s, col);
    return v < lo || v > hi ? 0 : v;
}

static vs_rc col_time(vs_store *st, sqlite3_stmt *s, int col, int64_t id, int64_t *out)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    *out = 0;
    if (!t)
        return VS_OK;
    if (vs__store_time_parse(t, out) != VS_OK)
        return vs__store_failf(st, "finding %lld has an invalid time '%.40s'", (long long)id, t);
    return VS_OK;
}

/* Fills f from a row of each_all / each_run (column 0 is the id, then FINDING_COLUMNS). */
static vs_rc row_to_finding(vs_store *st, sqlite3_stmt *s, vs_finding *f)
{
    int64_t id = sqlite3_column_int64(s, 0);
    memset(f, 0, sizeof *f);
    COL_TEXT(s, 3, f->rule);
    const char *practice = (const char *)sqlite3_column_text(s, 4);
    const char *severity = (const char *)sqlite3_column_text(s, 5);
    int p = 0, v = 0;
    while (p < VS_PRACTICE__COUNT && !(practice && !strcmp(practice, vs_practice_id(p))))
        p++;
    while (v < VS_SEV__COUNT && !(severity && !strcmp(severity, vs_severity_id(v))))
        v++;
    if (p == VS_PRACTICE__COUNT || v == VS_SEV__COUNT)
        return vs__store_failf(st,
                               "finding %lld has an unknown practice or severity ('%.20s', "
                               "'%.20s')",
                               (long long)id, practice ? practice : "", severity ? severity : "");
    f->practice = (vs_practice)p;
    f->severity = (vs_severity)v;
    COL_TEXT(s, 6, f->title);
    COL_TEXT(s, 7, f->explain);
    COL_TEXT(s, 8, f->advice);
    COL_TEXT(s, 9, f->src.ip);
    f->src.port = (uint16_t)col_int(s, 10, 0, 65535);
    COL_TEXT(s, 11, f->src.transport);
    COL_TEXT(s, 12, f->dst.ip);
    f->dst.port = (uint16_t)col_int(s, 13, 0, 65535);
    COL_TEXT(s, 14, f->dst.transport);
    COL_TEXT(s, 15, f->user);
    COL_TEXT(s, 16, f->tool);
    if (col_time(st, s, 17, id, &f->first_seen_us) != VS_OK ||
        col_time(st, s, 18, id, &f->last_seen_us) != VS_OK)
        return VS_E_IO;
    f->count = (uint64_t)col_int(s, 19, 0, INT64_MAX);
    COL_TEXT(s, 20, f->file);
    f->line = (unsigned)col_int(s, 21, 0, UINT_MAX);
    COL_TEXT(s, 22, f->evidence);
    return VS_OK;
}

vs_rc vs_store_each_finding(vs_store *st, int64_t run_id, vs_store_finding_fn fn, void *ctx)
{
    if (!st)
        return VS_E_INVAL;
    if (!fn || run_id < 0 || st->iterating) {
        vs__store_failf(st, "%s",
                        st->iterating ? "vs_store_each_finding is not reentrant"
                                      : "no callback or a negative run id");
        return VS_E_INVAL;
    }
    sqlite3_stmt *s = run_id ? st->each_run : st->each_all;
    if (run_id)
        sqlite3_bind_int64(s, 1, run_id);
    vs_finding *f = malloc(sizeof *f); /* ~4 KiB: off the caller's stack */
    if (!f) {
        vs__store_failf(st, "out of memory");
        return VS_E_NOMEM;
    }
    st->iterating = true;
    vs_rc ret = VS_OK;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (row_to_finding(st, s, f) != VS_OK) {
            ret = VS_E_IO;
            break;
        }
        const char *source = (const char *)sqlite3_column_text(s, 2);
        if (!fn(ctx, sqlite3_column_int64(s, 1), source ? source : "", f))
            break;
    }
    if (ret == VS_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        ret = vs__store_fail(st, rc, "reading findings");
    done(s);
    st->iterating = false;
    free(f);
    return ret;
}
