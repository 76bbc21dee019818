/* The access-log tables of the store: the records (access_log) and the head (access_head, one row:
 * the last seq and mac the log wrote).
 *
 * Design: plain prepared statements per call, constant text with bound values (appends are rare
 * and verify reads once, so the hot-statement cache of store.c is not used). The transactions are
 * the caller's: src/access/ brackets an append (tip, insert, head) in BEGIN IMMEDIATE and verify
 * (head, records) in one read transaction. Each error is recorded with vs__store_fail at the same
 * point relative to sqlite3_finalize as before the move, so the reason text (which may come from
 * sqlite3_errmsg) is unchanged. */
#include <stdio.h>
#include <string.h>

#include "store/access_rows.h"
#include "store/store_internal.h"

const char *vs__access_rows_store_path(vs_store *st)
{
    return st->path;
}

int64_t vs__access_rows_now_us(void)
{
    return vs__store_now_us();
}

void vs__access_rows_time_format(int64_t us, char buf[static 25])
{
    vs__store_time_format(us, buf);
}

vs_rc vs__access_rows_time_parse(const char *text, int64_t *us)
{
    return vs__store_time_parse(text, us);
}

/* ---- transactions ------------------------------------------------------------------------- */

bool vs__access_rows_in_transaction(vs_store *st)
{
    return !sqlite3_get_autocommit(st->db);
}

vs_rc vs__access_rows_begin(vs_store *st, bool immediate, const char *what)
{
    int rc = vs__store_exec1(st, immediate ? "BEGIN IMMEDIATE" : "BEGIN");
    return rc == SQLITE_OK ? VS_OK : vs__store_fail(st, rc, what);
}

vs_rc vs__access_rows_commit(vs_store *st, const char *what)
{
    int rc = vs__store_exec1(st, "COMMIT");
    return rc == SQLITE_OK ? VS_OK : vs__store_fail(st, rc, what);
}

void vs__access_rows_rollback(vs_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        vs__store_exec1(st, "ROLLBACK");
}

void vs__access_rows_end_read(vs_store *st)
{
    vs__store_exec1(st, "COMMIT");
}

/* ---- reads -------------------------------------------------------------------------------- */

vs_rc vs__access_rows_count(vs_store *st, int64_t *n, const char *what)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT (SELECT count(*) FROM access_log) + "
                                "(SELECT count(*) FROM access_head)",
                                -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    if (*n < 0)
        return vs__store_fail(st, rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_CORRUPT : rc,
                              what);
    return VS_OK;
}

vs_rc vs__access_rows_tip(vs_store *st, int64_t *seq, char mac[VS_ACCESS_MAC_HEX + 1],
                          const char *what)
{
    static const char sql[] =
        "SELECT seq, mac FROM access_head WHERE id = 1 "
        "UNION ALL SELECT seq, mac FROM (SELECT seq, mac FROM access_log ORDER BY seq DESC "
        "LIMIT 1)";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t q = sqlite3_column_int64(s, 0);
        const unsigned char *m = sqlite3_column_text(s, 1);
        if (q > *seq) {
            *seq = q;
            snprintf(mac, VS_ACCESS_MAC_HEX + 1, "%s", m ? (const char *)m : "");
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE || rc == SQLITE_OK)
        return VS_OK;
    return vs__store_fail(st, rc, what);
}

vs_rc vs__access_rows_head(vs_store *st, bool *have, int64_t *seq, char mac[VS_ACCESS_MAC_HEX + 1],
                           const char *what)
{
    sqlite3_stmt *s = NULL;
    int rc =
        sqlite3_prepare_v2(st->db, "SELECT seq, mac FROM access_head WHERE id = 1", -1, &s, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        return vs__store_fail(st, rc, what);
    }
    *have = false;
    *seq = 0;
    mac[0] = '\0';
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char *m = sqlite3_column_text(s, 1);
        *have = true;
        *seq = sqlite3_column_int64(s, 0);
        snprintf(mac, VS_ACCESS_MAC_HEX + 1, "%s", m ? (const char *)m : "");
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return vs__store_fail(st, rc, what);
    return VS_OK;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

vs_rc vs__access_rows_each(vs_store *st, const vs__access_row_filter *f, vs__access_row_fn fn,
                           void *ctx, const char *what)
{
    static const char sql[] =
        "SELECT seq, at, who, what, action, why, prev_mac, mac FROM access_log "
        "WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR who = ?2) AND (?3 IS NULL OR what = ?3) "
        "ORDER BY seq";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return vs__store_fail(st, rc, what);
    if (f && f->since)
        sqlite3_bind_text(s, 1, f->since, -1, SQLITE_STATIC);
    if (f && f->who)
        sqlite3_bind_text(s, 2, f->who, -1, SQLITE_STATIC);
    if (f && f->what)
        sqlite3_bind_text(s, 3, f->what, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        vs__access_row r;
        r.seq = sqlite3_column_int64(s, 0);
        r.at = col_text(s, 1);
        r.who = col_text(s, 2);
        r.what = col_text(s, 3);
        r.action = col_text(s, 4);
        r.why = col_text(s, 5);
        r.prev_mac = col_text(s, 6);
        r.mac = col_text(s, 7);
        int go = fn(ctx, &r);
        if (go < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (go == 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return vs__store_fail(st, rc, what);
    return VS_OK;
}

/* ---- append ------------------------------------------------------------------------------- */

static int step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

vs_rc vs__access_rows_append(vs_store *st, const vs__access_row *r, const char *what)
{
    sqlite3_stmt *ins = NULL, *head = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO access_log (seq, at, who, what, action, why, "
                                "prev_mac, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                -1, &ins, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(ins, 1, r->seq);
    sqlite3_bind_text(ins, 2, r->at, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, r->who, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, r->what, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, r->action, -1, SQLITE_STATIC);
    if (r->why)
        sqlite3_bind_text(ins, 6, r->why, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(ins, 6);
    sqlite3_bind_text(ins, 7, r->prev_mac, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 8, r->mac, -1, SQLITE_STATIC);
    rc = step_done(ins);
    if (rc != SQLITE_OK)
        goto fail;
    rc = sqlite3_prepare_v2(st->db,
                            "INSERT INTO access_head (id, seq, mac) VALUES (1, ?, ?) "
                            "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac",
                            -1, &head, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(head, 1, r->seq);
    sqlite3_bind_text(head, 2, r->mac, -1, SQLITE_STATIC);
    rc = step_done(head);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_finalize(ins);
    sqlite3_finalize(head);
    return VS_OK;

fail:
    vs__store_fail(st, rc, what);
    sqlite3_finalize(ins);
    sqlite3_finalize(head);
    return VS_E_IO;
}
