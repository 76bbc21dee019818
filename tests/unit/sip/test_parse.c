/* Unit tests for vs_sip_parse: framing, the strict verdict, options and issue offsets.
 *
 * Every input is copied right before a PROT_NONE page (tests/support/guard.h), and so is the
 * caller's header array, so a read past the input or a write past the header capacity faults at
 * once. After every parse, check_invariants() verifies what sip.h promises of any result (slices
 * inside the input, counts, first[] and count[] consistent, valid agreeing with the issues).
 *
 * Tests marked "SUSPECTED BUG" assert what sip.h / docs/internals/sip-parser.md / RFC 3261 say
 * and fail against the current parser; they are listed in the report to the lead. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voipsec/sip.h>

#include "guard.h"

/* ---- helpers ---------------------------------------------------------------------------- */

typedef struct pm {
    char *buf;
    size_t len;
    vs_sip_header *hdrs;
    size_t cap;
    vs_sip_msg msg;
    long rc;
} pm;

#define CAP 64

static vs_sip_header *guard_headers(size_t cap)
{
    if (cap == 0)
        return NULL;
    size_t n = cap * sizeof(vs_sip_header);
    void *zero = calloc(1, n);
    assert_non_null(zero);
    char *g = vs_guard_copy(zero, n);
    free(zero);
    return (vs_sip_header *)(void *)g;
}

static bool within(const pm *p, vs_slice s)
{
    if (s.len == 0)
        return true; /* an empty slice may point anywhere (or nowhere) */
    return s.ptr >= p->buf && s.ptr + s.len <= p->buf + p->len;
}

static void check_invariants(const pm *p)
{
    const vs_sip_msg *m = &p->msg;
    if (p->rc > 0) {
        assert_true((size_t)p->rc <= p->len);
        assert_int_equal(m->length, (size_t)p->rc);
        assert_true(m->kind == VS_SIP_REQUEST || m->kind == VS_SIP_RESPONSE);
        assert_true(m->header_count <= p->cap);
        assert_true(within(p, m->start_line));
        assert_true(within(p, m->method));
        assert_true(within(p, m->request_uri));
        assert_true(within(p, m->reason));
        assert_true(within(p, m->version));
        assert_true(within(p, m->body));
        if (m->body.len)
            assert_true(m->body.ptr + m->body.len <= p->buf + m->length);
        size_t counted[VS_SIP_HDR__COUNT] = {0};
        for (size_t i = 0; i < m->header_count; i++) {
            const vs_sip_header *h = &m->headers[i];
            assert_true(h->name.len > 0);
            assert_true(within(p, h->name));
            assert_true(within(p, h->value));
            assert_true(h->offset < p->len);
            assert_ptr_equal(p->buf + h->offset, h->name.ptr);
            assert_true(h->id < VS_SIP_HDR__COUNT);
            if (counted[h->id] == 0)
                assert_int_equal(m->first[h->id], i);
            counted[h->id]++;
        }
        for (size_t id = 0; id < VS_SIP_HDR__COUNT; id++) {
            if (counted[id] == 0)
                assert_int_equal(m->first[id], VS_SIP_NO_HEADER);
            /* count[] includes header lines past the capacity (sip.h) */
            if (m->header_count < p->cap)
                assert_int_equal(m->count[id], counted[id] > 255 ? 255 : counted[id]);
            else
                assert_true(m->count[id] >= (counted[id] > 255 ? 255 : counted[id]));
        }
        assert_ptr_equal(m->headers, p->hdrs);
    } else {
        assert_true(p->rc == VS_E_PARSE || p->rc == VS_E_INCOMPLETE || p->rc == VS_E_INVAL);
        if (p->rc == VS_E_PARSE)
            assert_true(m->issue_count > 0); /* "msg->issues says why" */
    }
    if (p->rc != VS_E_INVAL) {
        assert_true(m->issue_count <= VS_SIP_MAX_ISSUES);
        assert_true(m->issue_count <= m->issues_total);
        bool err = false;
        for (size_t i = 0; i < m->issue_count; i++) {
            assert_true(m->issues[i].offset <= p->len);
            assert_string_not_equal(vs_sip_issue_id(m->issues[i].code), "unknown");
            if (vs_sip_issue_is_error(m->issues[i].code))
                err = true;
        }
        if (err)
            assert_false(m->valid);
        if (m->issues_total == m->issue_count && !err && p->rc > 0)
            assert_true(m->valid);
    }
}

static long parse_n(pm *p, const char *text, size_t len, size_t cap, unsigned opts)
{
    memset(p, 0, sizeof *p);
    p->len = len;
    p->buf = vs_guard_copy(text, len);
    p->cap = cap;
    p->hdrs = guard_headers(cap);
    p->rc = vs_sip_parse(p->buf, len, &p->msg, p->hdrs, cap, opts);
    check_invariants(p);
    return p->rc;
}

static long parse_opts(pm *p, const char *text, unsigned opts)
{
    return parse_n(p, text, strlen(text), CAP, opts);
}

static long parse(pm *p, const char *text)
{
    return parse_opts(p, text, 0);
}

static void done(pm *p)
{
    vs_guard_free(p->buf, p->len);
    if (p->hdrs)
        vs_guard_free((char *)(void *)p->hdrs, p->cap * sizeof(vs_sip_header));
    p->buf = NULL;
    p->hdrs = NULL;
}

/* index of the first issue with code, or -1 */
static int issue_idx(const vs_sip_msg *m, int code)
{
    for (size_t i = 0; i < m->issue_count; i++)
        if (m->issues[i].code == code)
            return (int)i;
    return -1;
}

static bool has(const vs_sip_msg *m, int code)
{
    return issue_idx(m, code) >= 0;
}

static bool has_at(const vs_sip_msg *m, int code, size_t off)
{
    for (size_t i = 0; i < m->issue_count; i++)
        if (m->issues[i].code == code && m->issues[i].offset == off)
            return true;
    return false;
}

static void dump_issues(const vs_sip_msg *m)
{
    for (size_t i = 0; i < m->issue_count; i++)
        print_message("  issue %s @%u\n", vs_sip_issue_id(m->issues[i].code),
                      (unsigned)m->issues[i].offset);
}

#define assert_issue(m, code)                                                                      \
    do {                                                                                           \
        if (!has((m), (code))) {                                                                   \
            dump_issues(m);                                                                        \
            fail_msg("missing issue %s", vs_sip_issue_id(code));                                   \
        }                                                                                          \
    } while (0)

#define assert_no_issue(m, code)                                                                   \
    do {                                                                                           \
        if (has((m), (code))) {                                                                    \
            dump_issues(m);                                                                        \
            fail_msg("unexpected issue %s", vs_sip_issue_id(code));                                \
        }                                                                                          \
    } while (0)

#define assert_issue_at(m, code, off)                                                              \
    do {                                                                                           \
        if (!has_at((m), (code), (off))) {                                                         \
            dump_issues(m);                                                                        \
            fail_msg("missing issue %s at %zu", vs_sip_issue_id(code), (size_t)(off));             \
        }                                                                                          \
    } while (0)

#define assert_slice(s, lit)                                                                       \
    do {                                                                                           \
        vs_slice s_ = (s);                                                                         \
        if (s_.len != strlen(lit) || (s_.len && memcmp(s_.ptr, (lit), s_.len) != 0))               \
            fail_msg("slice '%.*s' != '%s'", VS_SLICE_FMT(s_), (lit));                             \
    } while (0)

/* offset of the first occurrence of needle in the NUL-free text */
static size_t off_of(const char *text, const char *needle)
{
    const char *s = strstr(text, needle);
    if (!s)
        fail_msg("'%s' not in the message", needle);
    return (size_t)(s - text);
}

/* The mandatory headers of a request to bob (CSeq method INVITE). */
#define VIA_HDR "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
#define MF_HDR "Max-Forwards: 70\r\n"
#define TO_HDR "To: Bob <sip:bob@biloxi.com>\r\n"
#define FROM_HDR "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
#define CID_HDR "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
#define CSEQ_HDR "CSeq: 314159 INVITE\r\n"
#define STD_HDRS VIA_HDR MF_HDR TO_HDR FROM_HDR CID_HDR CSEQ_HDR
#define INV_LINE "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
#define END0 "Content-Length: 0\r\n\r\n"

/* A realistic INVITE with an SDP body; returns its length. out must hold 1024 bytes. */
static size_t build_invite(char *out)
{
    static const char sdp[] = "v=0\r\n"
                              "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\r\n"
                              "s=Session SDP\r\n"
                              "c=IN IP4 192.0.2.101\r\n"
                              "t=0 0\r\n"
                              "m=audio 49172 RTP/AVP 0 8 101\r\n"
                              "a=rtpmap:0 PCMU/8000\r\n"
                              "a=rtpmap:8 PCMA/8000\r\n"
                              "a=rtpmap:101 telephone-event/8000\r\n"
                              "a=sendrecv\r\n";
    int n = snprintf(out, 1024,
                     INV_LINE VIA_HDR MF_HDR TO_HDR FROM_HDR CID_HDR CSEQ_HDR
                     "Contact: <sip:alice@pc33.atlanta.com>\r\n"
                     "Content-Type: application/sdp\r\n"
                     "Content-Length: %zu\r\n"
                     "\r\n%s",
                     sizeof sdp - 1, sdp);
    assert_true(n > 0 && n < 1024);
    return (size_t)n;
}

/* ---- start lines ------------------------------------------------------------------------ */

static void test_valid_request(void **state)
{
    (void)state;
    pm p;
    static const char text[] = INV_LINE STD_HDRS END0;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    const vs_sip_msg *m = &p.msg;
    assert_true(m->valid);
    assert_int_equal(m->issue_count, 0);
    assert_int_equal(m->issues_total, 0);
    assert_int_equal(m->kind, VS_SIP_REQUEST);
    assert_slice(m->method, "INVITE");
    assert_int_equal(m->method_id, VS_SIP_METHOD_INVITE);
    assert_slice(m->request_uri, "sip:bob@biloxi.com");
    assert_slice(m->version, "SIP/2.0");
    assert_slice(m->start_line, "INVITE sip:bob@biloxi.com SIP/2.0");
    assert_int_equal(m->header_count, 7);
    assert_int_equal(m->first[VS_SIP_HDR_VIA], 0);
    assert_int_equal(m->first[VS_SIP_HDR_CSEQ], 5);
    assert_int_equal(m->first[VS_SIP_HDR_CONTENT_LENGTH], 6);
    assert_int_equal(m->first[VS_SIP_HDR_CONTACT], VS_SIP_NO_HEADER);
    assert_slice(m->headers[2].name, "To");
    assert_slice(m->headers[2].value, "Bob <sip:bob@biloxi.com>");
    assert_int_equal(m->headers[2].offset, off_of(text, "To:"));
    assert_true(m->has_content_length);
    assert_int_equal(m->content_length, 0);
    assert_int_equal(m->body.len, 0);
    assert_false(m->bare_lf);
    done(&p);
}

