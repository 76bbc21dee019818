/* Detector `malformed`: messages the strict parser rejects, one incident per source.
 *
 * Broken SIP is how fuzzers and some exploits (PROTOS-style overflows, smuggling through
 * conflicting Content-Length) announce themselves, and it is also what a badly configured phone
 * sends. The finding says which problems were seen so that a person can tell the two apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_internal.h"

typedef struct malformed {
    vs__mon *m;
    const vs_monitor_config *cfg;
    vs__lru *sources; /* src -> count of malformed messages before the incident opened */
} malformed;

static void *malformed_create(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen)
{
    malformed *d = calloc(1, sizeof *d);
    if (d)
        d->sources = vs__lru_new(cfg->max_sources, 17, sizeof(uint64_t));
    if (!d || !d->sources) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->m = m;
    d->cfg = cfg;
    return d;
}

static void malformed_destroy(void *self)
{
    malformed *d = self;
    vs__lru_free(d->sources);
    free(d);
}

static int first_error(const vs_sip_msg *msg)
{
    for (size_t i = 0; i < msg->issue_count; i++)
        if (vs_sip_issue_is_error(msg->issues[i].code))
            return msg->issues[i].code;
    return 0;
}

static void malformed_event(void *self, const vs__event *ev)
{
    malformed *d = self;
    if (ev->valid)
        return;
    unsigned char key[17];
    size_t klen = vs__ip_key(&ev->pl->src, key);
    if (vs__incident_find(d->m, "malformed", key, klen)) {
        vs__incident_hit(d->m, "malformed", key, klen, ev->ts, ev->ts, 1, NULL);
        return;
    }
    bool created;
    uint64_t *n = vs__lru_get(d->sources, key, klen, ev->ts, true, &created);
    (*n)++;
    if (*n < d->cfg->malformed_min)
        return;
    uint64_t count = *n;
    vs__lru_remove(d->sources, key, klen);
    vs__incident *inc =
        vs__incident_hit(d->m, "malformed", key, klen, ev->ts, ev->ts, count, &created);
    if (!created)
        return;
    vs_finding *f = &inc->f;
    int64_t first = f->first_seen_us, last = f->last_seen_us;
    vs_finding_init(f, "malformed", VS_PRACTICE_ACTIVITY, VS_SEV_LOW);
    f->first_seen_us = first, f->last_seen_us = last, f->count = count;
    vs__finding_endpoints(f, ev);
    int code = first_error(ev->msg);
    vs_finding_setf(f->title, sizeof f->title, "Malformed SIP messages from %s", f->src.ip);
    vs_finding_setf(f->explain, sizeof f->explain,
                    "%s sent SIP messages that break the protocol's rules (first problem: %s). "
                    "Fuzzers and exploit attempts look like this; so does a faulty or badly "
                    "configured device.",
                    f->src.ip, vs_sip_issue_text(code));
    vs_finding_setf(f->advice, sizeof f->advice,
                    "If %s is not one of your devices or your provider, block it. If it is, check "
                    "its firmware and configuration; the evidence names the first problem and its "
                    "byte offset in the packet.",
                    f->src.ip);
    vs_evidence_str(f->evidence, sizeof f->evidence, "first_error", vs_sip_issue_id(code));
    vs_evidence_int(f->evidence, sizeof f->evidence, "packet", (int64_t)ev->pl->packet_no);
    vs__incident_ready(d->m, inc);
}

static void malformed_tick(void *self, int64_t now)
{
    malformed *d = self;
    vs__lru_expire(d->sources, now - d->cfg->incident_idle_us);
}

const vs__detector_ops vs__detect_malformed = {
    .rule = "malformed",
    .create = malformed_create,
    .event = malformed_event,
    .tick = malformed_tick,
    .destroy = malformed_destroy,
};
