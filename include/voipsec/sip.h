/* voipsec SIP message core: a zero-copy parser for RFC 3261 messages.
 *
 * vs_sip_parse() frames one message (start line, header lines, body) into a caller-owned
 * vs_sip_msg whose fields are slices into the input buffer; nothing is allocated and nothing is
 * copied. Unless VS_SIP_OPT_LAZY is given it then checks the message strictly (required headers,
 * single-value headers, Via/From/To/Contact/CSeq/Max-Forwards/Expires/Date syntax and ranges) and
 * records every problem as a vs_sip_issue with its byte offset. Problems are data: an odd message
 * still comes back framed, with msg->valid false and its issues listed, so that a monitor sees it.
 *
 * Header bodies are parsed on request with the vs_sip_*_parse() functions below, which take a
 * header value slice and fill a caller-owned view. All slices stay valid as long as the input
 * buffer does. Everything here is reentrant and thread-safe: there is no global state. */
#ifndef VOIPSEC_SIP_H
#define VOIPSEC_SIP_H

#include <voipsec/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Limits (documented in docs/internals/sip-parser.md) ------------------------------------ */
#define VS_SIP_MAX_CONTENT_LENGTH (1u << 20)    /* larger declared lengths are an error */
/* bytes: longer input is cut and flagged; room for the largest body plus 64 KiB of headers */
#define VS_SIP_MAX_MESSAGE (VS_SIP_MAX_CONTENT_LENGTH + (64u << 10))
#define VS_SIP_MAX_ISSUES 16                    /* issues kept per message; more are counted */
#define VS_SIP_DEFAULT_HEADERS 128              /* header capacity the CLI uses */

/* ---- Header identifiers ------------------------------------------------------------------- */
/* One table maps full and compact names to these ids (case-insensitive). VS_SIP_HDR_OTHER is any
 * header the table does not know; its name is still available as a slice. */
typedef enum vs_sip_hdr_id {
    VS_SIP_HDR_OTHER = 0,
    VS_SIP_HDR_ACCEPT,
    VS_SIP_HDR_ACCEPT_CONTACT,      /* a */
    VS_SIP_HDR_ALLOW,
    VS_SIP_HDR_ALLOW_EVENTS,        /* u */
    VS_SIP_HDR_AUTHORIZATION,
    VS_SIP_HDR_CALL_ID,             /* i */
    VS_SIP_HDR_CONTACT,             /* m */
    VS_SIP_HDR_CONTENT_DISPOSITION,
    VS_SIP_HDR_CONTENT_ENCODING,    /* e */
    VS_SIP_HDR_CONTENT_LENGTH,      /* l */
    VS_SIP_HDR_CONTENT_TYPE,        /* c */
    VS_SIP_HDR_CSEQ,
    VS_SIP_HDR_DATE,
    VS_SIP_HDR_EVENT,               /* o */
    VS_SIP_HDR_EXPIRES,
    VS_SIP_HDR_FROM,                /* f */
    VS_SIP_HDR_IDENTITY,            /* y */
    VS_SIP_HDR_MAX_FORWARDS,
    VS_SIP_HDR_MIN_EXPIRES,
    VS_SIP_HDR_P_ASSERTED_IDENTITY,
    VS_SIP_HDR_PROXY_AUTHENTICATE,
    VS_SIP_HDR_PROXY_AUTHORIZATION,
    VS_SIP_HDR_PROXY_REQUIRE,
    VS_SIP_HDR_REASON,
    VS_SIP_HDR_RECORD_ROUTE,
    VS_SIP_HDR_REFER_TO,            /* r */
    VS_SIP_HDR_REFERRED_BY,         /* b */
    VS_SIP_HDR_REJECT_CONTACT,      /* j */
    VS_SIP_HDR_REQUEST_DISPOSITION, /* d */
    VS_SIP_HDR_REQUIRE,
    VS_SIP_HDR_ROUTE,
    VS_SIP_HDR_SERVER,
    VS_SIP_HDR_SESSION_EXPIRES,     /* x */
    VS_SIP_HDR_SUBJECT,             /* s */
    VS_SIP_HDR_SUPPORTED,           /* k */
    VS_SIP_HDR_TO,                  /* t */
    VS_SIP_HDR_UNSUPPORTED,
    VS_SIP_HDR_USER_AGENT,
    VS_SIP_HDR_VIA,                 /* v */
    VS_SIP_HDR_WARNING,
    VS_SIP_HDR_WWW_AUTHENTICATE,
    VS_SIP_HDR__COUNT
} vs_sip_hdr_id;

