/* The detectors, in the order they see each event. Adding a detector: one file with one const
 * vs__detector_ops, one line here, its keys in src/monitor/config.c and docs/monitor-config.md. */
#include "monitor/monitor_internal.h"

extern const vs__detector_ops vs__detect_scan;
extern const vs__detector_ops vs__detect_malformed;
extern const vs__detector_ops vs__detect_cleartext;
extern const vs__detector_ops vs__detect_media;
extern const vs__detector_ops vs__detect_bruteforce;
extern const vs__detector_ops vs__detect_weak_credential;
extern const vs__detector_ops vs__detect_enumeration;
extern const vs__detector_ops vs__detect_flood;
extern const vs__detector_ops vs__detect_toll_fraud;

const vs__detector_ops *const vs__detectors[] = {
    &vs__detect_scan,
    &vs__detect_malformed,
    &vs__detect_cleartext,
    &vs__detect_media,
    &vs__detect_bruteforce,
    &vs__detect_weak_credential,
    &vs__detect_enumeration,
    &vs__detect_flood,
    &vs__detect_toll_fraud,
    NULL,
};
