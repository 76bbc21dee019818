/* Unit tests of the scanner's request builder (src/scan/request.c): every request it builds for
 * every transport parses back as a valid SIP request under the strict parser, with the fields we
 * asked for, and a buffer one byte too small gives 0 (never a cut request). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <voipsec/sip.h>

#include "guard.h"
#include "scan/scan_internal.h"

static vs__request base_options(unsigned transport)
{
    vs__request r = {
        .method = "OPTIONS",
        .from_user = "voipsec",
        .host = "192.0.2.7",
        .port = 5060,
        .transport = transport,
        .local_ip = "198.51.100.1",
        .local_port = 40000,
        .branch = "vs1.0.2a.0123456789abcdef",
        .call_id = "vs1.0.2a.0123456789abcdef",
        .from_tag = "89abcdef",
        .cseq = 1,
        .user_agent = "voipsec/test",
    };
    return r;
}

/* Parses buf strictly (from a guard-page copy); returns the header value of id as a string. */
static void hdr(const vs_sip_msg *m, vs_sip_hdr_id id, char *out, size_t outlen)
{
    const vs_sip_header *h = vs_sip_find(m, id);
    assert_non_null(h);
    snprintf(out, outlen, "%.*s", VS_SLICE_FMT(h->value));
}

typedef struct parsed_req {
    vs_sip_header hs[64];
    vs_sip_msg m;
    char *copy;
    size_t len;
} parsed_req;

static void parse_strict(const char *buf, size_t len, parsed_req *p)
{
    p->copy = vs_guard_copy(buf, len);
    p->len = len;
    long n = vs_sip_parse(p->copy, len, &p->m, p->hs, 64, 0);
    assert_int_equal(n, (long)len);
    if (!p->m.valid) {
        for (size_t i = 0; i < p->m.issue_count; i++)
            fprintf(stderr, "issue %s at %u\n", vs_sip_issue_id(p->m.issues[i].code),
                    p->m.issues[i].offset);
        fprintf(stderr, "%.*s", (int)len, buf);
    }
    assert_true(p->m.valid);
    assert_int_equal(p->m.kind, VS_SIP_REQUEST);
}

static void test_options_udp(void **state)
{
    (void)state;
    vs__request r = base_options(VS_SCAN_UDP);
    char buf[2048], v[256];
    size_t len = vs__request_build(buf, sizeof(buf), &r);
    assert_true(len > 0);
    assert_int_equal(strlen(buf), len);
    parsed_req p;
    parse_strict(buf, len, &p);
    assert_int_equal(p.m.method_id, VS_SIP_METHOD_OPTIONS);
    assert_true(vs_slice_eq(p.m.request_uri, VS_LIT("sip:192.0.2.7")));
    hdr(&p.m, VS_SIP_HDR_VIA, v, sizeof(v));
    assert_string_equal(
        v, "SIP/2.0/UDP 198.51.100.1:40000;branch=z9hG4bKvs1.0.2a.0123456789abcdef;rport");
    hdr(&p.m, VS_SIP_HDR_CALL_ID, v, sizeof(v));
    assert_string_equal(v, "vs1.0.2a.0123456789abcdef");
    hdr(&p.m, VS_SIP_HDR_FROM, v, sizeof(v));
    assert_string_equal(v, "<sip:voipsec@192.0.2.7>;tag=89abcdef");
    hdr(&p.m, VS_SIP_HDR_TO, v, sizeof(v));
    assert_string_equal(v, "<sip:192.0.2.7>");
    hdr(&p.m, VS_SIP_HDR_CSEQ, v, sizeof(v));
    assert_string_equal(v, "1 OPTIONS");
    hdr(&p.m, VS_SIP_HDR_USER_AGENT, v, sizeof(v));
    assert_string_equal(v, "voipsec/test");
    hdr(&p.m, VS_SIP_HDR_CONTACT, v, sizeof(v));
    assert_string_equal(v, "<sip:voipsec@198.51.100.1:40000>");
    hdr(&p.m, VS_SIP_HDR_ACCEPT, v, sizeof(v));
    assert_string_equal(v, "application/sdp");
    hdr(&p.m, VS_SIP_HDR_CONTENT_LENGTH, v, sizeof(v));
    assert_string_equal(v, "0");
    assert_int_equal(p.m.body.len, 0);
    vs_guard_free(p.copy, p.len);
}

static void test_options_tcp_tls_ports(void **state)
{
    (void)state;
    char buf[2048], v[256];
    parsed_req p;

    vs__request r = base_options(VS_SCAN_TCP);
    r.port = 5080;
    size_t len = vs__request_build(buf, sizeof(buf), &r);
    parse_strict(buf, len, &p);
    assert_true(vs_slice_eq(p.m.request_uri, VS_LIT("sip:192.0.2.7:5080;transport=tcp")));
    hdr(&p.m, VS_SIP_HDR_VIA, v, sizeof(v));
    assert_true(strncmp(v, "SIP/2.0/TCP 198.51.100.1:40000;", 31) == 0);
    hdr(&p.m, VS_SIP_HDR_CONTACT, v, sizeof(v));
    assert_string_equal(v, "<sip:voipsec@198.51.100.1:40000;transport=tcp>");
    vs_guard_free(p.copy, p.len);

    r = base_options(VS_SCAN_TLS);
    r.port = 5061; /* the default for TLS: not written */
    r.host = "pbx.example.com";
    len = vs__request_build(buf, sizeof(buf), &r);
    parse_strict(buf, len, &p);
    assert_true(vs_slice_eq(p.m.request_uri, VS_LIT("sips:pbx.example.com")));
    hdr(&p.m, VS_SIP_HDR_VIA, v, sizeof(v));
    assert_true(strncmp(v, "SIP/2.0/TLS ", 12) == 0);
    hdr(&p.m, VS_SIP_HDR_TO, v, sizeof(v));
    assert_string_equal(v, "<sips:pbx.example.com>");
    vs_guard_free(p.copy, p.len);

    r = base_options(VS_SCAN_UDP);
    r.port = 5061; /* not the default for UDP: written */
    len = vs__request_build(buf, sizeof(buf), &r);
    parse_strict(buf, len, &p);
    assert_true(vs_slice_eq(p.m.request_uri, VS_LIT("sip:192.0.2.7:5061")));
    vs_guard_free(p.copy, p.len);
}