/* Canonical name of a header id ("Call-ID"); "" for VS_SIP_HDR_OTHER. */
VS_EXPORT const char *vs_sip_hdr_name(vs_sip_hdr_id id);
/* Header id of a name, full or compact, any case; VS_SIP_HDR_OTHER when unknown. */
VS_EXPORT vs_sip_hdr_id vs_sip_hdr_lookup(vs_slice name);

/* ---- Methods ------------------------------------------------------------------------------ */
typedef enum vs_sip_method {
    VS_SIP_METHOD_OTHER = 0,
    VS_SIP_METHOD_INVITE,
    VS_SIP_METHOD_ACK,
    VS_SIP_METHOD_BYE,
    VS_SIP_METHOD_CANCEL,
    VS_SIP_METHOD_REGISTER,
    VS_SIP_METHOD_OPTIONS,
    VS_SIP_METHOD_PRACK,
    VS_SIP_METHOD_SUBSCRIBE,
    VS_SIP_METHOD_NOTIFY,
    VS_SIP_METHOD_PUBLISH,
    VS_SIP_METHOD_INFO,
    VS_SIP_METHOD_REFER,
    VS_SIP_METHOD_MESSAGE,
    VS_SIP_METHOD_UPDATE,
    VS_SIP_METHOD__COUNT
} vs_sip_method;

/* Method id of a method token (case-sensitive, as RFC 3261 says); OTHER when unknown. */
VS_EXPORT vs_sip_method vs_sip_method_lookup(vs_slice token);
/* Canonical token of a method id; "" for OTHER. */
VS_EXPORT const char *vs_sip_method_name(vs_sip_method m);

/* ---- Issues: errors and anomalies ---------------------------------------------------------- */
/* Each code is either an error (the message is invalid under the strict verdict) or an anomaly
 * (legal or tolerated, but worth seeing). vs_sip_issue_is_error() tells which. */
typedef enum vs_sip_issue_code {
    /* errors */
    VS_SIP_E_EMPTY = 1,           /* no message at all */
    VS_SIP_E_START_LINE,          /* request or status line malformed */
    VS_SIP_E_METHOD,              /* method is not a token */
    VS_SIP_E_REQUEST_URI,         /* Request-URI malformed */
    VS_SIP_E_RURI_BRACKETS,       /* Request-URI enclosed in < > */
    VS_SIP_E_RURI_HEADERS,        /* Request-URI carries ?headers */
    VS_SIP_E_START_LINE_SPACE,    /* more than one SP between start-line elements */
    VS_SIP_E_VERSION,             /* protocol version is not SIP/2.0 */
    VS_SIP_E_STATUS,              /* status code not three digits in 100..699 */
    VS_SIP_E_HEADER_SYNTAX,       /* header line without a valid name and colon */
    VS_SIP_E_CONTROL_CHAR,        /* NUL or other control byte where text is expected */
    VS_SIP_E_UNTERMINATED,        /* header section does not end with an empty line */
    VS_SIP_E_TOO_MANY_HEADERS,    /* more header lines than the caller's capacity */
    VS_SIP_E_TOO_LARGE,           /* message longer than VS_SIP_MAX_MESSAGE */
    VS_SIP_E_MISSING_HEADER,      /* a mandatory header (Via, From, To, Call-ID, CSeq) is absent */
    VS_SIP_E_DUPLICATE_HEADER,    /* a single-value header appears more than once */
    VS_SIP_E_VIA,                 /* Via value malformed */
    VS_SIP_E_FROM,                /* From value malformed */
    VS_SIP_E_TO,                  /* To value malformed */
    VS_SIP_E_CONTACT,             /* Contact value malformed */
    VS_SIP_E_ROUTE,               /* Route or Record-Route value malformed */
    VS_SIP_E_CALL_ID,             /* Call-ID value malformed */
    VS_SIP_E_CSEQ,                /* CSeq malformed or out of range */
    VS_SIP_E_CSEQ_METHOD,         /* CSeq method differs from the request method */
    VS_SIP_E_MAX_FORWARDS,        /* Max-Forwards malformed or above 255 */
    VS_SIP_E_EXPIRES,             /* Expires (header or Contact param) malformed or too large */
    VS_SIP_E_CONTENT_LENGTH,      /* Content-Length malformed or above the limit */
    VS_SIP_E_BODY_TRUNCATED,      /* Content-Length promises more bytes than present */
    VS_SIP_E_DATE,                /* Date not an RFC 1123 date in GMT */
    VS_SIP_E_CONTENT_TYPE,        /* Content-Type not type/subtype */
    VS_SIP_E__LAST_ERROR = VS_SIP_E_CONTENT_TYPE,
    /* anomalies */
    VS_SIP_A_LEADING_CRLF = 64,   /* empty lines before the start line (skipped) */
    VS_SIP_A_BARE_LF,             /* line ends are LF without CR */
    VS_SIP_A_FOLDED,              /* header value continued on the next line */
    VS_SIP_A_TRAILING_DATA,       /* bytes after the body (datagram); ignored */
    VS_SIP_A_NO_CONTENT_LENGTH,   /* body present without Content-Length */
    VS_SIP_A_LENGTH_MISMATCH,     /* Content-Length differs from the body in a bare-LF text file */
    VS_SIP_A_EOF_ENDS_HEADERS,    /* a bare-LF text file ends without the empty line after the
                                     headers; the end of the file closes them */
    VS_SIP_A_NO_MAX_FORWARDS,     /* request without Max-Forwards (RFC 2543 style) */
    VS_SIP_A_NOT_RFC3261_BRANCH,  /* top Via branch lacks the z9hG4bK cookie */
    VS_SIP_A_UNKNOWN_SCHEME,      /* Request-URI scheme is not sip, sips or tel */
    VS_SIP_A_ISSUES_DROPPED,      /* more issues than VS_SIP_MAX_ISSUES; the rest were counted */
} vs_sip_issue_code;

