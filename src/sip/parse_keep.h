/* The strict parse, keeping what its checks parsed (private: for src/monitor).
 *
 * The strict verdict (msg_check.c) parses the Request-URI, the From and To values and the CSeq;
 * the monitor needs the same values for its events. vs__sip_parse_keep is vs_sip_parse (same
 * arguments, result and verdict) that also hands those parse results over, so that the hot path
 * parses each once. A *_done flag is false when the check did not parse that value (no such
 * header, a lazy parse, a Request-URI in < >): the caller then parses it itself. */
#ifndef VS_SIP_PARSE_KEEP_H
#define VS_SIP_PARSE_KEEP_H

#include <voipsec/sip.h>

typedef struct vs__sip_kept {
    bool ruri_done; /* vs_sip_uri_parse(msg->request_uri) */
    vs_rc ruri_rc;
    vs_sip_uri ruri;
    bool from_done; /* vs_sip_addr_parse of the first From value */
    vs_rc from_rc;
    vs_sip_addr from;
    bool to_done; /* the same for the first To value */
    vs_rc to_rc;
    vs_sip_addr to;
    bool cseq_done; /* vs_sip_cseq_parse of the first CSeq: what it left in number and method,
                       which start as 0 and an empty slice */
    uint32_t cseq;
    vs_slice cseq_method;
} vs__sip_kept;

/* vs_sip_parse, and *keep filled as described above (keep may be NULL). */
long vs__sip_parse_keep(const char *buf, size_t len, vs_sip_msg *msg, vs_sip_header *headers,
                        size_t header_cap, unsigned opts, vs__sip_kept *keep);

#endif