static void test_valid_response(void **state)
{
    (void)state;
    pm p;
    static const char text[] = "SIP/2.0 180 Ringing Now\r\n" STD_HDRS END0;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    assert_true(p.msg.valid);
    assert_int_equal(p.msg.kind, VS_SIP_RESPONSE);
    assert_int_equal(p.msg.status, 180);
    assert_slice(p.msg.reason, "Ringing Now");
    assert_slice(p.msg.version, "SIP/2.0");
    assert_int_equal(p.msg.method.len, 0);
    assert_int_equal(p.msg.issue_count, 0);
    done(&p);

    /* empty reason phrase; version is case-insensitive (RFC 3261 7.1) */
    static const char t2[] = "sip/2.0 200 \r\n" STD_HDRS END0;
    assert_int_equal(parse(&p, t2), (long)strlen(t2));
    assert_true(p.msg.valid);
    assert_int_equal(p.msg.status, 200);
    assert_int_equal(p.msg.reason.len, 0);
    done(&p);
}

typedef struct sl_case {
    const char *line; /* start line without CRLF */
    int code;
    long off; /* expected offset, -1 when only presence is checked */
} sl_case;

static void test_start_line_errors(void **state)
{
    (void)state;
    static const sl_case cases[] = {
        /* method */
        {"INV@ITE sip:bob@biloxi.com SIP/2.0", VS_SIP_E_METHOD, 3},
        {"INV\"ITE sip:bob@biloxi.com SIP/2.0", VS_SIP_E_METHOD, 3},
        /* request-uri */
        {"INVITE sip:bob@biloxi.com junk SIP/2.0", VS_SIP_E_REQUEST_URI, 7},
        {"INVITE sip:bob@[::1 SIP/2.0", VS_SIP_E_REQUEST_URI, 15},
        {"INVITE sip:bob@biloxi.com:99999 SIP/2.0", VS_SIP_E_REQUEST_URI, 26},
        {"INVITE sip:bob@biloxi.com;=x SIP/2.0", VS_SIP_E_REQUEST_URI, 26},
        {"INVITE sip:%zzbob@biloxi.com SIP/2.0", VS_SIP_E_REQUEST_URI, 11},
        {"INVITE 1sip:bob SIP/2.0", VS_SIP_E_REQUEST_URI, 7},
        /* brackets and ?headers */
        {"INVITE <sip:bob@biloxi.com> SIP/2.0", VS_SIP_E_RURI_BRACKETS, 7},
        {"INVITE sip:bob@biloxi.com?Subject=hi SIP/2.0", VS_SIP_E_RURI_HEADERS, 26},
        {"INVITE sips:bob@biloxi.com?a=b&c=d SIP/2.0", VS_SIP_E_RURI_HEADERS, 27},
        /* extra spaces */
        {"INVITE  sip:bob@biloxi.com SIP/2.0", VS_SIP_E_START_LINE_SPACE, -1},
        {"INVITE sip:bob@biloxi.com  SIP/2.0", VS_SIP_E_START_LINE_SPACE, -1},
        {"SIP/2.0  200 OK", VS_SIP_E_START_LINE_SPACE, -1},
        /* version */
        {"INVITE sip:bob@biloxi.com SIP/3.0", VS_SIP_E_VERSION, 26},
        {"INVITE sip:bob@biloxi.com SIP/2.00", VS_SIP_E_VERSION, 26},
        {"INVITE sip:bob@biloxi.com SIP/20.0", VS_SIP_E_VERSION, 26},
        {"SIP/1.0 200 OK", VS_SIP_E_VERSION, 0},
        {"INVITE sip:bob@biloxi.com SIP/2.0x", VS_SIP_E_START_LINE, 26},
        {"INVITE sip:bob@biloxi.com SIP/2", VS_SIP_E_START_LINE, 26},
        {"INVITE sip:bob@biloxi.com SIP/.0", VS_SIP_E_START_LINE, 26},
        {"SIP/2 200 OK", VS_SIP_E_START_LINE, 0},
        /* status */
        {"SIP/2.0 2000 OK", VS_SIP_E_STATUS, 8},
        {"SIP/2.0 099 Low", VS_SIP_E_STATUS, 8},
        {"SIP/2.0 700 High", VS_SIP_E_STATUS, 8},
        {"SIP/2.0 20 OK", VS_SIP_E_STATUS, 8},
        {"SIP/2.0 4294967301 Overflow", VS_SIP_E_STATUS, 8},
        {"SIP/2.0 99999999999999999999200 Overflow", VS_SIP_E_STATUS, 8},
        {"SIP/2.0 200OK", VS_SIP_E_STATUS, 8},
        {"SIP/2.0 abc OK", VS_SIP_E_STATUS, 8},
        {"SIP/2.0", VS_SIP_E_STATUS, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        int n = snprintf(text, sizeof text, "%s\r\n" STD_HDRS END0, cases[i].line);
        assert_true(n > 0 && (size_t)n < sizeof text);
        pm p;
        long rc = parse(&p, text);
        if (rc != n)
            fail_msg("case %zu '%s': rc %ld, want %d (framed)", i, cases[i].line, rc, n);
        if (p.msg.valid)
            fail_msg("case %zu '%s' judged valid", i, cases[i].line);
        if (!has(&p.msg, cases[i].code)) {
            dump_issues(&p.msg);
            fail_msg("case %zu '%s': no %s", i, cases[i].line, vs_sip_issue_id(cases[i].code));
        }
        if (cases[i].off >= 0 && !has_at(&p.msg, cases[i].code, (size_t)cases[i].off)) {
            dump_issues(&p.msg);
            fail_msg("case %zu '%s': %s not at %ld", i, cases[i].line,
                     vs_sip_issue_id(cases[i].code), cases[i].off);
        }
        if (cases[i].code == VS_SIP_E_STATUS)
            assert_int_equal(p.msg.status, 0);
        if (cases[i].code == VS_SIP_E_START_LINE_SPACE) {
            /* the offset lies on the run of spaces or on the element right after it */
            const vs_sip_issue *is = &p.msg.issues[issue_idx(&p.msg, cases[i].code)];
            const char *dbl = strstr(cases[i].line, "  ");
            size_t a = (size_t)(dbl - cases[i].line);
            assert_true(is->offset >= a && is->offset <= a + 2);
        }
        done(&p);
    }
}

static void test_start_line_space_variants_valid(void **state)
{
    (void)state;
    /* sanity for the table above: the same messages with one SP each are valid */
    static const char *const ok[] = {
        "INVITE sip:bob@biloxi.com SIP/2.0",
        "INVITE sips:bob@biloxi.com SIP/2.0",
        "INVITE tel:+1-201-555-0123 SIP/2.0",
        "INVITE sip:bob@[2001:db8::1]:5060;transport=tcp SIP/2.0",
        "SIP/2.0 200 OK",
        "SIP/2.0 699 Whatever it is",
        "SIP/2.0 100 Trying",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char text[512];
        int n = snprintf(text, sizeof text, "%s\r\n" STD_HDRS END0, ok[i]);
        pm p;
        assert_int_equal(parse(&p, text), n);
        if (!p.msg.valid || p.msg.issue_count) {
            dump_issues(&p.msg);
            fail_msg("'%s' not clean", ok[i]);
        }
        done(&p);
    }
}

static void test_not_sip(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",  "hello world\r\n\r\n",
        "INVITE sip:bob@biloxi.com\r\n" STD_HDRS END0,  "INVITE\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "HTTP/1.1 200 OK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pm p;
        long rc = parse(&p, bad[i]);
        if (rc != VS_E_PARSE)
            fail_msg("case %zu: rc %ld", i, rc);
        assert_issue(&p.msg, VS_SIP_E_START_LINE);
        assert_false(p.msg.valid);
        done(&p);
        /* and in stream mode too, once the first line is complete */
        rc = parse_opts(&p, bad[i], VS_SIP_OPT_STREAM);
        if (strchr(bad[i], '\n'))
            assert_int_equal(rc, VS_E_PARSE);
        else
            assert_int_equal(rc, VS_E_INCOMPLETE);
        done(&p);
    }
}

/* SUSPECTED BUG: a request line with a trailing SP ("... SIP/2.0 ") is refused as "not SIP"
 * (VS_E_PARSE, nothing framed) although it carries a SIP version; with a trailing HTAB the same
 * message is framed and flagged. docs/internals/sip-parser.md reserves VS_E_PARSE for input that
 * is not SIP at all; the monitor loses the Call-ID/From of such a message. */
static void test_request_line_trailing_space(void **state)
{
    (void)state;
    static const char tab[] = "INVITE sip:bob@biloxi.com SIP/2.0\t\r\n" STD_HDRS END0;
    pm p;
    assert_int_equal(parse(&p, tab), (long)strlen(tab));
    assert_false(p.msg.valid);
    done(&p);
    static const char sp[] = "INVITE sip:bob@biloxi.com SIP/2.0 \r\n" STD_HDRS END0;
    long rc = parse(&p, sp);
    if (rc != (long)strlen(sp))
        fail_msg("SUSPECTED BUG: trailing SP after SIP/2.0: rc %ld, want framed (%zu) and invalid",
                 rc, strlen(sp));
    assert_false(p.msg.valid);
    done(&p);
}

static void test_methods(void **state)
{
    (void)state;
    static const struct {
        const char *m;
        vs_sip_method id;
    } ms[] = {
        {"INVITE", VS_SIP_METHOD_INVITE},
        {"ACK", VS_SIP_METHOD_ACK},
        {"BYE", VS_SIP_METHOD_BYE},
        {"CANCEL", VS_SIP_METHOD_CANCEL},
        {"REGISTER", VS_SIP_METHOD_REGISTER},
        {"OPTIONS", VS_SIP_METHOD_OPTIONS},
        {"PRACK", VS_SIP_METHOD_PRACK},
        {"SUBSCRIBE", VS_SIP_METHOD_SUBSCRIBE},
        {"NOTIFY", VS_SIP_METHOD_NOTIFY},
        {"PUBLISH", VS_SIP_METHOD_PUBLISH},
        {"INFO", VS_SIP_METHOD_INFO},
        {"REFER", VS_SIP_METHOD_REFER},
        {"MESSAGE", VS_SIP_METHOD_MESSAGE},
        {"UPDATE", VS_SIP_METHOD_UPDATE},
        {"NEWMETHOD", VS_SIP_METHOD_OTHER},
        {"invite", VS_SIP_METHOD_OTHER},
        {"!interesting-Method0123456789_*+`.%indeed'~", VS_SIP_METHOD_OTHER},
    };
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        char text[512];
        int n = snprintf(text, sizeof text,
                         "%s sip:bob@biloxi.com SIP/2.0\r\n" VIA_HDR MF_HDR TO_HDR FROM_HDR CID_HDR
                         "CSeq: 1 %s\r\n" END0,
                         ms[i].m, ms[i].m);
        pm p;
        assert_int_equal(parse(&p, text), n);
        if (!p.msg.valid) {
            dump_issues(&p.msg);
            fail_msg("method %s invalid", ms[i].m);
        }
        assert_int_equal(p.msg.method_id, ms[i].id);
        assert_memory_equal(p.msg.method.ptr, ms[i].m, strlen(ms[i].m));
        done(&p);
    }
}

