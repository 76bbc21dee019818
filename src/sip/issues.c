/* The catalogue of parser issues: a stable id for scripts and an English sentence for people.
 * Ids are part of the JSON contract of `voipsec sip parse` (docs/cli/sip-parse.md): never rename. */
#include <voipsec/sip.h>

typedef struct issue_def {
    int code;
    const char *id;
    const char *text;
} issue_def;

static const issue_def defs[] = {
    {VS_SIP_E_EMPTY, "empty", "no SIP message in the input"},
    {VS_SIP_E_START_LINE, "start-line", "the request or status line is malformed"},
    {VS_SIP_E_METHOD, "method", "the method is not a valid token"},
    {VS_SIP_E_REQUEST_URI, "request-uri", "the Request-URI is malformed"},
    {VS_SIP_E_RURI_BRACKETS, "request-uri-brackets", "the Request-URI is enclosed in < >"},
    {VS_SIP_E_RURI_HEADERS, "request-uri-headers",
     "the Request-URI carries ?headers, which RFC 3261 forbids there"},
    {VS_SIP_E_START_LINE_SPACE, "start-line-space",
     "start-line elements are separated by more than one space"},
    {VS_SIP_E_VERSION, "version", "the protocol version is not SIP/2.0"},
    {VS_SIP_E_STATUS, "status", "the status code is not a number from 100 to 699"},
    {VS_SIP_E_HEADER_SYNTAX, "header-syntax", "a header line has no valid name followed by ':'"},
    {VS_SIP_E_CONTROL_CHAR, "control-char", "a control character (such as NUL) appears in text"},
    {VS_SIP_E_UNTERMINATED, "unterminated", "the header section does not end with an empty line"},
    {VS_SIP_E_TOO_MANY_HEADERS, "too-many-headers", "more header lines than the parser accepts"},
    {VS_SIP_E_TOO_LARGE, "too-large", "the message is larger than the parser accepts"},
    {VS_SIP_E_MISSING_HEADER, "missing-header",
     "a mandatory header (Via, From, To, Call-ID or CSeq) is missing"},
    {VS_SIP_E_DUPLICATE_HEADER, "duplicate-header", "a header that may appear once appears again"},
    {VS_SIP_E_VIA, "via", "a Via header value is malformed"},
    {VS_SIP_E_FROM, "from", "the From header value is malformed"},
    {VS_SIP_E_TO, "to", "the To header value is malformed"},
    {VS_SIP_E_CONTACT, "contact", "a Contact header value is malformed"},
    {VS_SIP_E_ROUTE, "route", "a Route or Record-Route value is malformed"},
    {VS_SIP_E_CALL_ID, "call-id", "the Call-ID is malformed"},
    {VS_SIP_E_CSEQ, "cseq", "the CSeq is malformed or its number is 2^31 or more"},
    {VS_SIP_E_CSEQ_METHOD, "cseq-method", "the CSeq method differs from the request method"},
    {VS_SIP_E_MAX_FORWARDS, "max-forwards", "Max-Forwards is not a number from 0 to 255"},
    {VS_SIP_E_EXPIRES, "expires", "an expiry value is malformed or above 2^32-1 seconds"},
    {VS_SIP_E_CONTENT_LENGTH, "content-length",
     "Content-Length is malformed, missing on a stream, or above the limit"},
    {VS_SIP_E_BODY_TRUNCATED, "body-truncated",
     "Content-Length announces more body bytes than the message holds"},
    {VS_SIP_E_DATE, "date", "the Date header is not an RFC 1123 date in GMT"},
    {VS_SIP_E_CONTENT_TYPE, "content-type", "Content-Type is not a type/subtype media type"},
    {VS_SIP_A_LEADING_CRLF, "leading-crlf", "empty lines before the start line were skipped"},
    {VS_SIP_A_BARE_LF, "bare-lf", "lines end in LF without CR"},
    {VS_SIP_A_FOLDED, "folded", "a header value continues on the next line (folding)"},
    {VS_SIP_A_TRAILING_DATA, "trailing-data",
     "bytes follow the body announced by Content-Length; they were ignored"},
    {VS_SIP_A_NO_CONTENT_LENGTH, "no-content-length",
     "a body is present without Content-Length; it runs to the end of the datagram"},
    {VS_SIP_A_LENGTH_MISMATCH, "length-mismatch",
     "Content-Length differs from the body of a text file with LF line ends; not enforced"},
    {VS_SIP_A_EOF_ENDS_HEADERS, "eof-ends-headers",
     "the text file ends without the empty line after the headers; its end closes them"},
    {VS_SIP_A_NO_MAX_FORWARDS, "no-max-forwards", "the request has no Max-Forwards header"},
    {VS_SIP_A_NOT_RFC3261_BRANCH, "branch-not-rfc3261",
     "the top Via branch lacks the z9hG4bK cookie of RFC 3261"},
    {VS_SIP_A_UNKNOWN_SCHEME, "unknown-scheme",
     "the Request-URI scheme is not sip, sips or tel"},
    {VS_SIP_A_ISSUES_DROPPED, "issues-dropped", "more issues were found than are listed"},
};

static const issue_def *find(int code)
{
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        if (defs[i].code == code)
            return &defs[i];
    return NULL;
}

bool vs_sip_issue_is_error(int code)
{
    return code >= VS_SIP_E_EMPTY && code <= VS_SIP_E__LAST_ERROR;
}

const char *vs_sip_issue_id(int code)
{
    const issue_def *d = find(code);
    return d ? d->id : "unknown";
}

const char *vs_sip_issue_text(int code)
{
    const issue_def *d = find(code);
    return d ? d->text : "unknown issue";
}
