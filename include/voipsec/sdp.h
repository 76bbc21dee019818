/* voipsec SDP core: a zero-copy parser for RFC 8866 session descriptions, with the one verdict the
 * product cares about: is each media stream encrypted (SDES a=crypto or DTLS-SRTP) or not, and
 * why. Key material from a=crypto lines is located but never exposed as text to print: callers
 * get its length only.
 *
 * All slices point into the caller's buffer. No allocation; fixed capacities below. Reentrant. */
#ifndef VOIPSEC_SDP_H
#define VOIPSEC_SDP_H

#include <voipsec/core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VS_SDP_MAX_MEDIA 16  /* media sections kept; more are counted in media_total */
#define VS_SDP_MAX_CRYPTO 8  /* a=crypto lines kept per media section */

typedef enum vs_sdp_proto {
    VS_SDP_PROTO_OTHER = 0,
    VS_SDP_PROTO_RTP_AVP,            /* RTP/AVP */
    VS_SDP_PROTO_RTP_AVPF,           /* RTP/AVPF */
    VS_SDP_PROTO_RTP_SAVP,           /* RTP/SAVP */
    VS_SDP_PROTO_RTP_SAVPF,          /* RTP/SAVPF */
    VS_SDP_PROTO_UDP_TLS_RTP_SAVP,   /* UDP/TLS/RTP/SAVP */
    VS_SDP_PROTO_UDP_TLS_RTP_SAVPF,  /* UDP/TLS/RTP/SAVPF */
    VS_SDP_PROTO_UDPTL,              /* udptl (T.38 fax) */
    VS_SDP_PROTO_UDP,                /* udp */
    VS_SDP_PROTO_TCP,                /* TCP, TCP/MSRP, TCP/TLS/... */
} vs_sdp_proto;

/* Why a stream is or is not encrypted. */
typedef enum vs_sdp_crypto_reason {
    VS_SDP_PLAIN_RTP = 0,       /* RTP/AVP(F): media in clear */
    VS_SDP_SDES,                /* RTP/SAVP(F) with a usable a=crypto line */
    VS_SDP_DTLS_SRTP,           /* UDP/TLS/RTP/SAVP(F) (or SAVP) with a=fingerprint */
    VS_SDP_SAVP_NO_KEYS,        /* SAVP profile but neither a=crypto nor a=fingerprint */
    VS_SDP_CRYPTO_ON_AVP,       /* a=crypto offered on RTP/AVP (best-effort SRTP, RFC 8643
                                   style); counted as not encrypted: it can fall back to clear */
    VS_SDP_DISABLED,            /* port 0: stream rejected or disabled */
    VS_SDP_NOT_RTP,             /* not an RTP profile (udptl, TCP/MSRP, ...) */
    VS_SDP_CRYPTO_INVALID,      /* a=crypto present but unusable (unknown suite, bad key) */
} vs_sdp_crypto_reason;

typedef struct vs_sdp_crypto {
    uint32_t tag;
    vs_slice suite;       /* e.g. AES_CM_128_HMAC_SHA1_80 */
    bool suite_known;
    size_t key_len;       /* length of the inline: key||salt text; never the text itself */
    bool key_ok;          /* every inline: key base64-decodes to the suite's key+salt length
                             (false for an unknown suite or when no inline: key is found) */
    vs_slice session_params;
} vs_sdp_crypto;

typedef struct vs_sdp_media {
    vs_slice media;       /* audio, video, image, application, ... */
    uint16_t port;
    uint16_t port_count;  /* from port/count, 1 by default */
    vs_slice proto_text;
    vs_sdp_proto proto;
    vs_slice formats;     /* the fmt list as written */
    vs_slice conn_addr;   /* c= address for this stream (media level, else session level) */
    vs_slice conn_addrtype; /* IP4 / IP6 */
    vs_sdp_crypto crypto[VS_SDP_MAX_CRYPTO];
    size_t crypto_count;  /* a=crypto lines kept in crypto[] */
    size_t crypto_total;  /* a=crypto lines seen, including those past VS_SDP_MAX_CRYPTO */
    vs_slice fingerprint_hash; /* a=fingerprint hash function (media or session level) */
    vs_slice setup;       /* a=setup value: active, passive, actpass, holdconn */
    vs_slice direction;   /* sendrecv, sendonly, recvonly, inactive (media, else session) */
    bool encrypted;
    vs_sdp_crypto_reason reason;
} vs_sdp_media;

typedef struct vs_sdp {
    uint32_t version;      /* v= */
    vs_slice origin_user;  /* o= username */
    vs_slice origin_addr;  /* o= unicast address */
    vs_slice session_name; /* s= */
    vs_slice conn_addr;    /* session-level c= address */
    vs_slice conn_addrtype;
    vs_slice fingerprint_hash; /* session-level a=fingerprint hash function */
    vs_slice setup;
    vs_sdp_media media[VS_SDP_MAX_MEDIA];
    size_t media_count;    /* media kept */
    size_t media_total;    /* m= lines seen */
    size_t error_offset;   /* offset of the first syntax problem, when the return is VS_E_PARSE */
    const char *error;     /* static text of that problem, NULL when none */
} vs_sdp;

/* Parses an SDP body. Accepts CRLF or bare LF line ends. Returns VS_OK, or VS_E_PARSE with
 * sdp->error and sdp->error_offset set; media parsed before the error stay in sdp. */
VS_EXPORT vs_rc vs_sdp_parse(const char *buf, size_t len, vs_sdp *sdp);

/* Stable name of a reason ("sdes", "dtls-srtp", "plain-rtp", ...). */
VS_EXPORT const char *vs_sdp_reason_id(vs_sdp_crypto_reason r);
/* One-line English explanation of a reason. */
VS_EXPORT const char *vs_sdp_reason_text(vs_sdp_crypto_reason r);
/* Profile text for an id ("RTP/SAVP"). */
VS_EXPORT const char *vs_sdp_proto_name(vs_sdp_proto p);

/* Finds the SDP in a message body. content_type is the Content-Type header value (may be empty:
 * then the body is taken as SDP if it starts with "v=0"). For multipart bodies (any subtype) the
 * parts are walked (boundary parameter, RFC 2046) and the first application/sdp part is returned.
 * Returns VS_OK with *sdp_body set, VS_E_NOTFOUND when there is no SDP, VS_E_PARSE when a
 * multipart body is malformed. */
VS_EXPORT vs_rc vs_sdp_find_in_body(vs_slice content_type, vs_slice body, vs_slice *sdp_body);

#ifdef __cplusplus
}
#endif
#endif