static void test_cseq_method_mismatch(void **state)
{
    (void)state;
    static const char text[] = "BYE sip:bob@biloxi.com SIP/2.0\r\n" STD_HDRS END0;
    pm p;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    assert_false(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_E_CSEQ_METHOD, off_of(text, "INVITE\r\n"));
    done(&p);
    /* case matters for methods */
    static const char t2[] = "invite sip:bob@biloxi.com SIP/2.0\r\n" STD_HDRS END0;
    assert_int_equal(parse(&p, t2), (long)strlen(t2));
    assert_issue(&p.msg, VS_SIP_E_CSEQ_METHOD);
    done(&p);
    /* a response may carry any CSeq method */
    static const char t3[] = "SIP/2.0 200 OK\r\n" STD_HDRS END0;
    assert_int_equal(parse(&p, t3), (long)strlen(t3));
    assert_true(p.msg.valid);
    done(&p);
}

static void test_request_uri_schemes(void **state)
{
    (void)state;
    pm p;
    static const char t1[] = "INVITE mailto:bob@biloxi.com SIP/2.0\r\n" STD_HDRS END0;
    assert_int_equal(parse(&p, t1), (long)strlen(t1));
    assert_issue_at(&p.msg, VS_SIP_A_UNKNOWN_SCHEME, 7);
    assert_true(p.msg.valid); /* an anomaly only */
    done(&p);
    static const char t2[] = "INVITE tel:+1-201-555-0123;phone-context=x SIP/2.0\r\n" STD_HDRS END0;
    assert_int_equal(parse(&p, t2), (long)strlen(t2));
    assert_true(p.msg.valid);
    assert_no_issue(&p.msg, VS_SIP_A_UNKNOWN_SCHEME);
    done(&p);
}

static void test_branch_cookie(void **state)
{
    (void)state;
    pm p;
    static const char t1[] =
        INV_LINE "Via: SIP/2.0/UDP a.example.com;branch=776asdhds\r\n" MF_HDR TO_HDR FROM_HDR
            CID_HDR CSEQ_HDR END0;
    assert_int_equal(parse(&p, t1), (long)strlen(t1));
    assert_true(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_A_NOT_RFC3261_BRANCH, off_of(t1, "SIP/2.0/UDP"));
    done(&p);
    /* no branch at all: RFC 2543 style */
    static const char t2[] =
        INV_LINE "Via: SIP/2.0/UDP a.example.com\r\n" MF_HDR TO_HDR FROM_HDR CID_HDR CSEQ_HDR END0;
    assert_int_equal(parse(&p, t2), (long)strlen(t2));
    assert_issue(&p.msg, VS_SIP_A_NOT_RFC3261_BRANCH);
    done(&p);
    /* responses are not judged on it */
    static const char t3[] =
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a.example.com;branch=1\r\n" MF_HDR TO_HDR FROM_HDR
            CID_HDR CSEQ_HDR END0;
    assert_int_equal(parse(&p, t3), (long)strlen(t3));
    assert_no_issue(&p.msg, VS_SIP_A_NOT_RFC3261_BRANCH);
    done(&p);
}

/* ---- header names ----------------------------------------------------------------------- */

static void test_compact_forms(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        vs_sip_hdr_id id;
    } hs[] = {
        {"v: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776", VS_SIP_HDR_VIA},
        {"Max-Forwards: 70", VS_SIP_HDR_MAX_FORWARDS},
        {"t: <sip:bob@biloxi.com>", VS_SIP_HDR_TO},
        {"f: <sip:alice@atlanta.com>;tag=1", VS_SIP_HDR_FROM},
        {"i: abc@def", VS_SIP_HDR_CALL_ID},
        {"CSeq: 1 INVITE", VS_SIP_HDR_CSEQ},
        {"m: <sip:alice@pc33.atlanta.com>", VS_SIP_HDR_CONTACT},
        {"a: *;audio", VS_SIP_HDR_ACCEPT_CONTACT},
        {"u: presence", VS_SIP_HDR_ALLOW_EVENTS},
        {"e: gzip", VS_SIP_HDR_CONTENT_ENCODING},
        {"o: presence", VS_SIP_HDR_EVENT},
        {"y: c2lnbmF0dXJl", VS_SIP_HDR_IDENTITY},
        {"r: <sip:carol@chicago.com>", VS_SIP_HDR_REFER_TO},
        {"b: <sip:dave@denver.com>", VS_SIP_HDR_REFERRED_BY},
        {"j: *;video", VS_SIP_HDR_REJECT_CONTACT},
        {"d: proxy", VS_SIP_HDR_REQUEST_DISPOSITION},
        {"x: 1800", VS_SIP_HDR_SESSION_EXPIRES},
        {"s: hello", VS_SIP_HDR_SUBJECT},
        {"k: timer", VS_SIP_HDR_SUPPORTED},
        {"c: text/plain", VS_SIP_HDR_CONTENT_TYPE},
        {"l: 2", VS_SIP_HDR_CONTENT_LENGTH},
        {"n: unknown-compact", VS_SIP_HDR_OTHER},
    };
    char text[2048];
    size_t o = (size_t)snprintf(text, sizeof text, INV_LINE);
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%s\r\n", hs[i].line);
    o += (size_t)snprintf(text + o, sizeof text - o, "\r\nhi");
    pm p;
    assert_int_equal(parse(&p, text), (long)o);
    if (!p.msg.valid) {
        dump_issues(&p.msg);
        fail_msg("compact message invalid");
    }
    assert_int_equal(p.msg.header_count, sizeof hs / sizeof hs[0]);
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        const vs_sip_header *h = &p.msg.headers[i];
        if (h->id != hs[i].id)
            fail_msg("'%s': id %u, want %u", hs[i].line, h->id, hs[i].id);
        bool compact = hs[i].line[1] == ':' && hs[i].id != VS_SIP_HDR_OTHER;
        assert_int_equal((h->flags & VS_SIP_HF_COMPACT) != 0, compact);
        assert_int_equal(h->value.len, strlen(strchr(hs[i].line, ':') + 2));
    }
    assert_slice(p.msg.body, "hi");
    assert_int_equal(p.msg.content_length, 2);
    assert_non_null(vs_sip_find(&p.msg, VS_SIP_HDR_CALL_ID));
    assert_slice(vs_sip_find(&p.msg, VS_SIP_HDR_CALL_ID)->value, "abc@def");
    done(&p);
}

static void test_case_insensitive_names(void **state)
{
    (void)state;
    static const char text[] =
        INV_LINE "VIA: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                 "max-FORWARDS: 70\r\n"
                 "tO: Bob <sip:bob@biloxi.com>\r\n"
                 "F: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
                 "CALL-id: a84b4c76e66710@pc33.atlanta.com\r\n"
                 "cseq: 314159 INVITE\r\n"
                 "www-AUTHENTICATE: Digest realm=\"x\"\r\n"
                 "L: 0\r\n\r\n";
    pm p;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    if (!p.msg.valid) {
        dump_issues(&p.msg);
        fail_msg("invalid");
    }
    static const vs_sip_hdr_id want[] = {
        VS_SIP_HDR_VIA,
        VS_SIP_HDR_MAX_FORWARDS,
        VS_SIP_HDR_TO,
        VS_SIP_HDR_FROM,
        VS_SIP_HDR_CALL_ID,
        VS_SIP_HDR_CSEQ,
        VS_SIP_HDR_WWW_AUTHENTICATE,
        VS_SIP_HDR_CONTENT_LENGTH,
    };
    assert_int_equal(p.msg.header_count, 8);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(p.msg.headers[i].id, want[i]);
    assert_true(p.msg.headers[3].flags & VS_SIP_HF_COMPACT);
    assert_true(p.msg.headers[7].flags & VS_SIP_HF_COMPACT);
    assert_false(p.msg.headers[0].flags & VS_SIP_HF_COMPACT);
    assert_slice(p.msg.headers[4].name, "CALL-id"); /* the name slice is as written */
    done(&p);
}

static void test_whitespace_before_colon(void **state)
{
    (void)state;
    static const char text[] =
        INV_LINE "Via  : SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                 "Max-Forwards\t: 70\r\n"
                 "To:Bob <sip:bob@biloxi.com>\r\n"
                 "From: \t Alice <sip:alice@atlanta.com>;tag=1928301774 \t \r\n" CID_HDR CSEQ_HDR
                 "Subject :\r\n"
                 "Content-Length : 0\r\n\r\n";
    pm p;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    if (!p.msg.valid) {
        dump_issues(&p.msg);
        fail_msg("invalid");
    }
    assert_slice(p.msg.headers[0].name, "Via");
    assert_slice(p.msg.headers[1].name, "Max-Forwards");
    assert_slice(p.msg.headers[1].value, "70");
    assert_slice(p.msg.headers[2].value, "Bob <sip:bob@biloxi.com>");
    assert_slice(p.msg.headers[3].value, "Alice <sip:alice@atlanta.com>;tag=1928301774");
    assert_int_equal(p.msg.headers[6].id, VS_SIP_HDR_SUBJECT);
    assert_int_equal(p.msg.headers[6].value.len, 0);
    assert_int_equal(p.msg.headers[7].id, VS_SIP_HDR_CONTENT_LENGTH);
    done(&p);
}

