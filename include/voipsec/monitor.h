/* voipsec monitor: passive detection of attacks in SIP traffic.
 *
 * Feed it payloads (from vs_net, or any other source): each is parsed as SIP, turned into an
 * event, tracked (transactions, dialogs, registrations, digest challenges) and given to every
 * enabled detector. Detectors report incidents; the monitor aggregates them (one finding per
 * incident, not one per packet) and hands findings to the caller's callback, either as soon as an
 * incident is detected (live mode) or when it ends (file mode: complete counts). Time is packet
 * time: replaying a capture gives the same findings every time. Every table is bounded by the
 * configuration and counts what it evicted. Not thread-safe. */
#ifndef VOIPSEC_MONITOR_H
#define VOIPSEC_MONITOR_H

#include <voipsec/capture.h>
#include <voipsec/finding.h>
#include <voipsec/sip.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Thresholds and limits; docs/monitor-config.md documents each key of the config file. */
typedef struct vs_monitor_config {
    /* [general] */
    int64_t incident_idle_us;      /* an incident with no event for this long is closed (3600 s) */
    size_t max_sources;            /* per-source state kept at once (32768) */
    size_t max_users;              /* per-user state kept at once (32768) */
    size_t max_dialogs;            /* dialogs tracked at once (65536) */
    size_t max_incidents;          /* open incidents at once (4096) */
    char data_dir[512];            /* where the data files are (default: built-in path) */
    /* [scan] */
    bool scan_enabled;
    char scan_user_agents[512];    /* TSV file of scanner User-Agent patterns */
    int64_t scan_window_us;        /* 60 s */
    unsigned scan_min_targets;     /* distinct hosts or ports probed by one source (10) */
    unsigned scan_min_options;     /* OPTIONS sweep: OPTIONS to distinct users/hosts (10) */
    /* [enumeration] */
    bool enum_enabled;
    int64_t enum_window_us;        /* 60 s */
    unsigned enum_min_users;       /* distinct users asked about (10) */
    double enum_fail_ratio;        /* share of answers 404/403/401/407 (0.8) */
    /* [bruteforce] */
    bool brute_enabled;
    int64_t brute_window_us;       /* 300 s */
    unsigned brute_min_failures;   /* failed digest attempts, one source one user (10) */
    unsigned brute_dist_sources;   /* distinct sources failing against one user (5) */
    unsigned brute_dist_users;     /* distinct users one source fails against (10) */
    /* [flood] */
    bool flood_enabled;
    int64_t flood_window_us;       /* 10 s */
    unsigned flood_per_source;     /* requests per window from one source (200) */
    unsigned flood_total;          /* requests per window in all (5000) */
    /* [toll-fraud] */
    bool fraud_enabled;
    char fraud_prefixes[512];      /* TSV of high-risk E.164 prefixes */
    char fraud_intl_prefixes[64];  /* international dialling prefixes, comma-separated ("00,011,9011") */
    int business_start_min;        /* minutes after midnight (480 = 08:00) */
    int business_end_min;          /* (1080 = 18:00) */
    unsigned business_days;        /* bit 0 = Sunday ... bit 6 = Saturday (0x3e = Mon-Fri) */
    int utc_offset_min;            /* the site's offset from UTC in minutes (0) */
    int64_t fraud_burst_window_us; /* 60 s */
    unsigned fraud_burst_calls;    /* calls from one account or source in the window (10) */
    unsigned fraud_max_concurrent; /* concurrent calls of one account (5) */
    /* [weak-credential] */
    bool weak_enabled;
    char weak_wordlist[512];       /* one password per line */
    /* [malformed] */
    bool malformed_enabled;
    unsigned malformed_min;        /* malformed messages from one source before a finding (1) */
    /* [cleartext-signalling], [unencrypted-media] */
    bool cleartext_enabled;
    bool media_enabled;
} vs_monitor_config;

/* Fills cfg with the defaults above. data_dir is the directory holding voipsec's data files. */
VS_EXPORT void vs_monitor_config_default(vs_monitor_config *cfg, const char *data_dir);
/* Reads an INI config file over cfg (keys not in the file keep their value). VS_OK, VS_E_IO when
 * the file cannot be read, VS_E_PARSE with "FILE:LINE: message" in err on a bad line. */
VS_EXPORT vs_rc vs_monitor_config_load(vs_monitor_config *cfg, const char *path, char *err,
                                       size_t errlen);

typedef struct vs_monitor_stats {
    uint64_t payloads;       /* payloads fed */
    uint64_t sip_messages;   /* payloads that framed as SIP */
    uint64_t requests[VS_SIP_METHOD__COUNT]; /* by method; [0] = other methods */
    uint64_t responses[700]; /* by status code */
    uint64_t malformed;      /* SIP messages that fail the strict verdict */
    uint64_t not_sip;        /* payloads that are not SIP */
    uint64_t evicted;        /* entries evicted from the bounded tables */
    uint64_t findings;
    uint64_t signalling_udp, signalling_tcp, signalling_tls, signalling_sctp; /* SIP messages */
    uint64_t media_streams, media_encrypted;   /* SDP media streams offered */
    int64_t first_us, last_us; /* packet time span */
} vs_monitor_stats;

typedef void (*vs_finding_fn)(void *ctx, const vs_finding *f);

/* A device seen passively: its address, User-Agent/Server and the user it registers. */
typedef struct vs_monitor_device {
    vs_ip ip;
    uint16_t port;
    vs_transport transport;
    vs_slice user_agent;
    vs_slice user;
    int64_t ts_us;
} vs_monitor_device;
typedef void (*vs_device_fn)(void *ctx, const vs_monitor_device *d);

typedef struct vs_monitor vs_monitor;

/* Creates a monitor: loads the data files named in cfg. Returns NULL with a message in err (a
 * data file that cannot be read or has a bad line: "FILE:LINE: ..."). emit_on_detect: write a
 * finding as soon as an incident is detected (live), rather than when it ends. */
VS_EXPORT vs_monitor *vs_monitor_new(const vs_monitor_config *cfg, bool emit_on_detect,
                                     vs_finding_fn on_finding, void *ctx, char *err,
                                     size_t errlen);
VS_EXPORT void vs_monitor_free(vs_monitor *m);
/* Reports devices seen (User-Agent/Server per address) through fn; optional. */
VS_EXPORT void vs_monitor_on_device(vs_monitor *m, vs_device_fn fn, void *ctx);

/* Feeds one payload (signature of vs_payload_fn: the monitor can be vs_net's callback). */
VS_EXPORT void vs_monitor_payload(void *monitor, const vs_payload *p);
/* Counts TLS signalling seen by the capture layer (for the cleartext share). */
VS_EXPORT void vs_monitor_count_tls(vs_monitor *m, uint64_t flows, uint64_t bytes);
/* Closes incidents idle at now_us (packet time) and expires windows. */
VS_EXPORT void vs_monitor_tick(vs_monitor *m, int64_t now_us);
/* End of input: closes every incident and emits the summary findings (cleartext shares). */
VS_EXPORT void vs_monitor_finish(vs_monitor *m);
VS_EXPORT const vs_monitor_stats *vs_monitor_get_stats(const vs_monitor *m);

#ifdef __cplusplus
}
#endif
#endif