typedef struct vs_sip_issue {
    uint16_t code;   /* vs_sip_issue_code */
    uint32_t offset; /* byte offset in the input where the problem was seen */
} vs_sip_issue;

/* true when code makes a message invalid under the strict verdict. */
VS_EXPORT bool vs_sip_issue_is_error(int code);
/* Stable kebab-case id of an issue code ("cseq-method"); "unknown" for unknown codes. */
VS_EXPORT const char *vs_sip_issue_id(int code);
/* One-line English explanation of an issue code; static storage. */
VS_EXPORT const char *vs_sip_issue_text(int code);

/* ---- Parsed message ----------------------------------------------------------------------- */
typedef enum vs_sip_kind { VS_SIP_REQUEST = 1, VS_SIP_RESPONSE = 2 } vs_sip_kind;

/* One header line. value is trimmed of surrounding whitespace; if the header was folded it
 * still contains the CRLF+WSP continuation (all vs_sip_*_parse functions treat that as space). */
typedef struct vs_sip_header {
    vs_slice name;
    vs_slice value;
    uint32_t offset; /* of the header name in the input */
    uint16_t id;     /* vs_sip_hdr_id */
    uint16_t flags;  /* VS_SIP_HF_* */
} vs_sip_header;

#define VS_SIP_HF_COMPACT 0x1 /* written in compact form ("v:" for Via) */
#define VS_SIP_HF_FOLDED 0x2  /* value spans several lines */

#define VS_SIP_NO_HEADER UINT16_MAX

typedef struct vs_sip_msg {
    vs_sip_kind kind;
    /* request line */
    vs_slice method;
    vs_sip_method method_id;
    vs_slice request_uri;
    /* status line */
    unsigned status;
    vs_slice reason;
    /* both */
    vs_slice version;
    vs_slice start_line;

    vs_sip_header *headers; /* the caller's array given to vs_sip_parse */
    size_t header_count;
    /* index into headers of the first header with each id, VS_SIP_NO_HEADER when absent */
    uint16_t first[VS_SIP_HDR__COUNT];
    /* how many header lines had each id, including lines past the header capacity (saturates
     * at 255); with VS_SIP_E_TOO_MANY_HEADERS it can exceed what the array holds */
    uint8_t count[VS_SIP_HDR__COUNT];

    vs_slice body;
    bool has_content_length;
    uint32_t content_length;
    size_t length; /* bytes of the input that form this message (start line .. end of body) */

    bool valid; /* no error-class issue was recorded */
    bool bare_lf;
    vs_sip_issue issues[VS_SIP_MAX_ISSUES];
    size_t issue_count;   /* issues stored */
    size_t issues_total;  /* issues seen, including those past VS_SIP_MAX_ISSUES */
} vs_sip_msg;

