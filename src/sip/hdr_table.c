/* Header and method name tables. Lookup switches on the name's length first, so a miss costs a
 * couple of comparisons and a hit one case-insensitive compare: this runs once per header line
 * on the hot path, where a hash table would cost more than it saves for ~40 names. */
#include <string.h>
#include <voipsec/sip.h>

typedef struct hdr_def {
    const char *name;
    size_t len;
    char compact; /* 0 when the header has no compact form */
} hdr_def;

#define DEF(lit, c) {lit, sizeof(lit) - 1, c}

static const hdr_def hdr_defs[VS_SIP_HDR__COUNT] = {
    [VS_SIP_HDR_OTHER] = DEF("", 0),
    [VS_SIP_HDR_ACCEPT] = DEF("Accept", 0),
    [VS_SIP_HDR_ACCEPT_CONTACT] = DEF("Accept-Contact", 'a'),
    [VS_SIP_HDR_ALLOW] = DEF("Allow", 0),
    [VS_SIP_HDR_ALLOW_EVENTS] = DEF("Allow-Events", 'u'),
    [VS_SIP_HDR_AUTHORIZATION] = DEF("Authorization", 0),
    [VS_SIP_HDR_CALL_ID] = DEF("Call-ID", 'i'),
    [VS_SIP_HDR_CONTACT] = DEF("Contact", 'm'),
    [VS_SIP_HDR_CONTENT_DISPOSITION] = DEF("Content-Disposition", 0),
    [VS_SIP_HDR_CONTENT_ENCODING] = DEF("Content-Encoding", 'e'),
    [VS_SIP_HDR_CONTENT_LENGTH] = DEF("Content-Length", 'l'),
    [VS_SIP_HDR_CONTENT_TYPE] = DEF("Content-Type", 'c'),
    [VS_SIP_HDR_CSEQ] = DEF("CSeq", 0),
    [VS_SIP_HDR_DATE] = DEF("Date", 0),
    [VS_SIP_HDR_EVENT] = DEF("Event", 'o'),
    [VS_SIP_HDR_EXPIRES] = DEF("Expires", 0),
    [VS_SIP_HDR_FROM] = DEF("From", 'f'),
    [VS_SIP_HDR_IDENTITY] = DEF("Identity", 'y'),
    [VS_SIP_HDR_MAX_FORWARDS] = DEF("Max-Forwards", 0),
    [VS_SIP_HDR_MIN_EXPIRES] = DEF("Min-Expires", 0),
    [VS_SIP_HDR_P_ASSERTED_IDENTITY] = DEF("P-Asserted-Identity", 0),
    [VS_SIP_HDR_PROXY_AUTHENTICATE] = DEF("Proxy-Authenticate", 0),
    [VS_SIP_HDR_PROXY_AUTHORIZATION] = DEF("Proxy-Authorization", 0),
    [VS_SIP_HDR_PROXY_REQUIRE] = DEF("Proxy-Require", 0),
    [VS_SIP_HDR_REASON] = DEF("Reason", 0),
    [VS_SIP_HDR_RECORD_ROUTE] = DEF("Record-Route", 0),
    [VS_SIP_HDR_REFER_TO] = DEF("Refer-To", 'r'),
    [VS_SIP_HDR_REFERRED_BY] = DEF("Referred-By", 'b'),
    [VS_SIP_HDR_REJECT_CONTACT] = DEF("Reject-Contact", 'j'),
    [VS_SIP_HDR_REQUEST_DISPOSITION] = DEF("Request-Disposition", 'd'),
    [VS_SIP_HDR_REQUIRE] = DEF("Require", 0),
    [VS_SIP_HDR_ROUTE] = DEF("Route", 0),
    [VS_SIP_HDR_SERVER] = DEF("Server", 0),
    [VS_SIP_HDR_SESSION_EXPIRES] = DEF("Session-Expires", 'x'),
    [VS_SIP_HDR_SUBJECT] = DEF("Subject", 's'),
    [VS_SIP_HDR_SUPPORTED] = DEF("Supported", 'k'),
    [VS_SIP_HDR_TO] = DEF("To", 't'),
    [VS_SIP_HDR_UNSUPPORTED] = DEF("Unsupported", 0),
    [VS_SIP_HDR_USER_AGENT] = DEF("User-Agent", 0),
    [VS_SIP_HDR_VIA] = DEF("Via", 'v'),
    [VS_SIP_HDR_WARNING] = DEF("Warning", 0),
    [VS_SIP_HDR_WWW_AUTHENTICATE] = DEF("WWW-Authenticate", 0),
};

