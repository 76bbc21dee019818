/* Detectors `cleartext-signalling` and `unencrypted-media`: how much of the phone traffic anybody
 * on the path can read. Summary findings at the end of the input, with counts and shares; the
 * monitor's statistics already count SIP messages per transport and SDP media streams, so these
 * detectors keep no state of their own beyond the devices that send cleartext. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_internal.h"

typedef struct summary {
    vs__mon *m;
} summary;

static void *summary_create(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen)
{
    (void)cfg;
    summary *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->m = m;
    return s;
}

static void summary_destroy(void *self)
{
    free(self);
}

static void summary_event(void *self, const vs__event *ev)
{
    (void)self;
    (void)ev;
}

static double share(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void cleartext_finish(void *self)
{
    summary *s = self;
    const vs_monitor_stats *st = vs__monitor_stats(s->m);
    uint64_t clear = st->signalling_udp + st->signalling_tcp + st->signalling_sctp;
    uint64_t total = clear + st->signalling_tls;
    if (clear == 0)
        return;
    vs_finding f;
    double pct = share(clear, total);
    vs_finding_init(&f, "cleartext-signalling", VS_PRACTICE_NETWORK,
                    pct >= 50.0 ? VS_SEV_MEDIUM : VS_SEV_LOW);
    f.first_seen_us = st->first_us;
    f.last_seen_us = st->last_us;
    f.count = clear;
    vs_finding_setf(f.title, sizeof f.title, "%.0f%% of SIP signalling is unencrypted", pct);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "%llu SIP messages crossed the network in clear text (UDP %llu, TCP %llu, SCTP "
                    "%llu) and %llu TLS connections carried encrypted signalling. Anyone on the "
                    "path can read who calls whom, and the password challenges that attackers "
                    "crack offline.",
                    (unsigned long long)clear, (unsigned long long)st->signalling_udp,
                    (unsigned long long)st->signalling_tcp, (unsigned long long)st->signalling_sctp,
                    (unsigned long long)st->signalling_tls);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Use SIP over TLS (port 5061) between phones, the PBX and the provider: enable a "
                   "TLS transport on the PBX, provision phones with transport=tls, and ask the "
                   "provider for a TLS trunk.");
    vs_evidence_int(f.evidence, sizeof f.evidence, "udp", (int64_t)st->signalling_udp);
    vs_evidence_int(f.evidence, sizeof f.evidence, "tcp", (int64_t)st->signalling_tcp);
    vs_evidence_int(f.evidence, sizeof f.evidence, "sctp", (int64_t)st->signalling_sctp);
    vs_evidence_int(f.evidence, sizeof f.evidence, "tls_flows", (int64_t)st->signalling_tls);
    vs_evidence_num(f.evidence, sizeof f.evidence, "cleartext_percent", pct);
    vs__monitor_emit(s->m, &f);
}

static void media_finish(void *self)
{
    summary *s = self;
    const vs_monitor_stats *st = vs__monitor_stats(s->m);
    uint64_t clear = st->media_streams - st->media_encrypted;
    if (clear == 0)
        return;
    vs_finding f;
    double pct = share(clear, st->media_streams);
    vs_finding_init(&f, "unencrypted-media", VS_PRACTICE_NETWORK,
                    pct >= 50.0 ? VS_SEV_MEDIUM : VS_SEV_LOW);
    f.first_seen_us = st->first_us;
    f.last_seen_us = st->last_us;
    f.count = clear;
    vs_finding_setf(f.title, sizeof f.title, "%.0f%% of media streams are unencrypted", pct);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "%llu of %llu media streams offered in SDP use plain RTP: the conversation "
                    "itself can be recorded by anyone on the network path. Encrypted streams use "
                    "SRTP, keyed by SDES (a=crypto over TLS signalling) or DTLS-SRTP.",
                    (unsigned long long)clear, (unsigned long long)st->media_streams);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Turn on SRTP: media_encryption=sdes (Asterisk PJSIP) or rtp_secure_media "
                   "(FreeSWITCH), with TLS signalling so that the keys are not sent in clear, and "
                   "set phones to require SRTP.");
    vs_evidence_int(f.evidence, sizeof f.evidence, "streams", (int64_t)st->media_streams);
    vs_evidence_int(f.evidence, sizeof f.evidence, "encrypted", (int64_t)st->media_encrypted);
    vs_evidence_num(f.evidence, sizeof f.evidence, "unencrypted_percent", pct);
    vs__monitor_emit(s->m, &f);
}

const vs__detector_ops vs__detect_cleartext = {
    .rule = "cleartext-signalling",
    .create = summary_create,
    .event = summary_event,
    .finish = cleartext_finish,
    .destroy = summary_destroy,
};

const vs__detector_ops vs__detect_media = {
    .rule = "unencrypted-media",
    .create = summary_create,
    .event = summary_event,
    .finish = media_finish,
    .destroy = summary_destroy,
};
