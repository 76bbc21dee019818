/* libFuzzer target: the whole SIP message path on one datagram.
 *
 * The input is parsed with vs_sip_parse in the default strict mode, with VS_SIP_OPT_LAZY, with
 * VS_SIP_OPT_TEXT_FILE, with a tiny header capacity, and as a stream of messages. For each framed
 * message the target checks the structural invariants (lengths within the input, header index
 * table consistent, issues bounded), then runs every lazy header parser on every header value of
 * its id, and the SDP locator and parser on the body. Every slice handed out is checked to lie in
 * the input and read byte by byte so that ASan sees each byte. */
#include <voipsec/sdp.h>
#include <voipsec/sip.h>

#include "fuzz_common.h"

const char *const vs_fuzz_corpus_dirs[] = {"rfc4475", "rfc5118", "protos-c07-sip",
                                           "fuzz-seeds/pjsip-sip", "fuzz-seeds/pjsip-sip-dialog",
                                           NULL};

typedef struct ctx {
    const char *buf; /* the whole input */
    size_t len;
} ctx;

static void touch(const ctx *c, vs_slice s)
{
    vs_fuzz_touch(c->buf, c->len, s);
}

static void check_params(const ctx *c, vs_slice params)
{
    touch(c, params);
    vs_slice rest = params, name, value;
    for (unsigned n = 0; n < 4096; n++) {
        vs_rc rc = vs_sip_param_next(&rest, &name, &value);
        VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_NOTFOUND || rc == VS_E_PARSE);
        if (rc != VS_OK)
            break;
        touch(c, name);
        touch(c, value);
        touch(c, rest);
    }
    static const char *const names[] = {"tag", "branch", "expires", "transport", "lr", "q"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        vs_slice v = VS_SLICE_NULL;
        vs_rc rc = vs_sip_param_get(params, names[i], &v);
        VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_NOTFOUND || rc == VS_E_PARSE);
        if (rc == VS_OK)
            touch(c, v);
    }
}

static void check_err_off(vs_rc rc, size_t err_off, vs_slice s)
{
    if (rc == VS_E_PARSE)
        VS_FUZZ_CHECK(err_off <= s.len);
    else
        VS_FUZZ_CHECK(rc == VS_OK);
}

static void check_uri(const ctx *c, vs_slice s)
{
    vs_sip_uri uri;
    size_t err = 0;
    vs_rc rc = vs_sip_uri_parse(s, &uri, &err);
    check_err_off(rc, err, s);
    if (rc != VS_OK)
        return;
    touch(c, uri.scheme);
    touch(c, uri.user);
    touch(c, uri.password);
    touch(c, uri.host);
    touch(c, uri.port_text);
    touch(c, uri.headers);
    touch(c, uri.opaque);
    check_params(c, uri.params);
    char dst[256];
    long n = vs_sip_unescape(uri.user, dst, sizeof dst);
    VS_FUZZ_CHECK(n < 0 || (size_t)n <= sizeof dst);
}

static void check_addr(const ctx *c, vs_slice s)
{
    vs_sip_addr addr;
    size_t err = 0;
    vs_rc rc = vs_sip_addr_parse(s, &addr, &err);
    check_err_off(rc, err, s);
    if (rc != VS_OK)
        return;
    touch(c, addr.display);
    touch(c, addr.uri_text);
    touch(c, addr.tag);
    touch(c, addr.uri.scheme);
    touch(c, addr.uri.user);
    touch(c, addr.uri.host);
    touch(c, addr.uri.headers);
    check_params(c, addr.uri.params);
    check_params(c, addr.params);
    if (!addr.star)
        check_uri(c, addr.uri_text);
}

static void check_list(const ctx *c, vs_slice value, void (*each)(const ctx *, vs_slice))
{
    vs_slice rest = value, item;
    for (unsigned n = 0; n < 4096 && vs_sip_list_next(&rest, &item); n++) {
        touch(c, item);
        touch(c, rest);
        if (item.len)
            each(c, item);
    }
}

