/* Store schema and forward-only migrations.
 *
 * Design: migrations[] is an ordered list of SQL scripts; entry i brings the file from version i
 * to version i + 1. A script is never edited once released: a change of schema is a new entry.
 * vs__store_migrate reads the version without taking the write lock (the usual case, a file that
 * is already current, then never waits for a writer), and only when something is missing takes
 * BEGIN IMMEDIATE, reads the version again (another process may have migrated meanwhile), applies
 * the next script and records it, one transaction per version.
 *
 * The SQL is kept portable so that a central PostgreSQL can hold the same tables: only INTEGER and
 * TEXT columns, times as ISO-8601 UTC text, no AUTOINCREMENT, no SQLite-only column options;
 * "user" is quoted because it is a reserved word in PostgreSQL (docs/internals/store.md). */
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"

/* one column per line, as the SQL reads */
// clang-format off
static const char migration_1[] =
    "CREATE TABLE schema_version (\n"
    "  version INTEGER NOT NULL PRIMARY KEY,\n"
    "  applied_at TEXT\n"
    ");\n"
    "CREATE TABLE runs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  command TEXT NOT NULL,\n"
    "  args TEXT,\n"
    "  started_at TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE findings (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  run_id INTEGER REFERENCES runs(id),\n"
    "  source TEXT NOT NULL,\n"
    "  rule TEXT NOT NULL,\n"
    "  practice TEXT NOT NULL,\n"
    "  severity TEXT NOT NULL,\n"
    "  title TEXT NOT NULL,\n"
    "  explain TEXT,\n"
    "  advice TEXT,\n"
    "  src_ip TEXT,\n"
    "  src_port INTEGER,\n"
    "  src_transport TEXT,\n"
    "  dst_ip TEXT,\n"
    "  dst_port INTEGER,\n"
    "  dst_transport TEXT,\n"
    "  \"user\" TEXT,\n"
    "  tool TEXT,\n"
    "  first_seen TEXT,\n"
    "  last_seen TEXT,\n"
    "  count INTEGER,\n"
    "  file TEXT,\n"
    "  line INTEGER,\n"
    "  evidence TEXT,\n"
    "  created_at TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX findings_practice ON findings (practice);\n"
    "CREATE INDEX findings_rule ON findings (rule);\n"
    "CREATE INDEX findings_run_id ON findings (run_id);\n"
    "CREATE TABLE devices (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  ip TEXT NOT NULL,\n"
    "  port INTEGER NOT NULL,\n"
    "  transport TEXT NOT NULL,\n"
    "  user_agent TEXT NOT NULL,\n"
    "  \"user\" TEXT NOT NULL,\n"
    "  first_seen TEXT NOT NULL,\n"
    "  last_seen TEXT NOT NULL,\n"
    "  UNIQUE (ip, port, transport, user_agent, \"user\")\n"
    ");\n";
// clang-format on

/* Version 2: the equipment access log (`voipsec access`, docs/internals/access-log.md): records
 * chained with HMAC-SHA-256 (mac, prev_mac as 64 hex digits; at as ISO-8601 UTC text), and a
 * one-row head holding the last seq and its mac, moved in the same transaction as each append. */
// clang-format off
static const char migration_2[] =
    "CREATE TABLE access_log (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  seq INTEGER NOT NULL UNIQUE,\n"
    "  at TEXT NOT NULL,\n"
    "  who TEXT NOT NULL,\n"
    "  what TEXT NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  why TEXT,\n"
    "  prev_mac TEXT NOT NULL,\n"
    "  mac TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX access_log_at ON access_log (at);\n"
    "CREATE TABLE access_head (\n"
    "  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "  seq INTEGER NOT NULL,\n"
    "  mac TEXT NOT NULL\n"
    ");\n";
// clang-format on

/* Version 3: credential metadata for `voipsec creds` (docs/internals/store.md). fingerprint is a
 * libsodium crypto_pwhash_str string (Argon2id, salted), never the secret; weak is the policy's
 * verdict at import ("" or NULL: met it); reuse_group the smallest id of the accounts that shared
 * the secret at import (0: none). */
// clang-format off
static const char migration_3[] =
    "CREATE TABLE credential_accounts (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  kind TEXT NOT NULL,\n"
    "  account TEXT NOT NULL,\n"
    "  auth_user TEXT,\n"
    "  extension TEXT,\n"
    "  source_file TEXT,\n"
    "  line INTEGER,\n"
    "  fingerprint TEXT NOT NULL,\n"
    "  set_at TEXT NOT NULL,\n"
    "  imported_at TEXT NOT NULL,\n"
    "  weak TEXT,\n"
    "  reuse_group INTEGER NOT NULL DEFAULT 0,\n"
    "  UNIQUE (kind, account)\n"
    ");\n"
    "CREATE TABLE credential_history (\n"
    "  account_id INTEGER NOT NULL REFERENCES credential_accounts(id),\n"
    "  fingerprint TEXT NOT NULL,\n"
    "  set_at TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX credential_history_account ON credential_history (account_id, set_at);\n";
// clang-format on