/* Parse options (bit flags). The default 0 is the strict verdict on one datagram. */
#define VS_SIP_OPT_LAZY 0x1      /* frame only: skip the per-header syntax checks */
#define VS_SIP_OPT_STREAM 0x2    /* input is a stream: missing body bytes mean "incomplete" and
                                    bytes after the message are the next message, not trailing */
#define VS_SIP_OPT_TEXT_FILE 0x4 /* input is a text file: when its lines end in bare LF (line ends
                                    were rewritten, so byte counts are lost), the Content-Length is
                                    not enforced (a mismatch is an anomaly, the body runs to the
                                    end of the file) and the end of the file may close the headers */

/* Parse one SIP message from buf[0..len).
 *   headers/header_cap: caller's array for header lines; msg->headers points to it.
 * Returns the number of bytes the message occupies (>0) when a start line and header section were
 * framed, even if the message is invalid (see msg->valid and msg->issues); or
 *   VS_E_INCOMPLETE with VS_SIP_OPT_STREAM when more bytes are needed;
 *   VS_E_PARSE when the input does not frame as a SIP message (msg->issues says why);
 *   VS_E_INVAL when an argument is NULL.
 * buf need not be NUL-terminated and is never read past len. */
VS_EXPORT long vs_sip_parse(const char *buf, size_t len, vs_sip_msg *msg, vs_sip_header *headers,
                            size_t header_cap, unsigned opts);

/* First header with the given id, or NULL. */
VS_EXPORT const vs_sip_header *vs_sip_find(const vs_sip_msg *msg, vs_sip_hdr_id id);
/* Next header after prev with the same id (prev from vs_sip_find or an earlier call), or NULL. */
VS_EXPORT const vs_sip_header *vs_sip_find_next(const vs_sip_msg *msg, const vs_sip_header *prev);
/* First header whose name equals name ignoring case (for extension headers), or NULL. */
VS_EXPORT const vs_sip_header *vs_sip_find_name(const vs_sip_msg *msg, vs_slice name);

/* ---- Header body parsers (lazy) ----------------------------------------------------------- */
/* All of them: input is a header value slice (may contain folding); output views point into it.
 * Return VS_OK or VS_E_PARSE with *err_off (if not NULL) set to the offset in the slice; on
 * failure the output struct is left untouched. */

/* Splits a comma-separated header value (Via, Contact, Route, ...) into elements: commas inside
 * quoted strings and <...> do not split. Each call stores the next element (trimmed) in *item
 * and advances *rest. Returns true while an element was produced; an empty element (",,")
 * comes back as an empty slice so that callers can reject it. */
VS_EXPORT bool vs_sip_list_next(vs_slice *rest, vs_slice *item);

/* Generic ;name=value parameter iteration over a slice that starts at a ';' or is empty.
 * Returns VS_OK with name/value set (value empty when absent), VS_E_NOTFOUND at the end,
 * VS_E_PARSE on bad syntax. Values in quotes keep their quotes. */
VS_EXPORT vs_rc vs_sip_param_next(vs_slice *rest, vs_slice *name, vs_slice *value);
/* Value of the named parameter in a ;param list (case-insensitive name). VS_OK, VS_E_NOTFOUND,
 * or VS_E_PARSE. */
VS_EXPORT vs_rc vs_sip_param_get(vs_slice params, const char *name, vs_slice *value);

typedef enum vs_sip_scheme {
    VS_URI_OTHER = 0,
    VS_URI_SIP,
    VS_URI_SIPS,
    VS_URI_TEL,
} vs_sip_scheme;

typedef struct vs_sip_uri {
    vs_sip_scheme scheme_id;
    vs_slice scheme;
    vs_slice user;     /* still %-escaped; tel: number for tel URIs */
    vs_slice password; /* never print it */
    vs_slice host;     /* IPv6 references keep their [ ] */
    vs_slice port_text;
    uint16_t port;     /* 0 when absent */
    bool host_ipv6;
    vs_slice params;   /* from the first ';' up to '?' or end */
    vs_slice headers;  /* after '?', without it */
    vs_slice opaque;   /* whole text after "scheme:" for OTHER schemes */
} vs_sip_uri;