/* compact letter (lower case) -> id */
static const uint8_t compact_ids[26] = {
    ['a' - 'a'] = VS_SIP_HDR_ACCEPT_CONTACT, ['b' - 'a'] = VS_SIP_HDR_REFERRED_BY,
    ['c' - 'a'] = VS_SIP_HDR_CONTENT_TYPE,   ['d' - 'a'] = VS_SIP_HDR_REQUEST_DISPOSITION,
    ['e' - 'a'] = VS_SIP_HDR_CONTENT_ENCODING, ['f' - 'a'] = VS_SIP_HDR_FROM,
    ['i' - 'a'] = VS_SIP_HDR_CALL_ID,        ['j' - 'a'] = VS_SIP_HDR_REJECT_CONTACT,
    ['k' - 'a'] = VS_SIP_HDR_SUPPORTED,      ['l' - 'a'] = VS_SIP_HDR_CONTENT_LENGTH,
    ['m' - 'a'] = VS_SIP_HDR_CONTACT,        ['o' - 'a'] = VS_SIP_HDR_EVENT,
    ['r' - 'a'] = VS_SIP_HDR_REFER_TO,       ['s' - 'a'] = VS_SIP_HDR_SUBJECT,
    ['t' - 'a'] = VS_SIP_HDR_TO,             ['u' - 'a'] = VS_SIP_HDR_ALLOW_EVENTS,
    ['v' - 'a'] = VS_SIP_HDR_VIA,            ['x' - 'a'] = VS_SIP_HDR_SESSION_EXPIRES,
    ['y' - 'a'] = VS_SIP_HDR_IDENTITY,
};

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

static bool name_eq(const char *p, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != lower((unsigned char)lit[i]))
            return false;
    return true;
}

/* Candidates by lower-cased first letter, most frequent first; 0 ends a list. */
static const uint8_t by_letter[26][9] = {
    ['a' - 'a'] = {VS_SIP_HDR_ALLOW, VS_SIP_HDR_ACCEPT, VS_SIP_HDR_AUTHORIZATION,
                   VS_SIP_HDR_ALLOW_EVENTS, VS_SIP_HDR_ACCEPT_CONTACT},
    ['c' - 'a'] = {VS_SIP_HDR_CALL_ID, VS_SIP_HDR_CSEQ, VS_SIP_HDR_CONTACT,
                   VS_SIP_HDR_CONTENT_LENGTH, VS_SIP_HDR_CONTENT_TYPE, VS_SIP_HDR_CONTENT_ENCODING,
                   VS_SIP_HDR_CONTENT_DISPOSITION},
    ['d' - 'a'] = {VS_SIP_HDR_DATE},
    ['e' - 'a'] = {VS_SIP_HDR_EXPIRES, VS_SIP_HDR_EVENT},
    ['f' - 'a'] = {VS_SIP_HDR_FROM},
    ['i' - 'a'] = {VS_SIP_HDR_IDENTITY},
    ['m' - 'a'] = {VS_SIP_HDR_MAX_FORWARDS, VS_SIP_HDR_MIN_EXPIRES},
    ['p' - 'a'] = {VS_SIP_HDR_PROXY_AUTHORIZATION, VS_SIP_HDR_PROXY_AUTHENTICATE,
                   VS_SIP_HDR_P_ASSERTED_IDENTITY, VS_SIP_HDR_PROXY_REQUIRE},
    ['r' - 'a'] = {VS_SIP_HDR_ROUTE, VS_SIP_HDR_RECORD_ROUTE, VS_SIP_HDR_REQUIRE,
                   VS_SIP_HDR_REASON, VS_SIP_HDR_REFER_TO, VS_SIP_HDR_REFERRED_BY,
                   VS_SIP_HDR_REJECT_CONTACT, VS_SIP_HDR_REQUEST_DISPOSITION},
    ['s' - 'a'] = {VS_SIP_HDR_SUPPORTED, VS_SIP_HDR_SERVER, VS_SIP_HDR_SUBJECT,
                   VS_SIP_HDR_SESSION_EXPIRES},
    ['t' - 'a'] = {VS_SIP_HDR_TO},
    ['u' - 'a'] = {VS_SIP_HDR_USER_AGENT, VS_SIP_HDR_UNSUPPORTED},
    ['v' - 'a'] = {VS_SIP_HDR_VIA},
    ['w' - 'a'] = {VS_SIP_HDR_WWW_AUTHENTICATE, VS_SIP_HDR_WARNING},
};

