/* Private to src/store/: the store handle, error recording and the migrations (schema.c). Only
 * src/store/ includes sqlite3.h. */
#ifndef VS_STORE_INTERNAL_H
#define VS_STORE_INTERNAL_H

#include <sqlite3.h>
#include <voipsec/store.h>

/* Newest schema version this code knows (the last entry of the migrations in schema.c). */
#define VS__STORE_SCHEMA_LATEST 4

/* Default busy timeout; VOIPSEC_DB_BUSY_MS (0..600000) overrides it at open. */
#define VS__STORE_BUSY_MS_DEFAULT 5000

struct vs_store {
    sqlite3 *db;
    char *path;
    int version;
    int busy_ms;
    bool iterating; /* inside vs_store_each_finding: the select statements are in use */
    /* hot statements, prepared once after the migrations */
    sqlite3_stmt *begin, *commit, *rollback;
    sqlite3_stmt *ins_run, *ins_finding, *dev_upsert;
    sqlite3_stmt *count_findings, *count_devices;
    sqlite3_stmt *each_all, *each_run;
    char err[1024];
};

/* Records "<path>: <what>: <reason>" in st->err from the SQLite result code rc (the reason names
 * the common cases in plain words: not a database, corrupted, locked, permission denied, disk
 * full). what may be NULL. Returns VS_E_IO. */
vs_rc vs__store_fail(vs_store *st, int rc, const char *what);

/* Records "<path>: <printf text>" in st->err. Returns VS_E_IO. */
vs_rc vs__store_failf(vs_store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs one statement without parameters or result rows (a pragma, BEGIN, a DDL statement):
 * sqlite result code. */
int vs__store_exec1(vs_store *st, const char *sql);

/* Brings the file to VS__STORE_SCHEMA_LATEST: reads the version, refuses a newer one or a
 * database of another program, applies each missing migration inside its own BEGIN IMMEDIATE
 * transaction and records it in schema_version. Sets st->version. VS_OK or VS_E_IO (st->err). */
vs_rc vs__store_migrate(vs_store *st);

/* Formats microseconds since the epoch as "2026-11-29T06:14:34.123Z" (always 24 characters;
 * clamped to years 0000..9999 so that text order is time order) into buf (>= 25 bytes). */
void vs__store_time_format(int64_t us, char buf[static 25]);

/* Parses that format (fraction of 0 to 9 digits, "Z" or "+00:00") back to microseconds.
 * VS_OK or VS_E_PARSE. */
vs_rc vs__store_time_parse(const char *text, int64_t *us);

/* Wall clock in microseconds since the epoch. */
int64_t vs__store_now_us(void);

#endif