static void test_header_syntax(void **state)
{
    (void)state;
    static const char text[] = INV_LINE STD_HDRS "No colon here\r\n"
                                                 ": no name\r\n"
                                                 "Bad@Name: x\r\n"
                                                 "Sub\x01ject: x\r\n" END0;
    pm p;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    assert_false(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_E_HEADER_SYNTAX, off_of(text, "No colon"));
    assert_issue_at(&p.msg, VS_SIP_E_HEADER_SYNTAX, off_of(text, ": no name"));
    assert_issue_at(&p.msg, VS_SIP_E_HEADER_SYNTAX, off_of(text, "Bad@Name"));
    assert_issue_at(&p.msg, VS_SIP_E_HEADER_SYNTAX, off_of(text, "Sub\x01"));
    assert_int_equal(p.msg.header_count, 7); /* the broken lines are not headers */
    done(&p);
}

/* ---- folding ---------------------------------------------------------------------------- */

static void test_folding(void **state)
{
    (void)state;
    static const char text[] =
        INV_LINE "Via: SIP/2.0/UDP\r\n pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n" MF_HDR TO_HDR
            FROM_HDR CID_HDR CSEQ_HDR "Subject: first\r\n second\r\n\tthird  \r\n"
                 "Content-Length: 0\r\n\r\n";
    pm p;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    if (!p.msg.valid) {
        dump_issues(&p.msg);
        fail_msg("folded message invalid");
    }
    const vs_sip_header *via = vs_sip_find(&p.msg, VS_SIP_HDR_VIA);
    assert_non_null(via);
    assert_true(via->flags & VS_SIP_HF_FOLDED);
    assert_slice(via->value, "SIP/2.0/UDP\r\n pc33.atlanta.com;branch=z9hG4bK776asdhds");
    const vs_sip_header *subj = vs_sip_find(&p.msg, VS_SIP_HDR_SUBJECT);
    assert_non_null(subj);
    assert_true(subj->flags & VS_SIP_HF_FOLDED);
    assert_slice(subj->value, "first\r\n second\r\n\tthird");
    assert_false(vs_sip_find(&p.msg, VS_SIP_HDR_TO)->flags & VS_SIP_HF_FOLDED);
    /* the anomaly points at the end of the first folded line (or the continuation) */
    int i = issue_idx(&p.msg, VS_SIP_A_FOLDED);
    assert_true(i >= 0);
    size_t cr = off_of(text, "\r\n pc33");
    assert_true(p.msg.issues[i].offset >= cr && p.msg.issues[i].offset <= cr + 3);
    assert_int_equal(p.msg.header_count, 8);
    done(&p);
}

static void test_fold_then_empty_line(void **state)
{
    (void)state;
    /* a whitespace-only continuation line is part of the header; the next CRLF ends headers */
    static const char text[] = INV_LINE STD_HDRS "Subject: x\r\n \r\n" END0;
    pm p;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    const vs_sip_header *subj = vs_sip_find(&p.msg, VS_SIP_HDR_SUBJECT);
    assert_non_null(subj);
    assert_slice(subj->value, "x");
    assert_non_null(vs_sip_find(&p.msg, VS_SIP_HDR_CONTENT_LENGTH));
    done(&p);
}

/* ---- multi-value and lookup ------------------------------------------------------------- */

