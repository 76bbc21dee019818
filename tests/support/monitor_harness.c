/* Monitor test harness (see monitor_harness.h). */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "monitor_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void mh_on_finding(void *ctx, const vs_finding *f)
{
    collected *c = ctx;
    if (c->n < MAX_FINDINGS)
        c->f[c->n++] = *f;
}

void mh_config_none_in(vs_monitor_config *cfg, const char *data_dir)
{
    vs_monitor_config_default(cfg, data_dir);
    cfg->scan_enabled = cfg->enum_enabled = cfg->brute_enabled = cfg->flood_enabled = false;
    cfg->fraud_enabled = cfg->weak_enabled = cfg->malformed_enabled = false;
    cfg->cleartext_enabled = cfg->media_enabled = false;
}

collected *mh_collected_new(void)
{
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    return c;
}

vs_monitor *mh_start(collected *c, const vs_monitor_config *cfg)
{
    char err[256] = "";
    memset(c, 0, sizeof *c);
    vs_monitor *m = vs_monitor_new(cfg, false, mh_on_finding, c, err, sizeof err);
    if (!m)
        fprintf(stderr, "vs_monitor_new: %s\n", err);
    assert_non_null(m);
    return m;
}

size_t mh_finish(vs_monitor *m, const collected *c, const char *rule)
{
    vs_monitor_finish(m);
    vs_monitor_free(m);
    return mh_count_rule(c, rule);
}

vs_ip mh_ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    vs_ip ip = {0};
    ip.family = 4;
    ip.bytes[0] = (uint8_t)a;
    ip.bytes[1] = (uint8_t)b;
    ip.bytes[2] = (uint8_t)c;
    ip.bytes[3] = (uint8_t)d;
    return ip;
}

void mh_feed(vs_monitor *m, const char *text, vs_ip src, uint16_t sport, vs_ip dst, uint16_t dport,
             int64_t ts)
{
    vs_payload p;
    memset(&p, 0, sizeof p);
    p.data = text;
    p.len = strlen(text);
    p.src = src;
    p.dst = dst;
    p.sport = sport;
    p.dport = dport;
    p.transport = VS_TRANSPORT_UDP;
    p.ts_us = ts;
    vs_monitor_payload(m, &p);
}

size_t mh_count_rule(const collected *c, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += strcmp(c->f[i].rule, rule) == 0;
    return n;
}

const vs_finding *mh_first_rule(const collected *c, const char *rule)
{
    static const vs_finding none; /* never NULL: the caller's checks then fail with a message */
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->f[i].rule, rule))
            return &c->f[i];
    fail_msg("no %s finding", rule);
    return &none;
}

char *mh_all_output(const collected *c)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    assert_non_null(mem);
    for (size_t i = 0; i < c->n; i++) {
        assert_int_equal(vs_finding_write_json(mem, &c->f[i]), VS_OK);
        assert_int_equal(vs_finding_write_text(mem, &c->f[i]), VS_OK);
    }
    fclose(mem);
    return out;
}
