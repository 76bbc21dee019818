/* The device rows of the store for the inventory: reading the devices table (written by
 * vs_store_device_seen, store.c) and the firmware reviews (device_reviews, schema version 4).
 *
 * Design: one statement prepared per call, not the hot-statement cache of store.c, so that a
 * callback may use the store (another read, or a review insert) while an iteration runs. Rows go
 * to the caller as plain structs (include/voipsec/inventory.h); times are the store's ISO-8601
 * UTC text, handed out as microseconds, and a row whose time does not parse stops the read with
 * an error naming the row rather than being skipped silently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <voipsec/inventory.h>

#include "store/store_internal.h"

static void text_col(sqlite3_stmt *s, int i, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

/* Reads a time column of row id of table; VS_OK or VS_E_IO with st->err naming the row. */
static vs_rc time_col(vs_store *st, sqlite3_stmt *s, int i, const char *table, int64_t id,
                      int64_t *us)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    if (t && vs__store_time_parse(t, us) == VS_OK)
        return VS_OK;
    return vs__store_failf(st, "%s row %lld has an invalid time '%.40s'", table, (long long)id,
                           t ? t : "(null)");
}

vs_rc vs_store_each_device(vs_store *st, vs_store_device_fn fn, void *ctx)
{
    if (!st)
        return VS_E_INVAL;
    if (!fn) {
        vs__store_failf(st, "vs_store_each_device: no callback");
        return VS_E_INVAL;
    }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT id, ip, port, transport, user_agent, \"user\", first_seen, "
                                "last_seen FROM devices ORDER BY ip, id",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return vs__store_fail(st, rc, "reading devices");
    vs_device_row *r = malloc(sizeof *r);
    if (!r) {
        sqlite3_finalize(s);
        vs__store_failf(st, "out of memory");
        return VS_E_NOMEM;
    }
    vs_rc ret = VS_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(s, 0);
        text_col(s, 1, r->ip, sizeof r->ip);
        int64_t port = sqlite3_column_int64(s, 2);
        r->port = (uint16_t)(port < 0 || port > 65535 ? 0 : port);
        text_col(s, 3, r->transport, sizeof r->transport);
        text_col(s, 4, r->user_agent, sizeof r->user_agent);
        text_col(s, 5, r->user, sizeof r->user);
        if (time_col(st, s, 6, "devices", r->id, &r->first_seen_us) != VS_OK ||
            time_col(st, s, 7, "devices", r->id, &r->last_seen_us) != VS_OK) {
            ret = VS_E_IO;
            break;
        }
        if (!fn(ctx, r))
            break;
    }
    if (ret == VS_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        ret = vs__store_fail(st, rc, "reading devices");
    sqlite3_finalize(s);
    free(r);
    return ret;
}

vs_rc vs_store_add_review(vs_store *st, vs_device_review *r)
{
    if (!st)
        return VS_E_INVAL;
    if (!r || !r->ip[0] || !r->who[0]) {
        vs__store_failf(st, "a review needs a device address and who reviewed it");
        return VS_E_INVAL;
    }
    char at[25];
    vs__store_time_format(r->reviewed_at_us ? r->reviewed_at_us : vs__store_now_us(), at);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO device_reviews (ip, vendor, model, version, "
                                "reviewed_at, who, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, r->ip, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, r->vendor, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, r->model, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, r->version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, r->who, -1, SQLITE_TRANSIENT);
    if (r->note[0])
        sqlite3_bind_text(s, 7, r->note, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 7);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    r->id = sqlite3_last_insert_rowid(st->db);
    if (!r->reviewed_at_us)
        (void)vs__store_time_parse(at, &r->reviewed_at_us);
    return VS_OK;
fail:
    vs__store_fail(st, rc, "recording a review");
    sqlite3_finalize(s);
    return VS_E_IO;
}

vs_rc vs_store_each_review(vs_store *st, const char *ip, const char *vendor, const char *model,
                           vs_store_review_fn fn, void *ctx)
{
    if (!st)
        return VS_E_INVAL;
    if (!fn) {
        vs__store_failf(st, "vs_store_each_review: no callback");
        return VS_E_INVAL;
    }
    sqlite3_stmt *s = NULL;
    /* a NULL parameter means "any": ?1 IS NULL OR ip = ?1 */
    int rc = sqlite3_prepare_v2(
        st->db,
        "SELECT id, ip, vendor, model, version, reviewed_at, who, coalesce(note, '') "
        "FROM device_reviews WHERE (?1 IS NULL OR ip = ?1) AND (?2 IS NULL OR vendor = ?2) "
        "AND (?3 IS NULL OR model = ?3) ORDER BY reviewed_at, id",
        -1, &s, NULL);
    if (rc != SQLITE_OK)
        return vs__store_fail(st, rc, "reading reviews");
    const char *filter[3] = {ip, vendor, model};
    for (int i = 0; i < 3; i++) {
        if (filter[i])
            sqlite3_bind_text(s, i + 1, filter[i], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(s, i + 1);
    }
    vs_device_review *r = malloc(sizeof *r);
    if (!r) {
        sqlite3_finalize(s);
        vs__store_failf(st, "out of memory");
        return VS_E_NOMEM;
    }
    vs_rc ret = VS_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(s, 0);
        text_col(s, 1, r->ip, sizeof r->ip);
        text_col(s, 2, r->vendor, sizeof r->vendor);
        text_col(s, 3, r->model, sizeof r->model);
        text_col(s, 4, r->version, sizeof r->version);
        if (time_col(st, s, 5, "device_reviews", r->id, &r->reviewed_at_us) != VS_OK) {
            ret = VS_E_IO;
            break;
        }
        text_col(s, 6, r->who, sizeof r->who);
        text_col(s, 7, r->note, sizeof r->note);
        if (!fn(ctx, r))
            break;
    }
    if (ret == VS_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        ret = vs__store_fail(st, rc, "reading reviews");
    sqlite3_finalize(s);
    free(r);
    return ret;
}
