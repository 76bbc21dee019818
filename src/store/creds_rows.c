/* The credential tables of the store: accounts with an Argon2id fingerprint of their current
 * secret, and the history of previous fingerprints (no reuse of the last N).
 *
 * Design: plain prepared statements per call (imports are small and rare, so the hot-statement
 * cache of store.c is not used); times are stored as the store's ISO-8601 UTC text and handed to
 * src/creds/ as microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/creds_rows.h"
#include "store/store_internal.h"

#define COLS                                                                                       \
    "id, kind, account, auth_user, extension, source_file, line, fingerprint, set_at, "            \
    "imported_at, coalesce(weak, ''), coalesce(reuse_group, 0)"

static void text_col(sqlite3_stmt *s, int i, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void read_row(sqlite3_stmt *s, vs__cred_row *r)
{
    char t[64];
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    text_col(s, 1, r->kind, sizeof r->kind);
    text_col(s, 2, r->account, sizeof r->account);
    text_col(s, 3, r->user, sizeof r->user);
    text_col(s, 4, r->extension, sizeof r->extension);
    text_col(s, 5, r->file, sizeof r->file);
    r->line = (unsigned)sqlite3_column_int64(s, 6);
    text_col(s, 7, r->fingerprint, sizeof r->fingerprint);
    text_col(s, 8, t, sizeof t);
    if (vs__store_time_parse(t, &r->set_at_us) != VS_OK)
        r->set_at_us = 0;
    text_col(s, 9, t, sizeof t);
    if (vs__store_time_parse(t, &r->imported_at_us) != VS_OK)
        r->imported_at_us = 0;
    text_col(s, 10, r->weak, sizeof r->weak);
    r->reuse_group = sqlite3_column_int64(s, 11);
}

static const char kind_order[] =
    "CASE kind WHEN 'sip' THEN 0 WHEN 'trunk' THEN 1 WHEN 'voicemail' THEN 2 WHEN 'ami' THEN 3 "
    "ELSE 4 END";

vs_rc vs__store_cred_list(vs_store *st, vs__cred_row **rows, size_t *n)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " COLS " FROM credential_accounts ORDER BY %s, account",
             kind_order);
    sqlite3_stmt *s = NULL;
    vs__cred_row *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 32;
            vs__cred_row *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                sqlite3_finalize(s);
                free(v);
                vs__store_failf(st, "out of memory listing credentials");
                return VS_E_NOMEM;
            }
            v = nv;
            cap = nc;
        }
        read_row(s, &v[cnt++]);
    }
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    *rows = v;
    *n = cnt;
    return VS_OK;
fail:
    vs__store_fail(st, rc, "reading credential accounts");
    sqlite3_finalize(s);
    free(v);
    return VS_E_IO;
}

vs_rc vs__store_cred_find(vs_store *st, const char *account, vs__cred_row *out)
{
    char kind[16] = "";
    const char *name = account;
    const char *colon = strchr(account, ':');
    if (colon && (size_t)(colon - account) < sizeof kind) {
        static const char *const kinds[] = {"sip", "trunk", "voicemail", "ami", "portal"};
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (strlen(kinds[i]) == (size_t)(colon - account) &&
                !strncmp(account, kinds[i], (size_t)(colon - account))) {
                snprintf(kind, sizeof kind, "%s", kinds[i]);
                name = colon + 1;
            }
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " COLS " FROM credential_accounts WHERE account = ?1 AND (?2 = '' OR kind = "
             "?2) ORDER BY %s LIMIT 1",
             kind_order);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(s);
        vs__store_failf(st, "no account '%s' in the store (run 'voipsec creds import' first)",
                        account);
        return VS_E_NOTFOUND;
    }
    if (rc != SQLITE_ROW)
        goto fail;
    read_row(s, out);
    sqlite3_finalize(s);
    return VS_OK;
fail:
    vs__store_fail(st, rc, "looking up a credential account");
    sqlite3_finalize(s);
    return VS_E_IO;
}

vs_rc vs__store_cred_put(vs_store *st, vs__cred_row *row, bool changed)
{
    sqlite3_stmt *s = NULL;
    int rc;
    char set_at[25], imported[25];
    vs__store_time_format(row->set_at_us, set_at);
    vs__store_time_format(row->imported_at_us, imported);
    if (changed) {
        rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO credential_history (account_id, fingerprint, set_at) "
                                "SELECT id, fingerprint, set_at FROM credential_accounts "
                                "WHERE kind = ?1 AND account = ?2",
                                -1, &s, NULL);
        if (rc != SQLITE_OK)
            goto fail;
        sqlite3_bind_text(s, 1, row->kind, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, row->account, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
            goto fail;
        sqlite3_finalize(s);
        s = NULL;
    }
    rc = sqlite3_prepare_v2(
        st->db,
        "INSERT INTO credential_accounts (kind, account, auth_user, extension, source_file, line, "
        "fingerprint, set_at, imported_at, weak, reuse_group) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0) "
        "ON CONFLICT (kind, account) DO UPDATE SET auth_user = excluded.auth_user, "
        "extension = excluded.extension, source_file = excluded.source_file, "
        "line = excluded.line, fingerprint = excluded.fingerprint, set_at = excluded.set_at, "
        "imported_at = excluded.imported_at, weak = excluded.weak",
        -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, row->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, row->account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, row->user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, row->extension, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, row->file, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, row->line);
    sqlite3_bind_text(s, 7, row->fingerprint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 8, set_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 9, imported, -1, SQLITE_TRANSIENT);
    if (row->weak[0])
        sqlite3_bind_text(s, 10, row->weak, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 10);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    s = NULL;
    rc = sqlite3_prepare_v2(st->db,
                            "SELECT id FROM credential_accounts WHERE kind = ?1 AND account = ?2",
                            -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, row->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, row->account, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        goto fail;
    row->id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return VS_OK;
fail:
    vs__store_fail(st, rc, "writing a credential account");
    sqlite3_finalize(s);
    return VS_E_IO;
}

vs_rc vs__store_cred_set_reuse(vs_store *st, int64_t id, int64_t group)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(
        st->db, "UPDATE credential_accounts SET reuse_group = ?1 WHERE id = ?2", -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(s, 1, group);
    sqlite3_bind_int64(s, 2, id);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    return VS_OK;
fail:
    vs__store_fail(st, rc, "writing a credential reuse group");
    sqlite3_finalize(s);
    return VS_E_IO;
}

long vs__store_cred_history(vs_store *st, int64_t id, char (*fps)[160], size_t cap)
{
    sqlite3_stmt *s = NULL;
    long n = 0;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT fingerprint FROM credential_history WHERE account_id = ?1 "
                                "ORDER BY set_at DESC, rowid DESC LIMIT ?2",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)cap);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        text_col(s, 0, fps[n++], 160);
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    return n;
fail:
    vs__store_fail(st, rc, "reading credential history");
    sqlite3_finalize(s);
    return VS_E_IO;
}

void vs__store_rollback(vs_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        vs__store_exec1(st, "ROLLBACK");
}
