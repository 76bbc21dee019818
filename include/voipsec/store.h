/* voipsec store: the one SQLite file that holds what voipsec learns — findings, devices seen,
 * credential metadata, the access log, (later) the inventory — so that the posture report can read
 * what every other part wrote.
 *
 * The file is created with mode 0600, in WAL mode, with a busy timeout for concurrent writers, a
 * schema_version table and forward-only migrations (docs/internals/store.md). Only src/store/
 * includes sqlite3.h, and it uses bound statements only. One vs_store per thread. */
#ifndef VOIPSEC_STORE_H
#define VOIPSEC_STORE_H

#include <voipsec/core.h>
#include <voipsec/finding.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vs_store vs_store;

/* Default path of the store: $VOIPSEC_DB if set, else $XDG_DATA_HOME/voipsec/voipsec.db, else
 * $HOME/.local/share/voipsec/voipsec.db. Writes into buf; VS_E_LIMIT when it does not fit,
 * VS_E_NOTFOUND when neither XDG_DATA_HOME nor HOME is set. */
VS_EXPORT vs_rc vs_store_default_path(char *buf, size_t size);

/* Opens (creating when absent, with its parent directory, mode 0700 for a directory it makes) and
 * migrates the store. Returns NULL with a message naming the file in err: not a database,
 * corrupted, a newer schema than this version knows, locked beyond the busy timeout, or
 * permission denied. */
VS_EXPORT vs_store *vs_store_open(const char *path, char *err, size_t errlen);
VS_EXPORT void vs_store_close(vs_store *st);

/* The schema version the file is at after opening. */
VS_EXPORT int vs_store_schema_version(vs_store *st);

/* Transactions around many writes (a capture's findings and devices): one fsync instead of one
 * per row. VS_OK or VS_E_IO. */
VS_EXPORT vs_rc vs_store_begin(vs_store *st);
VS_EXPORT vs_rc vs_store_commit(vs_store *st);

/* Records a finding. source names the producer ("monitor", "audit", "scan", ...); run_id groups
 * the findings of one run (vs_store_new_run). VS_OK or VS_E_IO. */
VS_EXPORT vs_rc vs_store_add_finding(vs_store *st, int64_t run_id, const char *source,
                                     const vs_finding *f);

/* Starts a run of a command (monitor, audit, ...), with the wall-clock start time and a free-form
 * description (the arguments). Returns the run id (> 0) or a negative vs_rc. */
VS_EXPORT int64_t vs_store_new_run(vs_store *st, const char *command, const char *args);

/* A device seen on the network (monitor: passively; scan: actively). */
typedef struct vs_device_seen {
    char ip[46];
    uint16_t port;
    char transport[8];
    char user_agent[256]; /* User-Agent or Server */
    char user[128];       /* AOR user / extension seen registering from it; "" when unknown */
    int64_t seen_us;      /* when (packet time or wall clock) */
} vs_device_seen;

/* Inserts the device or updates its last-seen time (and first-seen when earlier), keyed by
 * (ip, port, transport, user_agent, user). VS_OK or VS_E_IO. */
VS_EXPORT vs_rc vs_store_device_seen(vs_store *st, const vs_device_seen *d);

/* Counts rows, for tests and reports: table is "findings" or "devices". Negative vs_rc on error. */
VS_EXPORT int64_t vs_store_count(vs_store *st, const char *table);

/* Calls fn for every stored finding of a run (run_id 0: all runs), oldest first. Stops early when
 * fn returns false. VS_OK or VS_E_IO. */
typedef bool (*vs_store_finding_fn)(void *ctx, int64_t run_id, const char *source,
                                    const vs_finding *f);
VS_EXPORT vs_rc vs_store_each_finding(vs_store *st, int64_t run_id, vs_store_finding_fn fn,
                                      void *ctx);

/* Human text of the last error on st (static or owned by st until the next call). */
VS_EXPORT const char *vs_store_error(vs_store *st);

#ifdef __cplusplus
}
#endif
#endif