static void check_via(const ctx *c, vs_slice s)
{
    vs_sip_via via;
    size_t err = 0;
    vs_rc rc = vs_sip_via_parse(s, &via, &err);
    check_err_off(rc, err, s);
    if (rc != VS_OK)
        return;
    touch(c, via.protocol);
    touch(c, via.version);
    touch(c, via.transport);
    touch(c, via.host);
    touch(c, via.branch);
    touch(c, via.received);
    touch(c, via.rport);
    check_params(c, via.params);
}

static void check_auth(const ctx *c, vs_slice s)
{
    vs_sip_auth a;
    size_t err = 0;
    vs_rc rc = vs_sip_auth_parse(s, &a, &err);
    check_err_off(rc, err, s);
    if (rc != VS_OK)
        return;
    const vs_slice all[] = {a.scheme, a.params,   a.username, a.realm, a.nonce, a.uri,   a.response,
                            a.algorithm, a.cnonce, a.opaque, a.qop,   a.nc,    a.stale, a.domain};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        touch(c, all[i]);
}

static void check_header(const ctx *c, const vs_sip_header *h)
{
    vs_slice v = h->value;
    size_t err = 0;
    uint64_t num = 0;
    vs_rc rc;
    switch ((vs_sip_hdr_id)h->id) {
    case VS_SIP_HDR_VIA:
        check_list(c, v, check_via);
        break;
    case VS_SIP_HDR_FROM:
    case VS_SIP_HDR_TO:
    case VS_SIP_HDR_REFER_TO:
    case VS_SIP_HDR_REFERRED_BY:
        check_addr(c, v);
        break;
    case VS_SIP_HDR_CONTACT:
    case VS_SIP_HDR_ROUTE:
    case VS_SIP_HDR_RECORD_ROUTE:
    case VS_SIP_HDR_P_ASSERTED_IDENTITY:
    case VS_SIP_HDR_ACCEPT_CONTACT:
    case VS_SIP_HDR_REJECT_CONTACT:
        check_list(c, v, check_addr);
        break;
    case VS_SIP_HDR_CSEQ: {
        uint32_t number = 0;
        vs_slice method = VS_SLICE_NULL;
        rc = vs_sip_cseq_parse(v, &number, &method, &err);
        check_err_off(rc, err, v);
        if (rc == VS_OK) {
            VS_FUZZ_CHECK(number < (1u << 31));
            touch(c, method);
            vs_fuzz_touch_str(vs_sip_method_name(vs_sip_method_lookup(method)));
        }
        break;
    }
    case VS_SIP_HDR_CONTENT_LENGTH:
    case VS_SIP_HDR_MAX_FORWARDS:
    case VS_SIP_HDR_EXPIRES:
    case VS_SIP_HDR_MIN_EXPIRES:
    case VS_SIP_HDR_SESSION_EXPIRES:
        rc = vs_sip_uint_parse(v, 255, &num);
        VS_FUZZ_CHECK(rc == VS_E_PARSE || rc == VS_E_LIMIT || (rc == VS_OK && num <= 255));
        rc = vs_sip_uint_parse(v, UINT64_MAX, &num);
        VS_FUZZ_CHECK(rc == VS_E_PARSE || rc == VS_E_LIMIT || rc == VS_OK);
        break;
    case VS_SIP_HDR_AUTHORIZATION:
    case VS_SIP_HDR_PROXY_AUTHORIZATION:
    case VS_SIP_HDR_WWW_AUTHENTICATE:
    case VS_SIP_HDR_PROXY_AUTHENTICATE:
        check_auth(c, v);
        break;
    case VS_SIP_HDR_DATE:
        rc = vs_sip_date_check(v, &err);
        check_err_off(rc, err, v);
        break;
    default: {
        /* Any other value: the generic splitters must still behave. */
        vs_slice rest = v, item;
        for (unsigned n = 0; n < 4096 && vs_sip_list_next(&rest, &item); n++)
            touch(c, item);
        break;
    }
    }
}

