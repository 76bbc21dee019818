/* Private declarations shared by the files of src/sip. */
#ifndef VS_SIP_INTERNAL_H
#define VS_SIP_INTERNAL_H

#include <voipsec/sip.h>

#include "sip/parse_keep.h"

/* Records an issue at a byte offset of the message (deduplicated; errors clear msg->valid). */
void vs__sip_issue(vs_sip_msg *msg, int code, size_t offset);

/* The strict checks of a framed message (msg_check.c). base is the start of the input. With
 * keep, what the checks parsed is kept there (parse_keep.h). */
void vs__sip_check(vs_sip_msg *msg, const char *base, unsigned opts, vs__sip_kept *keep);

#endif
