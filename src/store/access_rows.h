/* Private (library-internal) access to the access-log tables of the store (schema version 2,
 * docs/internals/access-log.md): access_log and access_head. Used by src/access/; only src/store/
 * includes sqlite3.h, so rows travel as plain structs of text and the transactions as calls.
 *
 * Design: the store knows no MACs and no chain rules, it only reads and writes rows; src/access/
 * computes and checks the MACs. Each failing call records "<path>: <what>: <reason>" in the
 * store's error (vs_store_error) from the caller's what, and returns VS_E_IO. */
#ifndef VS_STORE_ACCESS_ROWS_H
#define VS_STORE_ACCESS_ROWS_H

#include <stdbool.h>
#include <stdint.h>
#include <voipsec/access.h>
#include <voipsec/store.h>

/* One access_log row as stored; a text field is NULL when its column is NULL (tampering). */
typedef struct vs__access_row {
    int64_t seq;
    const char *at, *who, *what, *action, *why, *prev_mac, *mac;
} vs__access_row;

/* Filters of vs__access_rows_each; a NULL field matches every row. */
typedef struct vs__access_row_filter {
    const char *since; /* at >= since (store time text) */
    const char *who;
    const char *what;
} vs__access_row_filter;

/* Called per row (valid during the call only): 1 to go on, 0 to stop, -1 when out of memory. */
typedef int (*vs__access_row_fn)(void *ctx, const vs__access_row *r);

/* The store's file path (the default key file sits next to it). */
const char *vs__access_rows_store_path(vs_store *st);
/* Wall clock in microseconds since the epoch (the store's clock). */
int64_t vs__access_rows_now_us(void);
/* Formats us as the store's time text "2026-11-29T06:14:34.123Z" into buf (>= 25 bytes). */
void vs__access_rows_time_format(int64_t us, char buf[static 25]);
/* Parses the store's time text back to microseconds. VS_OK or VS_E_PARSE. */
vs_rc vs__access_rows_time_parse(const char *text, int64_t *us);

/* Whether a transaction is open on st (the connection is not in autocommit mode). */
bool vs__access_rows_in_transaction(vs_store *st);
/* BEGIN IMMEDIATE (immediate) or a deferred BEGIN (a read snapshot). VS_OK or VS_E_IO. */
vs_rc vs__access_rows_begin(vs_store *st, bool immediate, const char *what);
/* COMMIT. VS_OK or VS_E_IO (the transaction may still be open: vs__access_rows_rollback). */
vs_rc vs__access_rows_commit(vs_store *st, const char *what);
/* ROLLBACK when a transaction is open; the store's error is left as it is. */
void vs__access_rows_rollback(vs_store *st);
/* COMMIT ending a read transaction; its result is ignored and the store's error kept. */
void vs__access_rows_end_read(vs_store *st);

/* Records plus head rows (0 for a fresh log) into *n. VS_OK or VS_E_IO. */
vs_rc vs__access_rows_count(vs_store *st, int64_t *n, const char *what);
/* Raises (*seq, mac), preset by the caller, to the head or the last row, whichever has the
 * greater seq (a NULL mac reads as ""). VS_OK or VS_E_IO. */
vs_rc vs__access_rows_tip(vs_store *st, int64_t *seq, char mac[VS_ACCESS_MAC_HEX + 1],
                          const char *what);
/* Reads the head row: *have says whether it exists, then *seq and mac ("" when NULL).
 * VS_OK or VS_E_IO. */
vs_rc vs__access_rows_head(vs_store *st, bool *have, int64_t *seq, char mac[VS_ACCESS_MAC_HEX + 1],
                           const char *what);
/* Inserts record r (why may be NULL) and moves the head to (r->seq, r->mac). Call inside
 * vs__access_rows_begin(st, true, ...). VS_OK or VS_E_IO. */
vs_rc vs__access_rows_append(vs_store *st, const vs__access_row *r, const char *what);
/* Calls fn for each record matching f (NULL: all) in seq order. VS_OK (also when fn stopped)
 * or VS_E_IO (a read error, or fn returned -1: recorded as out of memory). */
vs_rc vs__access_rows_each(vs_store *st, const vs__access_row_filter *f, vs__access_row_fn fn,
                           void *ctx, const char *what);

#endif
