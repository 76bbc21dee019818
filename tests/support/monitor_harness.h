/* Test support for the detector tests: run a vs_monitor on SIP text written by hand and collect
 * the findings it reports. */
#ifndef VS_TEST_MONITOR_HARNESS_H
#define VS_TEST_MONITOR_HARNESS_H
#include <stddef.h>
#include <stdint.h>

#include <voipsec/monitor.h>

#define MAX_FINDINGS 64
#define SEC 1000000LL
#define T0 (1764400000LL * SEC)

/* The findings a monitor reported, in order (the first MAX_FINDINGS). */
typedef struct collected {
    vs_finding f[MAX_FINDINGS];
    size_t n;
} collected;

/* The finding callback: appends f to the collected passed as ctx. */
void mh_on_finding(void *ctx, const vs_finding *f);

/* The default configuration (data files in data_dir) with every detector disabled; the caller
 * enables the one under test. mh_config_none takes the data of this source tree. */
void mh_config_none_in(vs_monitor_config *cfg, const char *data_dir);
#define mh_config_none(cfg) mh_config_none_in((cfg), VS_SOURCE_DIR "/data")

/* A zeroed collected on the heap, for tests that keep one across several runs (free it). */
collected *mh_collected_new(void);

/* Empties c and starts a monitor on cfg that collects into c (fails the test if it cannot). */
vs_monitor *mh_start(collected *c, const vs_monitor_config *cfg);

/* Finishes and frees m; returns how many findings of rule c then holds. */
size_t mh_finish(vs_monitor *m, const collected *c, const char *rule);

/* The IPv4 address a.b.c.d. */
vs_ip mh_ip4(unsigned a, unsigned b, unsigned c, unsigned d);

/* Feeds text to m as one UDP payload from src:sport to dst:dport at ts (microseconds). */
void mh_feed(vs_monitor *m, const char *text, vs_ip src, uint16_t sport, vs_ip dst, uint16_t dport,
             int64_t ts);

/* How many findings of rule c holds. */
size_t mh_count_rule(const collected *c, const char *rule);

/* The first finding of rule; fails the test and returns a blank finding (never NULL) if none. */
const vs_finding *mh_first_rule(const collected *c, const char *rule);

/* Every finding of c written as JSON and as text, in one string (caller frees). */
char *mh_all_output(const collected *c);

#endif