vs_sip_hdr_id vs_sip_hdr_lookup(vs_slice name)
{
    if (name.len == 0)
        return VS_SIP_HDR_OTHER;
    unsigned char c = lower((unsigned char)name.ptr[0]);
    if (c < 'a' || c > 'z')
        return VS_SIP_HDR_OTHER;
    if (name.len == 1)
        return (vs_sip_hdr_id)compact_ids[c - 'a'];
    const uint8_t *cand = by_letter[c - 'a'];
    for (int k = 0; k < 9 && cand[k]; k++) {
        const hdr_def *d = &hdr_defs[cand[k]];
        if (d->len == name.len && name_eq(name.ptr + 1, d->name + 1, name.len - 1))
            return (vs_sip_hdr_id)cand[k];
    }
    return VS_SIP_HDR_OTHER;
}

const char *vs_sip_hdr_name(vs_sip_hdr_id id)
{
    if ((unsigned)id >= VS_SIP_HDR__COUNT)
        return "";
    return hdr_defs[id].name;
}

static const char *const method_names[VS_SIP_METHOD__COUNT] = {
    [VS_SIP_METHOD_OTHER] = "",          [VS_SIP_METHOD_INVITE] = "INVITE",
    [VS_SIP_METHOD_ACK] = "ACK",         [VS_SIP_METHOD_BYE] = "BYE",
    [VS_SIP_METHOD_CANCEL] = "CANCEL",   [VS_SIP_METHOD_REGISTER] = "REGISTER",
    [VS_SIP_METHOD_OPTIONS] = "OPTIONS", [VS_SIP_METHOD_PRACK] = "PRACK",
    [VS_SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE", [VS_SIP_METHOD_NOTIFY] = "NOTIFY",
    [VS_SIP_METHOD_PUBLISH] = "PUBLISH", [VS_SIP_METHOD_INFO] = "INFO",
    [VS_SIP_METHOD_REFER] = "REFER",     [VS_SIP_METHOD_MESSAGE] = "MESSAGE",
    [VS_SIP_METHOD_UPDATE] = "UPDATE",
};

vs_sip_method vs_sip_method_lookup(vs_slice token)
{
    for (int m = 1; m < VS_SIP_METHOD__COUNT; m++) {
        size_t n = strlen(method_names[m]);
        if (n == token.len && memcmp(token.ptr, method_names[m], n) == 0)
            return (vs_sip_method)m;
    }
    return VS_SIP_METHOD_OTHER;
}

const char *vs_sip_method_name(vs_sip_method m)
{
    if ((unsigned)m >= VS_SIP_METHOD__COUNT)
        return "";
    return method_names[m];
}
