/* voipsec access log: who went to which piece of equipment (a PBX, a rack, a phone room), did
 * what, and why — kept in the store as a chain of records keyed with HMAC-SHA-256 so that nobody
 * can quietly rewrite it (docs/internals/access-log.md).
 *
 * Each record carries mac = HMAC-SHA-256(key, canonical(seq, at, who, what, action, why,
 * prev_mac)) where prev_mac is the mac of the record before it (a fixed genesis value for the
 * first). The key is 32 random bytes kept hex-encoded in its own file, mode 0600, made on first
 * use. A one-row head (last seq and its mac) is updated in the same transaction as each append so
 * that a cut tail is noticed while the head is intact; `--expect-head SEQ:MAC` compares with a
 * head exported earlier.
 *
 * One vs_access per vs_store, and like the store, one per thread. Several processes may append to
 * the same log at once: each append is its own BEGIN IMMEDIATE transaction. */
#ifndef VOIPSEC_ACCESS_H
#define VOIPSEC_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <voipsec/core.h>
#include <voipsec/finding.h>
#include <voipsec/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vs_access vs_access;

/* Length of a MAC in hex, without the terminating NUL. */
#define VS_ACCESS_MAC_HEX 64

/* Opens the access log of an open store. key_path NULL means "<store path>.access-key", next to
 * the store. When the key file is absent and the log is empty, a new key (32 bytes from
 * randombytes_buf) is written there with mode 0600 (atomically: two processes making it at once
 * end up with the same key). Returns NULL with a plain message in err (errlen bytes) when the key
 * file is readable by group or others, is not 64 hex digits, is missing while the log already
 * holds records, or cannot be read or written; nothing is written to the store then. st must
 * outlive the handle (not owned). */
VS_EXPORT vs_access *vs_access_open(vs_store *st, const char *key_path, char *err, size_t errlen);
VS_EXPORT void vs_access_close(vs_access *a);

/* The key file in use (owned by a, valid until vs_access_close). */
VS_EXPORT const char *vs_access_key_path(const vs_access *a);

/* Appends one record: who, what and action are required (non-empty), why may be NULL or "". at_us
 * is the time of the access in microseconds since the epoch, or 0 for now. The record gets seq =
 * last seq + 1 inside one BEGIN IMMEDIATE transaction (waiting up to the store's busy timeout for
 * another writer); the head is updated in the same transaction. Must not be called inside
 * vs_store_begin. On success *seq_out (may be NULL) is the new seq. VS_OK, VS_E_INVAL (a required
 * field missing) or VS_E_IO (vs_access_error says why; nothing written). */
VS_EXPORT vs_rc vs_access_add(vs_access *a, const char *who, const char *what, const char *action,
                              const char *why, int64_t at_us, int64_t *seq_out);

/* One record as read back. Pointers are valid only during the callback. */
typedef struct vs_access_entry {
    int64_t seq;
    const char *at; /* "2026-11-29T06:14:34.123Z" */
    int64_t at_us;
    const char *who, *what, *action;
    const char *why; /* "" when none was given */
    const char *prev_mac, *mac;
} vs_access_entry;

/* Filters for vs_access_show: a NULL or empty field does not filter. who and what match exactly;
 * since_us (0: none) keeps records at or after that time. */
typedef struct vs_access_filter {
    int64_t since_us;
    const char *who;
    const char *what;
} vs_access_filter;

typedef bool (*vs_access_fn)(void *ctx, const vs_access_entry *e);

/* Calls fn for each record matching f (NULL: all), in seq order; stops when fn returns false.
 * Shows the records as stored, without checking them (vs_access_verify does). VS_OK or VS_E_IO. */
VS_EXPORT vs_rc vs_access_show(vs_access *a, const vs_access_filter *f, vs_access_fn fn, void *ctx);

/* What is wrong with the first bad record. */
typedef enum vs_access_problem {
    VS_ACCESS_OK = 0,
    VS_ACCESS_EDITED,    /* its MAC does not verify: a field was changed (or a forged record) */
    VS_ACCESS_DELETED,   /* a gap in seq: the record(s) from bad_seq were deleted */
    VS_ACCESS_INSERTED,  /* a record that the chain does not lead to (forged, or beyond the head) */
    VS_ACCESS_REORDERED, /* an authentic record found at another seq than its own */
    VS_ACCESS_TRUNCATED, /* records after bad_seq - 1 are gone (head or expected head says so) */
    VS_ACCESS_HEAD,      /* the head is missing or does not match the last record */
    VS_ACCESS_WRONG_KEY, /* no record verifies: the key file is not this log's key */
} vs_access_problem;

/* "ok", "edited", "deleted", "inserted", "reordered", "truncated", "head", "wrong-key". */
VS_EXPORT const char *vs_access_problem_id(vs_access_problem p);

typedef struct vs_access_report {
    vs_access_problem problem; /* VS_ACCESS_OK when the log is intact */
    int64_t count;             /* records read */
    int64_t bad_seq;           /* the first bad record (or missing seq); 0 when intact */
    char detail[512];          /* plain words: what is wrong with it */
    int64_t head_seq;          /* last seq and its mac, to export as an anchor (0, "" if empty) */
    char head_mac[VS_ACCESS_MAC_HEX + 1];
} vs_access_report;

/* An anchor exported earlier: "SEQ:MAC". VS_OK or VS_E_PARSE. */
VS_EXPORT vs_rc vs_access_parse_head(const char *text, int64_t *seq,
                                     char mac[VS_ACCESS_MAC_HEX + 1]);

/* Walks the log by seq inside one read transaction, recomputes every MAC and link, checks the
 * head and, when expect_mac is not NULL, that record expect_seq still exists with that mac. Fills
 * r (always). Returns VS_OK when the walk could be done — r->problem says whether the log is
 * intact — or VS_E_IO (vs_access_error says why). */
VS_EXPORT vs_rc vs_access_verify(vs_access *a, int64_t expect_seq, const char *expect_mac,
                                 vs_access_report *r);

/* Fills a finding of rule "access.log-tampered", practice equipment, severity high, from a report
 * whose problem is not VS_ACCESS_OK. */
VS_EXPORT void vs_access_finding(const vs_access_report *r, const char *store_path, vs_finding *f);

/* Parses a time for --when / --since: "now", "YYYY-MM-DD" (midnight UTC) or ISO-8601 UTC
 * "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or "+00:00"). VS_OK or VS_E_PARSE. */
VS_EXPORT vs_rc vs_access_parse_time(const char *text, int64_t *us);

/* Human text of the last error on a (owned by a, until the next call). */
VS_EXPORT const char *vs_access_error(const vs_access *a);

#ifdef __cplusplus
}
#endif
#endif
