/* What the monitor shares with its detectors (private to src/monitor and src/detect).
 *
 * A detector sees parsed events, never packets (DESIGN.md): one vs__event per SIP message, with
 * the fields every detector needs already cut out as slices. It keeps its own bounded windows
 * (src/core/lru.h) and reports an incident through vs__incident_*: the monitor aggregates events
 * into one finding per incident and decides when to emit it. A detector is one file with one
 * const vs__detector_ops table, listed in src/detect/registry.c. */
#ifndef VS_MONITOR_INTERNAL_H
#define VS_MONITOR_INTERNAL_H

#include <voipsec/monitor.h>
#include <voipsec/sdp.h>

#include "core/lru.h"

typedef struct vs_monitor vs__mon;

typedef struct vs__event {
    const vs_payload *pl;
    const vs_sip_msg *msg;
    bool valid;             /* strict verdict of the parser */
    bool request;
    vs_sip_method method;   /* request method; for a response, the method of its CSeq */
    vs_slice method_text;   /* the method token (request line, or CSeq for responses) */
    unsigned status;        /* responses */
    vs_slice call_id;
    vs_slice user_agent;    /* User-Agent, or Server for responses */
    vs_slice from_user, from_tag, from_display;
    vs_slice to_user, to_tag;
    vs_slice ruri_user, ruri_host;
    uint32_t cseq;
    /* Authorization / Proxy-Authorization of a request, parsed; NULL when absent or unparseable */
    const vs_sip_auth *auth;
    /* WWW-Authenticate / Proxy-Authenticate of a 401/407, parsed; NULL when absent */
    const vs_sip_auth *challenge;
    /* the SDP of the body, parsed; NULL when the body has none */
    const vs_sdp *sdp;
    /* the sender has acted as a registrar or proxy (answered a REGISTER, or challenged a request
     * with 401/407): a PBX legitimately sends requests to many phones at a high rate, so the
     * behaviour-based rules of scan and flood do not apply to it (its User-Agent still does) */
    bool src_is_server;
    int64_t ts;
} vs__event;

typedef struct vs__detector_ops {
    const char *rule;
    /* Returns the detector's state, or NULL with a message in err. */
    void *(*create)(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen);
    void (*event)(void *self, const vs__event *ev);
    void (*tick)(void *self, int64_t now_us);   /* optional */
    void (*finish)(void *self);                 /* optional: end of input */
    /* optional: a hint to start loading what the event of payload pl will look up in large
     * tables (vs__lru_prefetch), so that the loads overlap other work: stage 0 before the
     * message is parsed (ev NULL; response: the payload starts like a SIP response), stage 1
     * once its event is built, before any detector sees it. Must not change any state. */
    void (*prefetch)(void *self, const vs_payload *pl, const vs__event *ev, bool response,
                     int stage);
    void (*destroy)(void *self);
} vs__detector_ops;

/* The registry: every detector, in the order they see events. */
extern const vs__detector_ops *const vs__detectors[];

/* ---- incidents ---------------------------------------------------------------------------- */
typedef struct vs__incident {
    vs_finding f;   /* the finding being built: the detector fills it when it opens the incident */
    bool ready;     /* the detector has filled f */
    bool emitted;   /* already written (live mode) */
} vs__incident;

/* The open incident of rule for key (any bytes that identify it: source, user...), or NULL. */
vs__incident *vs__incident_find(vs__mon *m, const char *rule, const void *key, size_t klen);
/* Records `count` attack events at ts in the incident of rule for key, opening it when there is
 * none (*created then true: first_us is when the attack began, e.g. the start of the window that
 * crossed the threshold). Each hit keeps the incident open; one quiet for incident_idle closes.
 * After opening, the caller fills inc->f (rule, practice, severity, text, endpoints...) and calls
 * vs__incident_ready. */
vs__incident *vs__incident_hit(vs__mon *m, const char *rule, const void *key, size_t klen,
                               int64_t first_us, int64_t ts, uint64_t count, bool *created);
/* The finding is filled: in live mode it is emitted now. */
void vs__incident_ready(vs__mon *m, vs__incident *inc);

/* Emits a finding that is not an incident (a summary at the end, such as cleartext shares). */
void vs__monitor_emit(vs__mon *m, const vs_finding *f);

/* Fills f->src / f->dst from an event's payload (src = sender). */
void vs__finding_endpoints(vs_finding *f, const vs__event *ev);
void vs__finding_src(vs_finding *f, const vs_ip *ip, uint16_t port, vs_transport t);

/* The monitor's statistics (detectors may read them at finish). */
const vs_monitor_stats *vs__monitor_stats(const vs__mon *m);
/* Adds evictions of a detector's tables to the monitor's count. */
void vs__monitor_evicted(vs__mon *m, uint64_t n);
/* vs__lru_get on a detector's table t, adding what it evicts at the table's cap to the monitor's
 * count. Same arguments and result as vs__lru_get. */
void *vs__monitor_lru_get(vs__mon *m, vs__lru *t, const void *key, size_t klen, int64_t now,
                          bool create, bool *created);
/* Copies a slice into a fixed buffer as a C string (cut, NUL-terminated). */
void vs__slice_cstr(vs_slice s, char *buf, size_t size);

/* Key helpers: an address as key bytes (family + 16 bytes). */
size_t vs__ip_key(const vs_ip *ip, unsigned char *buf);

#endif
