/* voipsec scan, private to the discovery engine (targets.c, discover.c, discover_stream.c), on
 * top of scan_internal.h.
 *
 * Tuple numbers. vs__targets_next numbers every tuple it gives: after a successful call,
 * *cursor - 1 is the tuple's number. Numbers are (global address index) * slots + slot, with
 * slots = 3 * max(1, o->nports) (transport UDP/TCP/TLS times port), so they are stable for one
 * (targets, options) pair, unique, increasing in walk order and below vs__targets_index_bound;
 * a slot that the target does not use is a hole. The engine indexes its "done" bitmap by them and
 * carries them in the probes' Call-ID.
 *
 * Thread-safety: the targets are read-only once built (any number of threads may walk them); the
 * engine (vs__disc, vs__streams) belongs to the one thread running vs__discover. */
#ifndef VS_SCAN_DISCOVER_INTERNAL_H
#define VS_SCAN_DISCOVER_INTERNAL_H

#include <openssl/types.h>

#include "scan/scan_internal.h"

/* ---- targets.c: extras for the engine ---------------------------------------------------- */

/* One more than the largest tuple number vs__targets_next can give. */
uint64_t vs__targets_index_bound(const vs_scan_targets *t, const vs_scan_opts *o);
/* Number of tuples of the given transport bits. */
uint64_t vs__targets_tuples_of(const vs_scan_targets *t, const vs_scan_opts *o,
                               unsigned transports);
/* vs__targets_next restricted to tuples whose transport is in the transports bits; skips whole
 * targets that have none. */
bool vs__targets_next_of(const vs_scan_targets *t, const vs_scan_opts *o, unsigned transports,
                         uint64_t *cursor, vs__tuple *out);
/* The tuple numbered idx (a number vs__targets_next gave). false when idx is a hole or too big. */
bool vs__targets_at(const vs_scan_targets *t, const vs_scan_opts *o, uint64_t idx, vs__tuple *out);
/* The first tuple numbered below `below` whose address and port equal sa's, with the given
 * transport: *idx. false when none (sa is not a tuple we walked past). Linear in the number of
 * targets. */
bool vs__targets_lookup(const vs_scan_targets *t, const vs_scan_opts *o, const struct sockaddr *sa,
                        unsigned transport, uint64_t below, uint64_t *idx);
/* vs__targets_unresolved with the host name and the trunk mark of the target. */
bool vs__targets_unresolved_ex(const vs_scan_targets *t, size_t i, const char **spec,
                               const char **host, const char **why, bool *trunk);

/* Parses one target as vs_scan_targets_add does, without resolving host names (for the fuzz
 * harness and for checking a target list): *count addresses of an address target, *is_name for a
 * host name. VS_OK, or the error vs_scan_targets_add would give, with the same message. */
vs_rc vs__target_spec_check(const char *spec, bool allow_large, uint64_t *count, bool *is_name,
                            char *err, size_t errlen);

/* ---- discover.c: helpers shared with discover_stream.c ------------------------------------ */

typedef struct vs__disc vs__disc;
typedef struct vs__streams vs__streams;

/* Final outcome of one tuple: counts it, marks progress, reports a record when the status is
 * always reported or the tuple names one host. r may be NULL (a record is then made from the
 * tuple); error is printf-style plain words, NULL for none. */
void vs__disc_final(vs__disc *d, const vs__tuple *tp, vs_scan_status status, vs_scan_result *r,
                    const char *error_fmt, ...) __attribute__((format(printf, 5, 6)));
/* Fills the target/host/ip/port/transport/trunk of r from tp (rest zeroed). */
void vs__disc_record(const vs__tuple *tp, vs_scan_result *r);
/* Numeric text of a socket address (no port). */
void vs__disc_ip(const struct sockaddr *sa, char *out, size_t outlen);

/* ---- discover_stream.c: TCP and TLS probes ------------------------------------------------ */

/* Epoll user data of connection slot i is VS__EP_CONN + i. */
#define VS__EP_CONN 16u

/* Starts the stream engine for up to max_conns connections. NULL on out of memory, with err. */
vs__streams *vs__streams_new(vs__disc *d, int ep, const vs_scan_opts *o, vs_scan_stats *st,
                             char *err, size_t errlen);
void vs__streams_free(vs__streams *s);
/* true when one more connection may start now (a free slot, descriptors not exhausted). */
bool vs__streams_can_start(const vs__streams *s);
/* Starts one connection to tp (tuple number idx). Returns false when it could not start for lack
 * of descriptors and should be tried again later (nothing was reported); true otherwise (started,
 * or finished at once with a final status). */
bool vs__streams_start(vs__streams *s, const vs__tuple *tp, uint64_t idx, int64_t now);
/* Handles epoll events for connection slot i. */
void vs__streams_event(vs__streams *s, size_t slot, uint32_t events, int64_t now);
/* Ends connections past their deadline; returns the nearest deadline still pending (INT64_MAX
 * when none). */
int64_t vs__streams_expire(vs__streams *s, int64_t now);
/* Connections in flight. */
size_t vs__streams_active(const vs__streams *s);

#endif