static void test_multi_value(void **state)
{
    (void)state;
    static const char text[] = INV_LINE
        "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5061"
        ";branch=z9hG4bK2\r\n"
        "X-Foo: one\r\n"
        "v: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n" MF_HDR TO_HDR FROM_HDR CID_HDR CSEQ_HDR
        "Contact: <sip:a@a.example.com>;q=0.5, \"B, b\" <sip:b@b.example.com>\r\n"
        "X-Bar: two\r\n"
        "m: sip:c@c.example.com;expires=60\r\n"
        "x-foo: three\r\n" END0;
    pm p;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    if (!p.msg.valid) {
        dump_issues(&p.msg);
        fail_msg("invalid");
    }
    const vs_sip_msg *m = &p.msg;
    assert_int_equal(m->count[VS_SIP_HDR_VIA], 2);
    assert_int_equal(m->count[VS_SIP_HDR_CONTACT], 2);
    assert_int_equal(m->count[VS_SIP_HDR_OTHER], 3);
    assert_no_issue(m, VS_SIP_E_DUPLICATE_HEADER);

    const vs_sip_header *h = vs_sip_find(m, VS_SIP_HDR_VIA);
    assert_ptr_equal(h, &m->headers[0]);
    vs_slice rest = h->value, item;
    assert_true(vs_sip_list_next(&rest, &item));
    assert_slice(item, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
    assert_true(vs_sip_list_next(&rest, &item));
    assert_slice(item, "SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2");
    assert_false(vs_sip_list_next(&rest, &item));
    h = vs_sip_find_next(m, h);
    assert_ptr_equal(h, &m->headers[2]);
    assert_true(h->flags & VS_SIP_HF_COMPACT);
    assert_null(vs_sip_find_next(m, h));

    h = vs_sip_find(m, VS_SIP_HDR_CONTACT);
    assert_non_null(h);
    rest = h->value;
    assert_true(vs_sip_list_next(&rest, &item));
    assert_slice(item, "<sip:a@a.example.com>;q=0.5");
    assert_true(vs_sip_list_next(&rest, &item));
    assert_slice(item, "\"B, b\" <sip:b@b.example.com>");
    assert_false(vs_sip_list_next(&rest, &item));
    h = vs_sip_find_next(m, h);
    assert_non_null(h);
    assert_slice(h->value, "sip:c@c.example.com;expires=60");
    assert_null(vs_sip_find_next(m, h));

    /* extension headers: by name, case-insensitive, next skips other unknown names */
    h = vs_sip_find_name(m, VS_LIT("X-FOO"));
    assert_non_null(h);
    assert_slice(h->value, "one");
    h = vs_sip_find_next(m, h);
    assert_non_null(h);
    assert_slice(h->value, "three");
    assert_null(vs_sip_find_next(m, h));
    h = vs_sip_find_name(m, VS_LIT("x-bar"));
    assert_non_null(h);
    assert_slice(h->value, "two");
    assert_null(vs_sip_find_name(m, VS_LIT("X-Baz")));
    /* a name written literally is found as written ("first header whose name equals name") */
    h = vs_sip_find_name(m, VS_LIT("M"));
    assert_non_null(h);
    assert_int_equal(h->id, VS_SIP_HDR_CONTACT);
    assert_slice(h->name, "m");
    /* a known header spelled differently from every line is found by its id */
    h = vs_sip_find_name(m, VS_LIT("contact"));
    assert_ptr_equal(h, vs_sip_find(m, VS_SIP_HDR_CONTACT));
    h = vs_sip_find_name(m, VS_LIT("Max-Forwards"));
    assert_ptr_equal(h, vs_sip_find(m, VS_SIP_HDR_MAX_FORWARDS));
    assert_ptr_equal(vs_sip_find_name(m, VS_LIT("v")),
                     vs_sip_find_next(m, vs_sip_find(m, VS_SIP_HDR_VIA)));
    assert_ptr_equal(vs_sip_find_name(m, VS_LIT("call-id")), vs_sip_find(m, VS_SIP_HDR_CALL_ID));
    assert_null(vs_sip_find(m, VS_SIP_HDR_ROUTE));
    assert_null(vs_sip_find(m, VS_SIP_HDR__COUNT));
    assert_null(vs_sip_find(m, (vs_sip_hdr_id)1000));
    assert_null(vs_sip_find(NULL, VS_SIP_HDR_VIA));
    assert_null(vs_sip_find_next(m, NULL));
    done(&p);
}

/* ---- mandatory and single-value headers ------------------------------------------------- */

static void test_mandatory_headers(void **state)
{
    (void)state;
    static const char *const hdr[] = {VIA_HDR, MF_HDR, TO_HDR, FROM_HDR, CID_HDR, CSEQ_HDR};
    static const bool mandatory[] = {true, false, true, true, true, true};
    for (size_t skip = 0; skip < 6; skip++) {
        char text[1024];
        size_t o = (size_t)snprintf(text, sizeof text, INV_LINE);
        for (size_t i = 0; i < 6; i++)
            if (i != skip)
                o += (size_t)snprintf(text + o, sizeof text - o, "%s", hdr[i]);
        o += (size_t)snprintf(text + o, sizeof text - o, END0);
        pm p;
        assert_int_equal(parse(&p, text), (long)o);
        if (mandatory[skip]) {
            assert_false(p.msg.valid);
            /* reported at the end of the header section */
            assert_issue_at(&p.msg, VS_SIP_E_MISSING_HEADER, o);
        } else {
            assert_true(p.msg.valid);
            assert_no_issue(&p.msg, VS_SIP_E_MISSING_HEADER);
            assert_issue(&p.msg, VS_SIP_A_NO_MAX_FORWARDS);
        }
        done(&p);
    }
    /* responses need them too */
    static const char r[] = "SIP/2.0 200 OK\r\n" VIA_HDR TO_HDR FROM_HDR CSEQ_HDR END0;
    pm p;
    assert_int_equal(parse(&p, r), (long)strlen(r));
    assert_issue(&p.msg, VS_SIP_E_MISSING_HEADER);
    assert_no_issue(&p.msg, VS_SIP_A_NO_MAX_FORWARDS);
    done(&p);
}

static void test_duplicate_headers(void **state)
{
    (void)state;
    static const char *const dup[] = {
        "From: <sip:carol@chicago.com>;tag=2\r\n",
        "f: <sip:carol@chicago.com>;tag=2\r\n",
        "To: <sip:carol@chicago.com>\r\n",
        "i: other@host\r\n",
        "CSeq: 314159 INVITE\r\n",
        "Max-Forwards: 70\r\n",
        "Content-Length: 0\r\n",
        "Content-Type: application/sdp\r\nContent-Type: application/sdp\r\n",
        "Expires: 60\r\nExpires: 60\r\n",
        "Min-Expires: 60\r\nMin-Expires: 60\r\n",
        "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\nDate: Sat, 13 Nov 2010 23:29:00 GMT\r\n",
        "Session-Expires: 1800\r\nx: 1800\r\n",
    };
    for (size_t i = 0; i < sizeof dup / sizeof dup[0]; i++) {
        char text[1024];
        int n = snprintf(text, sizeof text, INV_LINE STD_HDRS "%s" END0, dup[i]);
        pm p;
        assert_int_equal(parse(&p, text), n);
        if (p.msg.valid || !has(&p.msg, VS_SIP_E_DUPLICATE_HEADER)) {
            dump_issues(&p.msg);
            fail_msg("duplicate not flagged: %s", dup[i]);
        }
        /* at the second occurrence */
        int k = issue_idx(&p.msg, VS_SIP_E_DUPLICATE_HEADER);
        uint32_t off = p.msg.issues[k].offset;
        bool at_header = false;
        for (size_t h = 1; h < p.msg.header_count; h++)
            if (p.msg.headers[h].offset == off) {
                const vs_sip_header *first = vs_sip_find(&p.msg, p.msg.headers[h].id);
                at_header = first && first < &p.msg.headers[h];
            }
        if (!at_header)
            fail_msg("duplicate of %s reported at %u, not at the repeat", dup[i], off);
        done(&p);
    }
    /* multi-value headers may repeat */
    static const char ok[] = INV_LINE STD_HDRS VIA_HDR
        "Contact: <sip:a@b>\r\nContact: <sip:c@d>\r\n"
        "Route: <sip:p1@x;lr>\r\nRoute: <sip:p2@x;lr>\r\nSupported: a\r\nk: b\r\n" END0;
    pm p;
    assert_int_equal(parse(&p, ok), (long)strlen(ok));
    assert_no_issue(&p.msg, VS_SIP_E_DUPLICATE_HEADER);
    assert_true(p.msg.valid);
    done(&p);
}

static void test_header_value_checks(void **state)
{
    (void)state;
    static const struct {
        const char *hdr;
        int code;
    } cases[] = {
        {"Max-Forwards: 256\r\n", VS_SIP_E_MAX_FORWARDS},
        {"Max-Forwards: 99999999999999999999\r\n", VS_SIP_E_MAX_FORWARDS},
        {"Max-Forwards: -1\r\n", VS_SIP_E_MAX_FORWARDS},
        {"Expires: 4294967296\r\n", VS_SIP_E_EXPIRES},
        {"Expires: soon\r\n", VS_SIP_E_EXPIRES},
        {"Contact: <sip:a@b>;expires=4294967296\r\n", VS_SIP_E_EXPIRES},
        {"Contact: <sip:a@b\r\n", VS_SIP_E_CONTACT},
        {"Contact: <sip:a@b>,,<sip:c@d>\r\n", VS_SIP_E_CONTACT},
        {"Route: sip:a@b\r\n", VS_SIP_E_ROUTE},
        {"Record-Route: <sip:a@b;lr>, junk\r\n", VS_SIP_E_ROUTE},
        {"Date: Sat, 13 Nov 2010 23:29:00 EST\r\n", VS_SIP_E_DATE},
        {"Content-Type: application\r\n", VS_SIP_E_CONTENT_TYPE},
        {"Content-Type: application/sdp;\r\n", VS_SIP_E_CONTENT_TYPE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        int n = snprintf(text, sizeof text, INV_LINE STD_HDRS "%s" END0, cases[i].hdr);
        pm p;
        assert_int_equal(parse(&p, text), n);
        if (p.msg.valid || !has(&p.msg, cases[i].code)) {
            dump_issues(&p.msg);
            fail_msg("'%s' not flagged as %s", cases[i].hdr, vs_sip_issue_id(cases[i].code));
        }
        done(&p);
    }
    /* and the mandatory ones, replaced */
    static const struct {
        const char *via, *to, *from, *cid, *cseq;
        int code;
    } rep[] = {
        {"Via: SIP/2.0/UDP\r\n", TO_HDR, FROM_HDR, CID_HDR, CSEQ_HDR, VS_SIP_E_VIA},
        {"Via: SIP/2.0/UDP a;branch=z9hG4bK1,,SIP/2.0/UDP b\r\n", TO_HDR, FROM_HDR, CID_HDR,
         CSEQ_HDR, VS_SIP_E_VIA},
        {VIA_HDR, "To: *\r\n", FROM_HDR, CID_HDR, CSEQ_HDR, VS_SIP_E_TO},
        {VIA_HDR, TO_HDR, "From: Alice <sip:alice@atlanta.com\r\n", CID_HDR, CSEQ_HDR,
         VS_SIP_E_FROM},
        {VIA_HDR, TO_HDR, FROM_HDR, "Call-ID: a@b@c\r\n", CSEQ_HDR, VS_SIP_E_CALL_ID},
        {VIA_HDR, TO_HDR, FROM_HDR, "Call-ID: \r\n", CSEQ_HDR, VS_SIP_E_CALL_ID},
        {VIA_HDR, TO_HDR, FROM_HDR, CID_HDR, "CSeq: 2147483648 INVITE\r\n", VS_SIP_E_CSEQ},
        {VIA_HDR, TO_HDR, FROM_HDR, CID_HDR, "CSeq: INVITE\r\n", VS_SIP_E_CSEQ},
    };
    for (size_t i = 0; i < sizeof rep / sizeof rep[0]; i++) {
        char text[1024];
        int n = snprintf(text, sizeof text, INV_LINE "%s" MF_HDR "%s%s%s%s" END0, rep[i].via,
                         rep[i].to, rep[i].from, rep[i].cid, rep[i].cseq);
        pm p;
        assert_int_equal(parse(&p, text), n);
        if (p.msg.valid || !has(&p.msg, rep[i].code)) {
            dump_issues(&p.msg);
            fail_msg("case %zu not flagged as %s", i, vs_sip_issue_id(rep[i].code));
        }
        done(&p);
    }
}

/* ---- Content-Length and body ------------------------------------------------------------ */

static void test_body_by_content_length(void **state)
{
    (void)state;
    pm p;
    static const char t1[] = INV_LINE STD_HDRS "Content-Length: 5\r\n\r\nhello";
    assert_int_equal(parse(&p, t1), (long)strlen(t1));
    assert_true(p.msg.valid);
    assert_slice(p.msg.body, "hello");
    assert_ptr_equal(p.msg.body.ptr, p.buf + strlen(t1) - 5);
    assert_true(p.msg.has_content_length);
    assert_int_equal(p.msg.content_length, 5);
    done(&p);

    /* trailing data: ignored, flagged, not counted */
    static const char t2[] = INV_LINE STD_HDRS "Content-Length: 5\r\n\r\nhello world";
    assert_int_equal(parse(&p, t2), (long)strlen(t2) - 6);
    assert_true(p.msg.valid);
    assert_slice(p.msg.body, "hello");
    assert_issue_at(&p.msg, VS_SIP_A_TRAILING_DATA, strlen(t2) - 6);
    done(&p);
    /* ... but in stream mode the rest is the next message */
    assert_int_equal(parse_opts(&p, t2, VS_SIP_OPT_STREAM), (long)strlen(t2) - 6);
    assert_no_issue(&p.msg, VS_SIP_A_TRAILING_DATA);
    assert_true(p.msg.valid);
    done(&p);

    /* truncated body */
    static const char t3[] = INV_LINE STD_HDRS "Content-Length: 10\r\n\r\nhello";
    assert_int_equal(parse(&p, t3), (long)strlen(t3));
    assert_false(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_E_BODY_TRUNCATED, off_of(t3, "Content-Length"));
    assert_slice(p.msg.body, "hello");
    done(&p);
    assert_int_equal(parse_opts(&p, t3, VS_SIP_OPT_STREAM), VS_E_INCOMPLETE);
    done(&p);

    /* no Content-Length: the body runs to the end of the datagram */
    static const char t4[] = INV_LINE STD_HDRS "\r\nhello";
    assert_int_equal(parse(&p, t4), (long)strlen(t4));
    assert_true(p.msg.valid);
    assert_false(p.msg.has_content_length);
    assert_slice(p.msg.body, "hello");
    assert_issue_at(&p.msg, VS_SIP_A_NO_CONTENT_LENGTH, strlen(t4) - 5);
    done(&p);
    /* on a stream it is an error and the body is taken as empty */
    assert_int_equal(parse_opts(&p, t4, VS_SIP_OPT_STREAM), (long)strlen(t4) - 5);
    assert_issue(&p.msg, VS_SIP_E_CONTENT_LENGTH);
    assert_int_equal(p.msg.body.len, 0);
    done(&p);

    /* body with NUL bytes and CRLFs is opaque */
    static const char t5[] = INV_LINE STD_HDRS "Content-Length: 6\r\n\r\n\r\n\0\r\n\xff";
    size_t n5 = sizeof t5 - 1;
    assert_int_equal(parse_n(&p, t5, n5, CAP, 0), (long)n5);
    assert_true(p.msg.valid);
    assert_int_equal(p.msg.body.len, 6);
    done(&p);
}

static void test_bad_content_length(void **state)
{
    (void)state;
    static const char *const vals[] = {
        "99999999999999999999",
        "18446744073709551616",
        "18446744073709551615",
        "4294967301",
        "1048577",
        "-1",
        "5a",
        "0x5",
        "",
        "5 5",
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char text[1024];
        int n = snprintf(text, sizeof text, INV_LINE STD_HDRS "Content-Length: %s\r\n\r\nhello",
                         vals[i]);
        pm p;
        long rc = parse(&p, text);
        if (rc != n)
            fail_msg("CL '%s': rc %ld", vals[i], rc);
        assert_false(p.msg.valid);
        assert_issue_at(&p.msg, VS_SIP_E_CONTENT_LENGTH, off_of(text, "Content-Length"));
        assert_false(p.msg.has_content_length);
        done(&p);
        /* stream: framed without a body, never waiting for gigabytes */
        rc = parse_opts(&p, text, VS_SIP_OPT_STREAM);
        assert_int_equal(rc, n - 5);
        assert_issue(&p.msg, VS_SIP_E_CONTENT_LENGTH);
        done(&p);
    }
    /* exactly the limit is a length, not an error: the body is merely short */
    static const char lim[] = INV_LINE STD_HDRS "Content-Length: 1048576\r\n\r\nhello";
    pm p;
    assert_int_equal(parse(&p, lim), (long)strlen(lim));
    assert_no_issue(&p.msg, VS_SIP_E_CONTENT_LENGTH);
    assert_issue(&p.msg, VS_SIP_E_BODY_TRUNCATED);
    assert_int_equal(p.msg.content_length, VS_SIP_MAX_CONTENT_LENGTH);
    done(&p);
    assert_int_equal(parse_opts(&p, lim, VS_SIP_OPT_STREAM), VS_E_INCOMPLETE);
    done(&p);
    /* leading zeros and surrounding space are fine */
    static const char z[] = INV_LINE STD_HDRS "Content-Length:   0005 \r\n\r\nhello";
    assert_int_equal(parse(&p, z), (long)strlen(z));
    assert_true(p.msg.valid);
    assert_int_equal(p.msg.content_length, 5);
    done(&p);
}

/* SUSPECTED BUG: in VS_SIP_OPT_LAZY mode two Content-Length headers that disagree are framed by
 * the first one without any issue. Framing depends on them, the stream framer refuses such a
 * message (smuggling), and STYLE.md names "duplicate Content-Length" as an anomaly to flag; lazy
 * mode only skips per-header syntax checks, so the framer should still record it. */
static void test_lazy_conflicting_content_length(void **state)
{
    (void)state;
    static const char text[] = INV_LINE STD_HDRS "Content-Length: 5\r\nl: 11\r\n\r\nhello world";
    pm p;
    long rc = parse_opts(&p, text, VS_SIP_OPT_LAZY | VS_SIP_OPT_STREAM);
    assert_true(rc > 0);
    bool flagged = has(&p.msg, VS_SIP_E_DUPLICATE_HEADER) || has(&p.msg, VS_SIP_E_CONTENT_LENGTH);
    if (!flagged) {
        dump_issues(&p.msg);
        fail_msg("SUSPECTED BUG: conflicting Content-Length (5 vs 11) framed silently in lazy "
                 "mode");
    }
    assert_false(p.msg.valid);
    done(&p);
}

static void test_missing_empty_line(void **state)
{
    (void)state;
    static const char text[] = INV_LINE STD_HDRS "Content-Length: 0\r\n";
    pm p;
    assert_int_equal(parse(&p, text), (long)strlen(text));
    assert_false(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_E_UNTERMINATED, strlen(text));
    assert_int_equal(p.msg.header_count, 7);
    done(&p);
    assert_int_equal(parse_opts(&p, text, VS_SIP_OPT_STREAM), VS_E_INCOMPLETE);
    done(&p);
    /* CRLF-terminated text file: the option does not relax it */
    assert_int_equal(parse_opts(&p, text, VS_SIP_OPT_TEXT_FILE), (long)strlen(text));
    assert_issue(&p.msg, VS_SIP_E_UNTERMINATED);
    done(&p);
    /* no line end at all after the last header */
    static const char t2[] = INV_LINE STD_HDRS "Content-Length: 0";
    assert_int_equal(parse(&p, t2), (long)strlen(t2));
    assert_issue(&p.msg, VS_SIP_E_UNTERMINATED);
    assert_non_null(vs_sip_find(&p.msg, VS_SIP_HDR_CONTENT_LENGTH));
    done(&p);
}

/* ---- bare LF and text files ------------------------------------------------------------- */

#define LF_HEAD                                                                                    \
    "OPTIONS sip:bob@biloxi.com SIP/2.0\n"                                                         \
    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\n"                                             \
    "Max-Forwards: 70\n"                                                                           \
    "To: <sip:bob@biloxi.com>\n"                                                                   \
    "From: <sip:alice@atlanta.com>;tag=1\n"                                                        \
    "Call-ID: lf1@a.example.com\n"                                                                 \
    "CSeq: 1 OPTIONS\n"

static void test_bare_lf(void **state)
{
    (void)state;
    static const char text[] = LF_HEAD "Content-Length: 5\n\nhello\n";
    size_t n = strlen(text);
    pm p;
    /* datagram: flagged, Content-Length enforced */
    assert_int_equal(parse(&p, text), (long)n - 1);
    assert_true(p.msg.valid);
    assert_true(p.msg.bare_lf);
    assert_issue(&p.msg, VS_SIP_A_BARE_LF);
    assert_slice(p.msg.body, "hello");
    assert_issue_at(&p.msg, VS_SIP_A_TRAILING_DATA, n - 1);
    assert_int_equal(p.msg.header_count, 7);
    assert_slice(p.msg.headers[0].value, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
    done(&p);
    /* text file: the body runs to the end, the mismatch is an anomaly */
    assert_int_equal(parse_opts(&p, text, VS_SIP_OPT_TEXT_FILE), (long)n);
    assert_true(p.msg.valid);
    assert_slice(p.msg.body, "hello\n");
    assert_issue_at(&p.msg, VS_SIP_A_LENGTH_MISMATCH, off_of(text, "Content-Length"));
    assert_no_issue(&p.msg, VS_SIP_A_TRAILING_DATA);
    done(&p);
    /* text file, exact length: no mismatch */
    static const char exact[] = LF_HEAD "Content-Length: 6\n\nhello\n";
    assert_int_equal(parse_opts(&p, exact, VS_SIP_OPT_TEXT_FILE), (long)strlen(exact));
    assert_no_issue(&p.msg, VS_SIP_A_LENGTH_MISMATCH);
    done(&p);
    /* text file, body shorter than announced: not truncated, just a mismatch */
    static const char shortb[] = LF_HEAD "Content-Length: 60\n\nhello\n";
    assert_int_equal(parse_opts(&p, shortb, VS_SIP_OPT_TEXT_FILE), (long)strlen(shortb));
    assert_true(p.msg.valid);
    assert_issue(&p.msg, VS_SIP_A_LENGTH_MISMATCH);
    assert_no_issue(&p.msg, VS_SIP_E_BODY_TRUNCATED);
    done(&p);
    assert_int_equal(parse(&p, shortb), (long)strlen(shortb));
    assert_issue(&p.msg, VS_SIP_E_BODY_TRUNCATED);
    done(&p);

    /* text file without the empty line: the end of the file closes the headers */
    static const char noend[] = LF_HEAD;
    assert_int_equal(parse_opts(&p, noend, VS_SIP_OPT_TEXT_FILE), (long)strlen(noend));
    assert_true(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_A_EOF_ENDS_HEADERS, strlen(noend));
    assert_no_issue(&p.msg, VS_SIP_E_UNTERMINATED);
    done(&p);
    assert_int_equal(parse(&p, noend), (long)strlen(noend));
    assert_false(p.msg.valid);
    assert_issue(&p.msg, VS_SIP_E_UNTERMINATED);
    done(&p);

    /* one bare LF among CRLFs is enough to flag */
    static const char mixed[] =
        INV_LINE VIA_HDR "Max-Forwards: 70\n" TO_HDR FROM_HDR CID_HDR CSEQ_HDR END0;
    assert_int_equal(parse(&p, mixed), (long)strlen(mixed));
    assert_true(p.msg.bare_lf);
    assert_issue(&p.msg, VS_SIP_A_BARE_LF);
    assert_slice(vs_sip_find(&p.msg, VS_SIP_HDR_MAX_FORWARDS)->value, "70");
    done(&p);
    /* CRLF file with TEXT_FILE: Content-Length enforced */
    static const char crlf[] = INV_LINE STD_HDRS "Content-Length: 3\r\n\r\nhello";
    assert_int_equal(parse_opts(&p, crlf, VS_SIP_OPT_TEXT_FILE), (long)strlen(crlf) - 2);
    assert_false(p.msg.bare_lf);
    assert_issue(&p.msg, VS_SIP_A_TRAILING_DATA);
    done(&p);
}

/* ---- options ---------------------------------------------------------------------------- */

static void test_lazy_skips_checks(void **state)
{
    (void)state;
    static const char text[] = INV_LINE "Via: garbage\r\n"
                                        "CSeq: x\r\n"
                                        "Max-Forwards: 999\r\n"
                                        "Date: yesterday\r\n"
                                        "Contact: <<<\r\n"
                                        "Call-ID: a@b@c\r\n"
                                        "Expires: 1\r\nExpires: 2\r\n"
                                        "Content-Type: nonsense\r\n"
                                        "Subject: \x01\r\n"
                                        "Content-Length: 2\r\n\r\nhi";
    pm p;
    assert_int_equal(parse_opts(&p, text, VS_SIP_OPT_LAZY), (long)strlen(text));
    if (!p.msg.valid || p.msg.issue_count) {
        dump_issues(&p.msg);
        fail_msg("lazy mode judged headers");
    }
    assert_slice(p.msg.body, "hi");
    assert_int_equal(p.msg.header_count, 11);
    done(&p);
    assert_int_equal(parse(&p, text), (long)strlen(text));
    assert_false(p.msg.valid);
    static const int want[] = {
        VS_SIP_E_VIA,
        VS_SIP_E_CSEQ,
        VS_SIP_E_MAX_FORWARDS,
        VS_SIP_E_DATE,
        VS_SIP_E_CONTACT,
        VS_SIP_E_CALL_ID,
        VS_SIP_E_MISSING_HEADER,
        VS_SIP_E_DUPLICATE_HEADER,
        VS_SIP_E_CONTENT_TYPE,
        VS_SIP_E_CONTROL_CHAR,
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_issue(&p.msg, want[i]);
    done(&p);
    /* lazy mode still records framing problems */
    static const char t2[] = "SIP/2.0 999 X\r\nbroken\r\nContent-Length: 9\r\n\r\nhi";
    assert_int_equal(parse_opts(&p, t2, VS_SIP_OPT_LAZY), (long)strlen(t2));
    assert_false(p.msg.valid);
    assert_issue(&p.msg, VS_SIP_E_STATUS);
    assert_issue(&p.msg, VS_SIP_E_HEADER_SYNTAX);
    assert_issue(&p.msg, VS_SIP_E_BODY_TRUNCATED);
    assert_no_issue(&p.msg, VS_SIP_E_MISSING_HEADER);
    done(&p);
}

static void test_stream_every_prefix(void **state)
{
    (void)state;
    char inv[1024];
    size_t n = build_invite(inv);
    static const unsigned opts[] = {VS_SIP_OPT_STREAM, VS_SIP_OPT_STREAM | VS_SIP_OPT_LAZY};
    for (size_t o = 0; o < 2; o++) {
        for (size_t k = 0; k < n; k++) {
            pm p;
            long rc = parse_n(&p, inv, k, CAP, opts[o]);
            if (rc != VS_E_INCOMPLETE)
                fail_msg("prefix %zu/%zu (opts %u): rc %ld, want VS_E_INCOMPLETE", k, n, opts[o],
                         rc);
            done(&p);
        }
        pm p;
        assert_int_equal(parse_n(&p, inv, n, CAP, opts[o]), (long)n);
        assert_true(p.msg.valid);
        assert_int_equal(p.msg.body.len, p.msg.content_length);
        done(&p);
    }
    /* the whole message followed by more bytes: still its own length */
    char two[2048];
    memcpy(two, inv, n);
    memcpy(two + n, "\r\nOPTIONS sip:x SIP/2.0\r\n", 25);
    pm p;
    assert_int_equal(parse_n(&p, two, n + 25, CAP, VS_SIP_OPT_STREAM), (long)n);
    assert_no_issue(&p.msg, VS_SIP_A_TRAILING_DATA);
    done(&p);
    /* leading keep-alives are counted in the length */
    memcpy(two, "\r\n\r\n", 4);
    memcpy(two + 4, inv, n);
    for (size_t k = 0; k < n + 4; k++) {
        assert_int_equal(parse_n(&p, two, k, CAP, VS_SIP_OPT_STREAM), VS_E_INCOMPLETE);
        done(&p);
    }
    assert_int_equal(parse_n(&p, two, n + 4, CAP, VS_SIP_OPT_STREAM), (long)n + 4);
    assert_issue_at(&p.msg, VS_SIP_A_LEADING_CRLF, 0);
    assert_ptr_equal(p.msg.start_line.ptr, p.buf + 4);
    done(&p);
}

static void test_datagram_every_prefix(void **state)
{
    (void)state;
    char inv[1024];
    size_t n = build_invite(inv);
    static const unsigned opts[] = {0, VS_SIP_OPT_LAZY, VS_SIP_OPT_TEXT_FILE};
    size_t hdr_end = (size_t)(strstr(inv, "\r\n\r\n") - inv) + 4;
    for (size_t o = 0; o < 3; o++) {
        for (size_t k = 0; k <= n; k++) {
            pm p;
            long rc = parse_n(&p, inv, k, CAP, opts[o]);
            if (!(rc == VS_E_PARSE || (rc > 0 && (size_t)rc <= k)))
                fail_msg("prefix %zu (opts %u): rc %ld", k, opts[o], rc);
            if (k >= hdr_end)
                assert_int_equal(rc, (long)k); /* the body is everything there is */
            if (k < n && rc > 0 && p.msg.valid)
                fail_msg("proper prefix %zu judged valid (opts %u)", k, opts[o]);
            if (k == n)
                assert_true(p.msg.valid);
            done(&p);
        }
    }
}

/* ---- capacity, limits and hostile input ------------------------------------------------- */

#define TEN_HDRS                                                                                   \
    "OPTIONS sip:bob@biloxi.com SIP/2.0\r\n" VIA_HDR MF_HDR TO_HDR FROM_HDR CID_HDR                \
    "CSeq: 1 OPTIONS\r\n"                                                                          \
    "Accept: application/sdp\r\n"                                                                  \
    "Allow: INVITE, ACK\r\n"                                                                       \
    "Supported: timer\r\n"

static void test_header_capacity(void **state)
{
    (void)state;
    static const char text[] = TEN_HDRS END0;
    size_t n = strlen(text);
    pm p;
    /* the header array is itself a guard copy: a write past cap faults */
    assert_int_equal(parse_n(&p, text, n, 4, 0), (long)n);
    assert_int_equal(p.msg.header_count, 4);
    assert_false(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_E_TOO_MANY_HEADERS, off_of(text, "Call-ID"));
    assert_slice(p.msg.headers[3].name, "From");
    done(&p);
    assert_int_equal(parse_n(&p, text, n, 4, VS_SIP_OPT_LAZY | VS_SIP_OPT_STREAM), (long)n);
    assert_int_equal(p.msg.header_count, 4);
    assert_issue(&p.msg, VS_SIP_E_TOO_MANY_HEADERS);
    done(&p);
    /* exactly enough */
    assert_int_equal(parse_n(&p, text, n, 10, 0), (long)n);
    assert_int_equal(p.msg.header_count, 10);
    assert_true(p.msg.valid);
    done(&p);
    /* one short: the last header is dropped */
    assert_int_equal(parse_n(&p, text, n, 9, 0), (long)n);
    assert_int_equal(p.msg.header_count, 9);
    assert_issue_at(&p.msg, VS_SIP_E_TOO_MANY_HEADERS, off_of(text, "Content-Length"));
    done(&p);
    /* no array at all */
    assert_int_equal(parse_n(&p, text, n, 0, 0), (long)n);
    assert_int_equal(p.msg.header_count, 0);
    assert_issue_at(&p.msg, VS_SIP_E_TOO_MANY_HEADERS, off_of(text, "Via"));
    assert_null(vs_sip_find(&p.msg, VS_SIP_HDR_VIA));
    done(&p);
}

/* SUSPECTED BUG: docs/internals/sip-parser.md says that past the header capacity "framing goes
 * on, so the body is still found", but a Content-Length beyond the capacity is not seen: in stream
 * mode the message length excludes the body (the stream desynchronises, the body is taken for the
 * next message), and in datagram mode trailing bytes become body. */
static void test_header_capacity_keeps_body(void **state)
{
    (void)state;
    static const char text[] = TEN_HDRS "Content-Length: 5\r\n\r\nhello";
    static const char more[] = TEN_HDRS "Content-Length: 5\r\n\r\nhelloEXTRA";
    size_t n = strlen(text);
    pm p;
    long rc = parse_n(&p, text, n, 4, VS_SIP_OPT_STREAM);
    assert_issue(&p.msg, VS_SIP_E_TOO_MANY_HEADERS);
    if (rc != (long)n)
        fail_msg("SUSPECTED BUG: stream length %ld past header capacity, want %zu (body lost)", rc,
                 n);
    done(&p);
    rc = parse_n(&p, more, strlen(more), 4, 0);
    assert_true(rc > 0);
    if (p.msg.body.len != 5)
        fail_msg("SUSPECTED BUG: body '%.*s' past header capacity, want 'hello'",
                 VS_SLICE_FMT(p.msg.body));
    done(&p);
}

static void test_control_bytes(void **state)
{
    (void)state;
    pm p;
    /* NUL in a header value, at an exact offset */
    static const char t1[] = INV_LINE STD_HDRS "Subject: ab\0cd\r\n" END0;
    size_t n1 = sizeof t1 - 1;
    assert_int_equal(parse_n(&p, t1, n1, CAP, 0), (long)n1);
    assert_false(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_E_CONTROL_CHAR, off_of(t1, "Subject: ab") + 11);
    assert_int_equal(vs_sip_find(&p.msg, VS_SIP_HDR_SUBJECT)->value.len, 5);
    done(&p);
    /* DEL and ESC too; TAB is fine */
    static const char t2[] = INV_LINE STD_HDRS "Subject: a\tb\x7f"
                                               "c\r\n" END0;
    assert_int_equal(parse(&p, t2), (long)strlen(t2));
    assert_issue_at(&p.msg, VS_SIP_E_CONTROL_CHAR, off_of(t2, "\x7f"));
    done(&p);
    /* a quoted-pair may escape a control byte (RFC 3261 25.1) */
    static const char t3[] = INV_LINE STD_HDRS "Subject: \"a\\\x01"
                                               "b\"\r\n" END0;
    assert_int_equal(parse(&p, t3), (long)strlen(t3));
    assert_no_issue(&p.msg, VS_SIP_E_CONTROL_CHAR);
    done(&p);
    /* NUL in the method, the Request-URI, the reason phrase */
    static const char t4[] = "INV\0ITE sip:bob@biloxi.com SIP/2.0\r\n" STD_HDRS END0;
    size_t n4 = sizeof t4 - 1;
    assert_int_equal(parse_n(&p, t4, n4, CAP, 0), (long)n4);
    assert_issue_at(&p.msg, VS_SIP_E_METHOD, 3);
    done(&p);
    static const char t5[] = "INVITE sip:bob\0@biloxi.com SIP/2.0\r\n" STD_HDRS END0;
    size_t n5 = sizeof t5 - 1;
    assert_int_equal(parse_n(&p, t5, n5, CAP, 0), (long)n5);
    assert_issue(&p.msg, VS_SIP_E_REQUEST_URI);
    done(&p);
    static const char t6[] = "SIP/2.0 200 O\0K\r\n" STD_HDRS END0;
    size_t n6 = sizeof t6 - 1;
    assert_int_equal(parse_n(&p, t6, n6, CAP, 0), (long)n6);
    assert_issue_at(&p.msg, VS_SIP_E_CONTROL_CHAR, 13);
    done(&p);
    /* NUL in a header name */
    static const char t7[] = INV_LINE STD_HDRS "Sub\0ject: x\r\n" END0;
    size_t n7 = sizeof t7 - 1;
    assert_int_equal(parse_n(&p, t7, n7, CAP, 0), (long)n7);
    assert_issue_at(&p.msg, VS_SIP_E_HEADER_SYNTAX, off_of(t7, "Sub"));
    done(&p);
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void test_binary_garbage(void **state)
{
    (void)state;
    static const char *const prefixes[] = {"", INV_LINE, "SIP/2.0 200 OK\r\n", INV_LINE VIA_HDR};
    static const unsigned opts[] = {0, VS_SIP_OPT_LAZY, VS_SIP_OPT_STREAM, VS_SIP_OPT_TEXT_FILE};
    static const char alphabet[] = "\r\n :;,<>\"\\%@=/ \t\0aZ9";
    uint32_t seed = 0x9e3779b9u;
    char buf[600];
    for (int round = 0; round < 400; round++) {
        const char *pre = prefixes[round % 4];
        size_t pl = strlen(pre);
        size_t len = pl + xorshift(&seed) % (sizeof buf - pl);
        memcpy(buf, pre, pl);
        bool textish = round & 1;
        for (size_t i = pl; i < len; i++) {
            uint32_t r = xorshift(&seed);
            buf[i] = textish ? alphabet[r % (sizeof alphabet - 1)] : (char)(r & 0xff);
        }
        for (size_t o = 0; o < 4; o++) {
            pm p;
            parse_n(&p, buf, len, 1 + round % 8, opts[o]); /* invariants checked inside */
            done(&p);
        }
    }
}

static void test_empty_input(void **state)
{
    (void)state;
    pm p;
    assert_int_equal(parse_n(&p, "", 0, CAP, 0), VS_E_PARSE);
    assert_issue_at(&p.msg, VS_SIP_E_EMPTY, 0);
    assert_false(p.msg.valid);
    done(&p);
    assert_int_equal(parse_n(&p, "", 0, CAP, VS_SIP_OPT_STREAM), VS_E_INCOMPLETE);
    done(&p);
    static const char crlfs[] = "\r\n\r\n\n\r";
    assert_int_equal(parse_n(&p, crlfs, 6, CAP, 0), VS_E_PARSE);
    assert_issue_at(&p.msg, VS_SIP_E_EMPTY, 6);
    assert_issue_at(&p.msg, VS_SIP_A_LEADING_CRLF, 0);
    done(&p);
    assert_int_equal(parse_n(&p, crlfs, 6, CAP, VS_SIP_OPT_STREAM), VS_E_INCOMPLETE);
    done(&p);
    /* NULL buffer with length 0 is an empty input, not an invalid argument */
    vs_sip_msg m;
    vs_sip_header h[2];
    assert_int_equal(vs_sip_parse(NULL, 0, &m, h, 2, 0), VS_E_PARSE);
    assert_int_equal(vs_sip_parse(NULL, 0, &m, NULL, 0, 0), VS_E_PARSE);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    static const char text[] = INV_LINE STD_HDRS END0;
    char *buf = vs_guard_copy(text, strlen(text));
    vs_sip_msg m;
    vs_sip_header h[CAP];
    assert_int_equal(vs_sip_parse(buf, strlen(text), NULL, h, CAP, 0), VS_E_INVAL);
    assert_int_equal(vs_sip_parse(NULL, 5, &m, h, CAP, 0), VS_E_INVAL);
    assert_int_equal(vs_sip_parse(buf, strlen(text), &m, NULL, 3, 0), VS_E_INVAL);
    assert_int_equal(vs_sip_parse(buf, strlen(text), &m, h, CAP, 0), (long)strlen(text));
    vs_guard_free(buf, strlen(text));
}

static void test_single_bytes(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char c = (char)b;
        pm p;
        long rc = parse_n(&p, &c, 1, CAP, 0);
        if (rc != VS_E_PARSE)
            fail_msg("byte %d: rc %ld", b, rc);
        done(&p);
        rc = parse_n(&p, &c, 1, CAP, VS_SIP_OPT_LAZY | VS_SIP_OPT_TEXT_FILE);
        assert_int_equal(rc, VS_E_PARSE);
        done(&p);
        rc = parse_n(&p, &c, 1, CAP, VS_SIP_OPT_STREAM);
        if (rc != VS_E_INCOMPLETE)
            fail_msg("byte %d stream: rc %ld", b, rc);
        done(&p);
        rc = parse_n(&p, &c, 1, 0, VS_SIP_OPT_LAZY);
        assert_int_equal(rc, VS_E_PARSE);
        done(&p);
    }
}

static void test_too_large(void **state)
{
    (void)state;
    size_t n = VS_SIP_MAX_MESSAGE + 100;
    char *big = malloc(n);
    assert_non_null(big);
    static const char head[] = INV_LINE STD_HDRS "Content-Length: 1000000\r\n\r\n";
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, 'x', n - (sizeof head - 1));
    pm p;
    long rc = parse_n(&p, big, n, CAP, 0);
    assert_true(rc > 0 && (size_t)rc <= VS_SIP_MAX_MESSAGE);
    assert_false(p.msg.valid);
    assert_issue_at(&p.msg, VS_SIP_E_TOO_LARGE, VS_SIP_MAX_MESSAGE);
    assert_int_equal(p.msg.body.len, 1000000);
    done(&p);
    free(big);
}

/* ---- issues ----------------------------------------------------------------------------- */

static void test_issue_offsets(void **state)
{
    (void)state;
    static const char text[] = "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776\r\n"
                               "Max-Forwards: 300\r\n"
                               "To: <sip:bob@biloxi.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1\r\n"
                               "Call-ID: abc@def\r\n"
                               "CSeq: 1 BYE\r\n"
                               "Broken line\r\n"
                               "Subject: a\x01"
                               "b\r\n"
                               "To: <sip:carol@chicago.com>\r\n"
                               "Date: Sat, 13 Nov 2010 23:29:00 EST\r\n"
                               "Via: SIP/2.0/UDP host:99999\r\n"
                               "Content-Length: 3\r\n"
                               "\r\n"
                               "abcdef";
    size_t n = strlen(text);
    pm p;
    assert_int_equal(parse(&p, text), (long)n - 3);
    const vs_sip_msg *m = &p.msg;
    assert_issue_at(m, VS_SIP_E_MAX_FORWARDS, off_of(text, "300"));
    assert_issue_at(m, VS_SIP_E_CSEQ_METHOD, off_of(text, "BYE"));
    assert_issue_at(m, VS_SIP_E_HEADER_SYNTAX, off_of(text, "Broken"));
    assert_issue_at(m, VS_SIP_E_CONTROL_CHAR, off_of(text, "\x01"));
    assert_issue_at(m, VS_SIP_E_DUPLICATE_HEADER, off_of(text, "To: <sip:carol"));
    assert_issue_at(m, VS_SIP_E_DATE, off_of(text, "EST"));
    assert_issue_at(m, VS_SIP_E_VIA, off_of(text, "99999"));
    assert_issue_at(m, VS_SIP_A_TRAILING_DATA, n - 3);
    assert_false(m->valid);
    assert_int_equal(m->issue_count, 8);
    assert_int_equal(m->issues_total, 8);
    done(&p);

    /* Request-URI and status offsets */
    static const char t2[] = "INVITE sip:bob@biloxi.com;transport= SIP/2.0\r\n" STD_HDRS END0;
    assert_int_equal(parse(&p, t2), (long)strlen(t2));
    assert_issue_at(&p.msg, VS_SIP_E_REQUEST_URI, off_of(t2, "transport=") + 10);
    done(&p);
    static const char t3[] = "\r\nSIP/2.0 20x OK\r\n" STD_HDRS END0;
    assert_int_equal(parse(&p, t3), (long)strlen(t3));
    assert_issue_at(&p.msg, VS_SIP_E_STATUS, 10);
    assert_issue_at(&p.msg, VS_SIP_A_LEADING_CRLF, 0);
    done(&p);
    /* Contact / From / To errors point into their value */
    static const char t4[] = INV_LINE VIA_HDR MF_HDR TO_HDR FROM_HDR CID_HDR CSEQ_HDR
        "Contact: <sip:a@b>, <sip:c@d:70000>\r\n" END0;
    assert_int_equal(parse(&p, t4), (long)strlen(t4));
    assert_issue_at(&p.msg, VS_SIP_E_CONTACT, off_of(t4, "70000"));
    done(&p);
}

static void test_issue_saturation(void **state)
{
    (void)state;
    /* lazy mode: only the framer speaks, one header-syntax error per broken line */
    for (int nbad = 14; nbad <= 40; nbad++) {
        char text[4096];
        size_t o = (size_t)snprintf(text, sizeof text, INV_LINE);
        for (int i = 0; i < nbad; i++)
            o += (size_t)snprintf(text + o, sizeof text - o, "broken-line-%02d\r\n", i);
        o += (size_t)snprintf(text + o, sizeof text - o, END0);
        pm p;
        assert_int_equal(parse_n(&p, text, o, CAP, VS_SIP_OPT_LAZY), (long)o);
        const vs_sip_msg *m = &p.msg;
        assert_false(m->valid);
        assert_int_equal(m->issues_total, (size_t)nbad);
        if (nbad <= VS_SIP_MAX_ISSUES) {
            assert_int_equal(m->issue_count, (size_t)nbad);
            assert_no_issue(m, VS_SIP_A_ISSUES_DROPPED);
        } else {
            assert_int_equal(m->issue_count, VS_SIP_MAX_ISSUES);
            assert_int_equal(m->issues[VS_SIP_MAX_ISSUES - 1].code, VS_SIP_A_ISSUES_DROPPED);
            for (int i = 0; i < VS_SIP_MAX_ISSUES - 1; i++) {
                char mark[32];
                snprintf(mark, sizeof mark, "broken-line-%02d", i);
                assert_int_equal(m->issues[i].code, VS_SIP_E_HEADER_SYNTAX);
                assert_int_equal(m->issues[i].offset, off_of(text, mark));
            }
        }
        done(&p);
    }
    /* strict mode on a thoroughly broken message: saturates, stays invalid */
    char text[8192];
    size_t o = (size_t)snprintf(text, sizeof text, "INV@ITE <sip:x>  SIP/3.0\r\n");
    for (int i = 0; i < 30; i++)
        o += (size_t)snprintf(text + o, sizeof text - o,
                              "Via: bad%d\r\nCSeq: x%d\r\nMax-Forwards: 1%03d\r\n", i, i, i);
    o += (size_t)snprintf(text + o, sizeof text - o, "\r\n");
    pm p;
    assert_int_equal(parse_n(&p, text, o, 128, 0), (long)o);
    assert_false(p.msg.valid);
    assert_int_equal(p.msg.issue_count, VS_SIP_MAX_ISSUES);
    assert_true(p.msg.issues_total > VS_SIP_MAX_ISSUES);
    assert_issue(&p.msg, VS_SIP_A_ISSUES_DROPPED);
    done(&p);
}

static void test_issue_catalogue(void **state)
{
    (void)state;
    for (int c = VS_SIP_E_EMPTY; c <= VS_SIP_E__LAST_ERROR; c++) {
        assert_true(vs_sip_issue_is_error(c));
        assert_string_not_equal(vs_sip_issue_id(c), "unknown");
        assert_true(strlen(vs_sip_issue_text(c)) > 0);
    }
    for (int c = VS_SIP_A_LEADING_CRLF; c <= VS_SIP_A_ISSUES_DROPPED; c++) {
        assert_false(vs_sip_issue_is_error(c));
        assert_string_not_equal(vs_sip_issue_id(c), "unknown");
    }
    assert_false(vs_sip_issue_is_error(0));
    assert_false(vs_sip_issue_is_error(63));
    assert_string_equal(vs_sip_issue_id(0), "unknown");
    assert_string_equal(vs_sip_issue_id(1000), "unknown");
    assert_string_equal(vs_sip_issue_id(VS_SIP_E_CSEQ_METHOD), "cseq-method");
    assert_non_null(vs_sip_issue_text(-5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_request),
        cmocka_unit_test(test_valid_response),
        cmocka_unit_test(test_start_line_errors),
        cmocka_unit_test(test_start_line_space_variants_valid),
        cmocka_unit_test(test_not_sip),
        cmocka_unit_test(test_request_line_trailing_space),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_cseq_method_mismatch),
        cmocka_unit_test(test_request_uri_schemes),
        cmocka_unit_test(test_branch_cookie),
        cmocka_unit_test(test_compact_forms),
        cmocka_unit_test(test_case_insensitive_names),
        cmocka_unit_test(test_whitespace_before_colon),
        cmocka_unit_test(test_header_syntax),
        cmocka_unit_test(test_folding),
        cmocka_unit_test(test_fold_then_empty_line),
        cmocka_unit_test(test_multi_value),
        cmocka_unit_test(test_mandatory_headers),
        cmocka_unit_test(test_duplicate_headers),
        cmocka_unit_test(test_header_value_checks),
        cmocka_unit_test(test_body_by_content_length),
        cmocka_unit_test(test_bad_content_length),
        cmocka_unit_test(test_lazy_conflicting_content_length),
        cmocka_unit_test(test_missing_empty_line),
        cmocka_unit_test(test_bare_lf),
        cmocka_unit_test(test_lazy_skips_checks),
        cmocka_unit_test(test_stream_every_prefix),
        cmocka_unit_test(test_datagram_every_prefix),
        cmocka_unit_test(test_header_capacity),
        cmocka_unit_test(test_header_capacity_keeps_body),
        cmocka_unit_test(test_control_bytes),
        cmocka_unit_test(test_binary_garbage),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_single_bytes),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_issue_offsets),
        cmocka_unit_test(test_issue_saturation),
        cmocka_unit_test(test_issue_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