static void test_ipv6_brackets(void **state)
{
    (void)state;
    vs__request r = base_options(VS_SCAN_UDP);
    r.host = "2001:db8::7";
    r.local_ip = "::1";
    r.port = 5062;
    char buf[2048], v[256];
    size_t len = vs__request_build(buf, sizeof(buf), &r);
    parsed_req p;
    parse_strict(buf, len, &p);
    assert_true(vs_slice_eq(p.m.request_uri, VS_LIT("sip:[2001:db8::7]:5062")));
    hdr(&p.m, VS_SIP_HDR_VIA, v, sizeof(v));
    assert_true(strncmp(v, "SIP/2.0/UDP [::1]:40000;", 24) == 0);
    hdr(&p.m, VS_SIP_HDR_CONTACT, v, sizeof(v));
    assert_string_equal(v, "<sip:voipsec@[::1]:40000>");
    vs_guard_free(p.copy, p.len);
}

static void test_other_methods(void **state)
{
    (void)state;
    char buf[2048], v[256];
    parsed_req p;

    vs__request r = base_options(VS_SCAN_UDP);
    r.method = "REGISTER";
    r.ruri_user = NULL;
    r.to_user = "100";
    size_t len = vs__request_build(buf, sizeof(buf), &r);
    parse_strict(buf, len, &p);
    assert_int_equal(p.m.method_id, VS_SIP_METHOD_REGISTER);
    hdr(&p.m, VS_SIP_HDR_EXPIRES, v, sizeof(v));
    assert_string_equal(v, "0");
    hdr(&p.m, VS_SIP_HDR_TO, v, sizeof(v));
    assert_string_equal(v, "<sip:100@192.0.2.7>");
    hdr(&p.m, VS_SIP_HDR_CSEQ, v, sizeof(v));
    assert_string_equal(v, "1 REGISTER");
    vs_guard_free(p.copy, p.len);

    r = base_options(VS_SCAN_UDP);
    r.method = "INVITE";
    r.ruri_user = "1000";
    r.extra = "Content-Type: application/sdp\r\n";
    len = vs__request_build(buf, sizeof(buf), &r);
    parse_strict(buf, len, &p);
    assert_true(vs_slice_eq(p.m.request_uri, VS_LIT("sip:1000@192.0.2.7")));
    hdr(&p.m, VS_SIP_HDR_TO, v, sizeof(v));
    assert_string_equal(v, "<sip:1000@192.0.2.7>");
    hdr(&p.m, VS_SIP_HDR_CONTENT_TYPE, v, sizeof(v));
    assert_string_equal(v, "application/sdp");
    assert_non_null(vs_sip_find(&p.m, VS_SIP_HDR_CONTACT));
    vs_guard_free(p.copy, p.len);

    r = base_options(VS_SCAN_UDP);
    r.method = "ACK";
    r.ruri_user = "1000";
    r.to_tag = "as12";
    len = vs__request_build(buf, sizeof(buf), &r);
    parse_strict(buf, len, &p);
    hdr(&p.m, VS_SIP_HDR_TO, v, sizeof(v));
    assert_string_equal(v, "<sip:1000@192.0.2.7>;tag=as12");
    assert_null(vs_sip_find(&p.m, VS_SIP_HDR_CONTACT)); /* ACK and CANCEL carry none */
    assert_null(vs_sip_find(&p.m, VS_SIP_HDR_ACCEPT));
    vs_guard_free(p.copy, p.len);
}

static void test_too_small(void **state)
{
    (void)state;
    vs__request r = base_options(VS_SCAN_TLS);
    char full[2048];
    size_t len = vs__request_build(full, sizeof(full), &r);
    assert_true(len > 100);
    char buf[2048];
    for (size_t size = 1; size <= len; size++)
        assert_int_equal(vs__request_build(buf, size, &r), 0);
    assert_int_equal(vs__request_build(buf, len + 1, &r), len);
    assert_memory_equal(buf, full, len + 1);
    /* missing essentials */
    assert_int_equal(vs__request_build(NULL, sizeof(buf), &r), 0);
    assert_int_equal(vs__request_build(buf, sizeof(buf), NULL), 0);
    r.host = NULL;
    assert_int_equal(vs__request_build(buf, sizeof(buf), &r), 0);
}

static void test_transport_ids(void **state)
{
    (void)state;
    assert_string_equal(vs__transport_id(VS_SCAN_UDP), "udp");
    assert_string_equal(vs__transport_id(VS_SCAN_TCP), "tcp");
    assert_string_equal(vs__transport_id(VS_SCAN_TLS), "tls");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_udp),   cmocka_unit_test(test_options_tcp_tls_ports),
        cmocka_unit_test(test_ipv6_brackets), cmocka_unit_test(test_other_methods),
        cmocka_unit_test(test_too_small),     cmocka_unit_test(test_transport_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