static void check_sdp(const ctx *c, const char *b, size_t blen)
{
    vs_sdp sdp;
    vs_rc rc = vs_sdp_parse(b, blen, &sdp);
    VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_PARSE);
    if (rc == VS_E_PARSE) {
        VS_FUZZ_CHECK(sdp.error != NULL);
        VS_FUZZ_CHECK(sdp.error_offset <= blen);
        vs_fuzz_touch_str(sdp.error);
    }
    VS_FUZZ_CHECK(sdp.media_count <= VS_SDP_MAX_MEDIA && sdp.media_count <= sdp.media_total);
    touch(c, sdp.origin_user);
    touch(c, sdp.origin_addr);
    touch(c, sdp.session_name);
    touch(c, sdp.conn_addr);
    touch(c, sdp.conn_addrtype);
    touch(c, sdp.fingerprint_hash);
    touch(c, sdp.setup);
    for (size_t i = 0; i < sdp.media_count; i++) {
        const vs_sdp_media *m = &sdp.media[i];
        touch(c, m->media);
        touch(c, m->proto_text);
        touch(c, m->formats);
        touch(c, m->conn_addr);
        touch(c, m->conn_addrtype);
        touch(c, m->fingerprint_hash);
        touch(c, m->setup);
        touch(c, m->direction);
        vs_fuzz_touch_str(vs_sdp_reason_id(m->reason));
        vs_fuzz_touch_str(vs_sdp_proto_name(m->proto));
        VS_FUZZ_CHECK(m->crypto_count <= VS_SDP_MAX_CRYPTO);
        for (size_t k = 0; k < m->crypto_count; k++) {
            touch(c, m->crypto[k].suite);
            touch(c, m->crypto[k].session_params);
        }
    }
}

static void check_issues(const vs_sip_msg *msg, size_t avail)
{
    VS_FUZZ_CHECK(msg->issue_count <= VS_SIP_MAX_ISSUES);
    VS_FUZZ_CHECK(msg->issue_count <= msg->issues_total);
    for (size_t i = 0; i < msg->issue_count; i++) {
        VS_FUZZ_CHECK(msg->issues[i].offset <= avail);
        vs_fuzz_touch_str(vs_sip_issue_id(msg->issues[i].code));
        vs_fuzz_touch_str(vs_sip_issue_text(msg->issues[i].code));
    }
}

/* msg was framed from the avail bytes at some position of the input; r is what vs_sip_parse
 * returned. */