/* Parses a URI (sip, sips, tel strictly; other schemes as scheme ":" opaque part). */
VS_EXPORT vs_rc vs_sip_uri_parse(vs_slice s, vs_sip_uri *uri, size_t *err_off);

/* %-decodes src into dst (capacity cap). Returns the decoded length, or VS_E_PARSE on a bad
 * escape, VS_E_LIMIT when dst is too small. Decoded bytes may include NUL. */
VS_EXPORT long vs_sip_unescape(vs_slice src, char *dst, size_t cap);

/* name-addr or addr-spec with header parameters, as in From, To, Contact, Route. */
typedef struct vs_sip_addr {
    vs_slice display;  /* token sequence or quoted string with quotes, may be empty */
    vs_slice uri_text; /* the URI text (without < >) */
    vs_sip_uri uri;
    bool bracketed;    /* written as name-addr with < > */
    bool star;         /* Contact: * */
    vs_slice params;   /* header params after the address, from the first ';' */
    vs_slice tag;      /* value of ;tag=, empty when absent */
} vs_sip_addr;

/* Parses one element (From/To value, or one item of a Contact/Route list). */
VS_EXPORT vs_rc vs_sip_addr_parse(vs_slice s, vs_sip_addr *addr, size_t *err_off);

typedef struct vs_sip_via {
    vs_slice protocol;  /* "SIP" */
    vs_slice version;   /* "2.0" */
    vs_slice transport; /* "UDP", "TCP", "TLS", "SCTP", "WS", "WSS" or any token */
    vs_slice host;      /* IPv6 references keep their [ ] */
    uint16_t port;      /* 0 when absent */
    vs_slice params;
    vs_slice branch;
    vs_slice received;
    vs_slice rport;     /* value of rport, empty when given without value */
    bool has_rport;
} vs_sip_via;

/* Parses one via-parm (one element of a Via list). */
VS_EXPORT vs_rc vs_sip_via_parse(vs_slice s, vs_sip_via *via, size_t *err_off);

/* CSeq: "number method". number must be < 2^31. */
VS_EXPORT vs_rc vs_sip_cseq_parse(vs_slice s, uint32_t *number, vs_slice *method, size_t *err_off);

/* Decimal unsigned integer (surrounding whitespace allowed) not above max. VS_E_PARSE when not
 * digits, VS_E_LIMIT when above max (no overflow on any input length). */
VS_EXPORT vs_rc vs_sip_uint_parse(vs_slice s, uint64_t max, uint64_t *out);

/* Digest and other credentials/challenges (Authorization, Proxy-Authorization,
 * WWW-Authenticate, Proxy-Authenticate). Quoted values come back without quotes and still
 * escaped (\" stays two bytes). */
typedef struct vs_sip_auth {
    vs_slice scheme; /* "Digest" or any token */
    vs_slice params; /* the raw auth-param list after the scheme */
    vs_slice username, realm, nonce, uri, response, algorithm, cnonce, opaque, qop, nc, stale,
        domain;
} vs_sip_auth;

VS_EXPORT vs_rc vs_sip_auth_parse(vs_slice s, vs_sip_auth *auth, size_t *err_off);

/* Checks a Date value: RFC 1123 date ("Sat, 13 Nov 2010 23:29:00 GMT"), GMT only. */
VS_EXPORT vs_rc vs_sip_date_check(vs_slice s, size_t *err_off);

/* ---- Stream framing (TCP, TLS) ------------------------------------------------------------ */
/* Finds message boundaries in a byte stream by the header section end and Content-Length.
 * Returns the length of the first complete message in buf[0..len) (leading CRLF keep-alives
 * included in the count), VS_E_INCOMPLETE when more bytes are needed, VS_E_PARSE when the
 * stream cannot be framed: a malformed Content-Length or two that disagree, a header section
 * longer than max_header, or a message longer than VS_SIP_MAX_MESSAGE. A message without
 * Content-Length is taken to have no body (vs_sip_parse with VS_SIP_OPT_STREAM flags it).
 * *skip receives how many leading bytes are keep-alive CRLFs. */
VS_EXPORT long vs_sip_stream_frame(const char *buf, size_t len, size_t max_header, size_t *skip);

#ifdef __cplusplus
}
#endif
#endif
