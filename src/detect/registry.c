/* The detectors, in the order they see each event. Adding a detector: one file with one const
 * vs__detector_ops, one line here, its keys in src/monitor/config.c and docs/monitor-config.md. */
#include "monitor/monitor_internal.h"

extern const vs__detector_ops vs__detect_scan;
extern const vs__detector_ops vs__detect_malformed;
extern const vs__detector_ops vs__detect_cleartext;
extern const vs__detector_ops vs__detect_media;

const vs__detector_ops *const vs__detectors[] = {
    &vs__detect_scan,
    &vs__detect_malformed,
    &vs__detect_cleartext,
    &vs__detect_media,
    NULL,
};