static void check_msg(const ctx *c, size_t avail, long r, const vs_sip_msg *msg, size_t cap)
{
    VS_FUZZ_CHECK(r > 0 && (size_t)r <= avail);
    VS_FUZZ_CHECK(msg->length <= avail);
    VS_FUZZ_CHECK(msg->header_count <= cap);
    VS_FUZZ_CHECK(msg->kind == VS_SIP_REQUEST || msg->kind == VS_SIP_RESPONSE);
    check_issues(msg, avail);
    for (size_t i = 0; i < msg->issue_count; i++)
        if (vs_sip_issue_is_error(msg->issues[i].code))
            VS_FUZZ_CHECK(!msg->valid);
    touch(c, msg->method);
    touch(c, msg->request_uri);
    touch(c, msg->reason);
    touch(c, msg->version);
    touch(c, msg->start_line);
    touch(c, msg->body);
    for (size_t i = 0; i < msg->header_count; i++) {
        const vs_sip_header *h = &msg->headers[i];
        touch(c, h->name);
        touch(c, h->value);
        VS_FUZZ_CHECK(h->offset <= avail);
        VS_FUZZ_CHECK(h->id < VS_SIP_HDR__COUNT);
        VS_FUZZ_CHECK(vs_sip_hdr_lookup(h->name) == h->id);
        vs_fuzz_touch_str(vs_sip_hdr_name((vs_sip_hdr_id)h->id));
    }
    for (int id = 0; id < VS_SIP_HDR__COUNT; id++) {
        uint16_t f = msg->first[id];
        VS_FUZZ_CHECK(f == VS_SIP_NO_HEADER || f < msg->header_count);
        if (f != VS_SIP_NO_HEADER) {
            VS_FUZZ_CHECK(msg->headers[f].id == id);
            VS_FUZZ_CHECK(msg->count[id] > 0);
        }
        /* vs_sip_find_next must walk exactly the headers with this id, in order. */
        if (id == VS_SIP_HDR_OTHER)
            continue;
        size_t walked = 0;
        const vs_sip_header *prev = NULL;
        for (const vs_sip_header *h = vs_sip_find(msg, (vs_sip_hdr_id)id); h != NULL;
             h = vs_sip_find_next(msg, h)) {
            VS_FUZZ_CHECK(h >= msg->headers && h < msg->headers + msg->header_count);
            VS_FUZZ_CHECK(h->id == id && (prev == NULL || h > prev));
            prev = h;
            walked++;
        }
        /* count[] also counts lines past the header capacity (sip.h) */
        VS_FUZZ_CHECK(walked <= msg->count[id] || msg->count[id] == 255);
        bool full = false;
        for (size_t k = 0; k < msg->issue_count; k++)
            full |= msg->issues[k].code == VS_SIP_E_TOO_MANY_HEADERS ||
                    msg->issues[k].code == VS_SIP_A_ISSUES_DROPPED;
        if (!full)
            VS_FUZZ_CHECK(walked == (msg->count[id] == 255 ? walked : msg->count[id]));
    }
    if (msg->header_count > 0)
        VS_FUZZ_CHECK(vs_sip_find_name(msg, msg->headers[0].name) != NULL);

    /* Lazy header parsers on every header of their id, and on the Request-URI. */
    if (msg->kind == VS_SIP_REQUEST && msg->request_uri.len)
        check_uri(c, msg->request_uri);
    for (size_t i = 0; i < msg->header_count; i++)
        check_header(c, &msg->headers[i]);

    /* Body: SDP locator and parser. */
    if (msg->body.len) {
        const vs_sip_header *ct = vs_sip_find(msg, VS_SIP_HDR_CONTENT_TYPE);
        vs_slice ctype = ct ? ct->value : VS_SLICE_NULL;
        vs_slice sdp_body = VS_SLICE_NULL;
        vs_rc rc = vs_sdp_find_in_body(ctype, msg->body, &sdp_body);
        VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_NOTFOUND || rc == VS_E_PARSE);
        if (rc == VS_OK) {
            touch(c, sdp_body);
            check_sdp(c, sdp_body.ptr, sdp_body.len);
        }
        check_sdp(c, msg->body.ptr, msg->body.len);
    }
}

static void parse_once(const ctx *c, unsigned opts, vs_sip_header *headers, size_t cap)
{
    vs_sip_msg msg;
    long r = vs_sip_parse(c->buf, c->len, &msg, headers, cap, opts);
    if (r > 0) {
        check_msg(c, c->len, r, &msg, cap);
    } else {
        VS_FUZZ_CHECK(r == VS_E_PARSE);
        check_issues(&msg, c->len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vs_sip_header headers[VS_SIP_DEFAULT_HEADERS];
    char *buf = vs_fuzz_dup(data, size);
    ctx c = {buf, size};

    parse_once(&c, 0, headers, VS_SIP_DEFAULT_HEADERS);
    parse_once(&c, VS_SIP_OPT_LAZY, headers, VS_SIP_DEFAULT_HEADERS);
    parse_once(&c, VS_SIP_OPT_TEXT_FILE, headers, VS_SIP_DEFAULT_HEADERS);
    parse_once(&c, VS_SIP_OPT_LAZY | VS_SIP_OPT_TEXT_FILE, headers, VS_SIP_DEFAULT_HEADERS);
    parse_once(&c, 0, headers, 3); /* capacity exhaustion path */

    /* As a stream: parse message after message from the same buffer. */
    size_t pos = 0;
    for (unsigned n = 0; n < 1024 && pos < size; n++) {
        vs_sip_msg msg;
        long r = vs_sip_parse(buf + pos, size - pos, &msg, headers, VS_SIP_DEFAULT_HEADERS,
                              VS_SIP_OPT_STREAM);
        if (r <= 0) {
            VS_FUZZ_CHECK(r == VS_E_PARSE || r == VS_E_INCOMPLETE);
            break;
        }
        check_msg(&c, size - pos, r, &msg, VS_SIP_DEFAULT_HEADERS);
        pos += (size_t)r;
    }

    free(buf);
    return 0;
}