/* Version 4: reviews of device firmware for `voipsec inventory review` (docs/cli/inventory.md):
 * someone checked that the device (ip, vendor, model) runs current firmware; version is what it
 * ran then. The inventory itself is derived from the devices rows at read time and not stored.
 * vendor is "" and model the raw User-Agent for a device no fingerprint rule recognises. */
// clang-format off
static const char migration_4[] =
    "CREATE TABLE device_reviews (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  ip TEXT NOT NULL,\n"
    "  vendor TEXT NOT NULL,\n"
    "  model TEXT NOT NULL,\n"
    "  version TEXT NOT NULL,\n"
    "  reviewed_at TEXT NOT NULL,\n"
    "  who TEXT NOT NULL,\n"
    "  note TEXT\n"
    ");\n"
    "CREATE INDEX device_reviews_device ON device_reviews (ip, vendor, model, reviewed_at);\n";
// clang-format on

/* migrations[i] brings version i to version i + 1. */
static const char *const migrations[] = {
    migration_1,
    migration_2,
    migration_3,
    migration_4,
};

_Static_assert(sizeof migrations / sizeof migrations[0] == VS__STORE_SCHEMA_LATEST,
               "one migration per schema version");

/* Reads the schema version: 0 for an empty file; -1 (st->err set) on error or for a database of
 * another program (tables but no schema_version). */
static int read_version(vs_store *st)
{
    static const char has_table_sql[] =
        "SELECT count(*), coalesce(sum(name = 'schema_version'), 0) FROM sqlite_master "
        "WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
    sqlite3_stmt *s = NULL;
    int version = -1;
    int rc = sqlite3_prepare_v2(st->db, has_table_sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        goto fail;
    int64_t tables = sqlite3_column_int64(s, 0);
    int64_t has_version = sqlite3_column_int64(s, 1);
    sqlite3_finalize(s);
    s = NULL;
    if (!has_version) {
        if (tables > 0) {
            vs__store_failf(st, "not a voipsec store (it holds tables of another program and no "
                                "schema_version table)");
            return -1;
        }
        return 0;
    }
    rc = sqlite3_prepare_v2(st->db, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &s,
                            NULL);
    if (rc != SQLITE_OK)
        goto fail;
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        goto fail;
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (v < 0 || v > 1000000) {
        vs__store_failf(st, "schema_version holds an invalid version %lld", (long long)v);
        return -1;
    }
    return (int)v;

fail:
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        rc = SQLITE_CORRUPT; /* a count without a row */
    vs__store_fail(st, rc, "reading the schema version");
    sqlite3_finalize(s);
    return version;
}

/* Runs every statement of a constant script (no parameters, no caller text). */
static int exec_script(vs_store *st, const char *sql)
{
    const char *p = sql;
    while (*p) {
        sqlite3_stmt *s = NULL;
        const char *tail = NULL;
        int rc = sqlite3_prepare_v2(st->db, p, -1, &s, &tail);
        if (rc != SQLITE_OK)
            return rc;
        if (!s) /* only blanks or comments left */
            break;
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            return rc;
        p = tail;
    }
    return SQLITE_OK;
}

/* Applies migration number v (to version v) inside the open transaction and records it. */
static int apply(vs_store *st, int v)
{
    int rc = exec_script(st, migrations[v - 1]);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(
        st->db, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    char now[25];
    vs__store_time_format(vs__store_now_us(), now);
    sqlite3_bind_int(s, 1, v);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static vs_rc refuse_newer(vs_store *st, int v)
{
    return vs__store_failf(st, "schema version %d is newer than this voipsec (%d); upgrade voipsec",
                           v, VS__STORE_SCHEMA_LATEST);
}

vs_rc vs__store_migrate(vs_store *st)
{
    int v = read_version(st);
    if (v < 0)
        return VS_E_IO;
    if (v > VS__STORE_SCHEMA_LATEST)
        return refuse_newer(st, v);
    while (v < VS__STORE_SCHEMA_LATEST) {
        int rc = vs__store_exec1(st, "BEGIN IMMEDIATE");
        if (rc != SQLITE_OK)
            return vs__store_fail(st, rc, "starting a migration");
        v = read_version(st); /* another process may have migrated while we waited */
        if (v < 0)
            goto rollback;
        if (v > VS__STORE_SCHEMA_LATEST) {
            refuse_newer(st, v);
            goto rollback;
        }
        if (v == VS__STORE_SCHEMA_LATEST) {
            vs__store_exec1(st, "ROLLBACK");
            break;
        }
        rc = apply(st, v + 1);
        if (rc != SQLITE_OK) {
            char what[64];
            snprintf(what, sizeof what, "migrating to schema version %d", v + 1);
            vs__store_fail(st, rc, what);
            goto rollback;
        }
        rc = vs__store_exec1(st, "COMMIT");
        if (rc != SQLITE_OK) {
            vs__store_fail(st, rc, "committing a migration");
            goto rollback;
        }
        v++;
    }
    st->version = v;
    return VS_OK;

rollback:
    if (!sqlite3_get_autocommit(st->db))
        vs__store_exec1(st, "ROLLBACK");
    return VS_E_IO;
}
