/* Unit tests of scan targets (src/scan/targets.c): every syntax of scan.h (addresses, CIDR,
 * ranges, names, host:port, [v6]:port, URIs), the messages for bad text, the /16 limit and
 * --allow-large, lazy iteration of a /8 (counted, never walked), the tuple numbering the engine
 * relies on, the reverse lookup, and names that do not resolve. Nothing here sends a packet: the
 * only names resolved are "localhost" (from /etc/hosts) and a name with a 64-byte label, which the
 * resolver refuses before any query (a DNS label is at most 63 bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "scan/discover_internal.h"

static vs_scan_opts opts;

static int setup(void **state)
{
    (void)state;
    vs_scan_opts_init(&opts);
    return 0;
}

static vs_scan_targets *one(const char *spec, bool allow_large)
{
    vs_scan_targets *t = vs_scan_targets_new();
    assert_non_null(t);
    char err[256] = "";
    vs_rc rc = vs_scan_targets_add(t, spec, false, allow_large, err, sizeof(err));
    if (rc != VS_OK)
        fail_msg("%s: %s (%s)", spec, vs_rc_name(rc), err);
    return t;
}

/* Expects spec to be refused with rc and exactly msg (or containing it when !exact). */
static void refused(const char *spec, bool allow_large, vs_rc rc, const char *msg, bool exact)
{
    vs_scan_targets *t = vs_scan_targets_new();
    char err[256] = "";
    vs_rc got = vs_scan_targets_add(t, spec, false, allow_large, err, sizeof(err));
    if (got != rc)
        fail_msg("%s: got %s (%s), expected %s", spec, vs_rc_name(got), err, vs_rc_name(rc));
    if (exact ? strcmp(err, msg) != 0 : !strstr(err, msg))
        fail_msg("%s: message '%s', expected '%s'", spec, err, msg);
    assert_int_equal(vs_scan_targets_addresses(t), 0);
    uint64_t c = 0;
    vs__tuple tp;
    assert_false(vs__targets_next(t, &opts, &c, &tp));
    vs_scan_targets_free(t);
}

static void tuple_text(const vs__tuple *tp, char *out, size_t outlen)
{
    char ip[INET6_ADDRSTRLEN];
    uint16_t port;
    if (tp->addr.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&tp->addr;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        port = ntohs(a->sin_port);
        assert_int_equal(tp->addrlen, sizeof(*a));
    } else {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&tp->addr;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
        assert_int_equal(tp->addrlen, sizeof(*a));
    }
    snprintf(out, outlen, "%s %s %u%s", vs__transport_id(tp->transport), ip, (unsigned)port,
             tp->single ? " single" : "");
}

/* Walks all tuples into a newline-separated text (at most max). */
static void walk(const vs_scan_targets *t, const vs_scan_opts *o, char *out, size_t outlen,
                 size_t max)
{
    out[0] = '\0';
    uint64_t c = 0, prev = 0;
    vs__tuple tp;
    size_t n = 0, len = 0;
    bool first = true;
    while (n < max && vs__targets_next(t, o, &c, &tp)) {
        assert_true(first || c - 1 > prev); /* numbers increase */
        assert_true(c - 1 < vs__targets_index_bound(t, o));
        /* the number names the tuple */
        vs__tuple again;
        assert_true(vs__targets_at(t, o, c - 1, &again));
        assert_memory_equal(&again.addr, &tp.addr, tp.addrlen);
        assert_int_equal(again.transport, tp.transport);
        prev = c - 1;
        first = false;
        char line[128];
        tuple_text(&tp, line, sizeof(line));
        len += (size_t)snprintf(out + len, outlen - len, "%s%s", n ? "\n" : "", line);
        assert_true(len < outlen);
        n++;
    }
    if (n < max)
        assert_int_equal(n, vs__targets_tuples(t, o));
}

static void test_addresses(void **state)
{
    (void)state;
    char text[4096];
    vs_scan_targets *t = one("127.0.0.1", false);
    assert_int_equal(vs_scan_targets_addresses(t), 1);
    walk(t, &opts, text, sizeof(text), 100);
    assert_string_equal(text, "udp 127.0.0.1 5060 single");
    vs_scan_targets_free(t);

    t = one("::1", false);
    walk(t, &opts, text, sizeof(text), 100);
    assert_string_equal(text, "udp ::1 5060 single");
    vs_scan_targets_free(t);

    t = one("[::1]:5062", false);
    walk(t, &opts, text, sizeof(text), 100);
    assert_string_equal(text, "udp ::1 5062 single");
    vs_scan_targets_free(t);

    t = one("127.0.0.1:5080", false);
    vs_scan_opts o = opts;
    o.transports = VS_SCAN_UDP | VS_SCAN_TCP | VS_SCAN_TLS;
    walk(t, &o, text, sizeof(text), 100);
    assert_string_equal(text, "udp 127.0.0.1 5080 single\ntcp 127.0.0.1 5080 single\n"
                              "tls 127.0.0.1 5080 single");
    vs_scan_targets_free(t);
}

static void test_blocks_and_ranges(void **state)
{
    (void)state;
    char text[4096];
    vs_scan_targets *t = one("192.0.2.7/30", false); /* host bits cleared */
    assert_int_equal(vs_scan_targets_addresses(t), 4);
    walk(t, &opts, text, sizeof(text), 100);
    assert_string_equal(text, "udp 192.0.2.4 5060\nudp 192.0.2.5 5060\nudp 192.0.2.6 5060\n"
                              "udp 192.0.2.7 5060");
    vs_scan_targets_free(t);

    t = one("192.0.2.0/32", false);
    walk(t, &opts, text, sizeof(text), 100);
    assert_string_equal(text, "udp 192.0.2.0 5060 single");
    vs_scan_targets_free(t);

    t = one("192.0.2.10-20", false);
    assert_int_equal(vs_scan_targets_addresses(t), 11);
    vs_scan_targets_free(t);

    t = one("192.0.2.254-192.0.3.1", false); /* across an octet */
    walk(t, &opts, text, sizeof(text), 100);
    assert_string_equal(text, "udp 192.0.2.254 5060\nudp 192.0.2.255 5060\nudp 192.0.3.0 5060\n"
                              "udp 192.0.3.1 5060");
    vs_scan_targets_free(t);

    t = one("2001:db8::ffff-2001:db8::1:1", false); /* carry in IPv6 */
    walk(t, &opts, text, sizeof(text), 100);
    assert_string_equal(text, "udp 2001:db8::ffff 5060\nudp 2001:db8::1:0 5060\n"
                              "udp 2001:db8::1:1 5060");
    vs_scan_targets_free(t);

    t = one("2001:db8::/120", false);
    assert_int_equal(vs_scan_targets_addresses(t), 256);
    vs_scan_targets_free(t);

    t = one("udp://192.0.2.0/31:5070", false);
    walk(t, &opts, text, sizeof(text), 100);
    assert_string_equal(text, "udp 192.0.2.0 5070\nudp 192.0.2.1 5070");
    vs_scan_targets_free(t);
}

static void test_bad_text(void **state)
{
    (void)state;
    refused("192.0.2.0/33", false, VS_E_INVAL, "192.0.2.0/33: prefix length must be 0-32", true);
    refused("192.0.2.0/x", false, VS_E_INVAL, "192.0.2.0/x: prefix length must be 0-32", true);
    refused("2001:db8::/129", false, VS_E_INVAL, "2001:db8::/129: prefix length must be 0-128",
            true);
    refused("192.0.2.300", false, VS_E_INVAL,
            "192.0.2.300: '192.0.2.300' is not a valid IPv4 address", true);
    refused("1.2.3", false, VS_E_INVAL, "is not a valid IPv4 address", false);
    refused("192.0.2.20-10", false, VS_E_INVAL, "192.0.2.20-10: range end is below its start",
            true);
    refused("192.0.2.10-300", false, VS_E_INVAL, "192.0.2.10-300: range end", false);
    refused("192.0.2.10-::1", false, VS_E_INVAL, "same family", false);
    refused("127.0.0.1:0", false, VS_E_INVAL, "127.0.0.1:0: port must be 1-65535", true);
    refused("127.0.0.1:65536", false, VS_E_INVAL, "port must be 1-65535", false);
    refused("127.0.0.1:http", false, VS_E_INVAL, "port must be 1-65535", false);
    refused("[::1", false, VS_E_INVAL, "[::1: '[' without ']'", true);
    refused("[127.0.0.1]:5060", false, VS_E_INVAL, "only IPv6 addresses go in [ ]", false);
    refused("[::1]x", false, VS_E_INVAL, "unexpected text after ']'", false);
    refused("sctp://127.0.0.1", false, VS_E_INVAL, "unknown scheme 'sctp'", false);
    refused("udp://", false, VS_E_INVAL, "no host after the scheme", false);
    refused("pbx!.example.com", false, VS_E_INVAL,
            "pbx!.example.com: not an address, block, range or host name", true);
    refused("a b", false, VS_E_INVAL, "spaces", false);
    refused("", false, VS_E_INVAL, "empty target", true);
    refused("2001:db8::zz", false, VS_E_INVAL, "not a valid IPv6 address", false);
}

static void test_large_blocks(void **state)
{
    (void)state;
    vs_scan_targets *t = one("10.1.0.0/16", false);
    assert_int_equal(vs_scan_targets_addresses(t), 65536);
    vs_scan_targets_free(t);
    t = one("10.1.0.0-10.1.255.255", false);
    assert_int_equal(vs_scan_targets_addresses(t), 65536);
    vs_scan_targets_free(t);
    t = one("2001:db8::/112", false);
    assert_int_equal(vs_scan_targets_addresses(t), 65536);
    vs_scan_targets_free(t);

    refused("10.0.0.0/15", false, VS_E_LIMIT,
            "10.0.0.0/15: 131072 addresses, more than a /16 (65536); pass --allow-large to "
            "scan it",
            true);
    refused("10.0.0.0-10.1.255.255", false, VS_E_LIMIT, "--allow-large", false);
    refused("10.0.0.0-10.2.0.0", false, VS_E_LIMIT, "--allow-large", false);
    refused("2001:db8::/111", false, VS_E_LIMIT, "--allow-large", false);
    /* IPv6 blocks above 2^32 addresses are refused even with allow_large */
    refused("2001:db8::/64", true, VS_E_LIMIT, "too large to scan", false);

    t = one("10.0.0.0/15", true);
    assert_int_equal(vs_scan_targets_addresses(t), 131072);
    vs_scan_targets_free(t);
}

static void test_slash8_lazy(void **state)
{
    (void)state;
    vs_scan_targets *t = one("10.0.0.0/8", true);
    assert_int_equal(vs_scan_targets_addresses(t), 16777216);
    vs_scan_opts o = opts;
    o.transports = VS_SCAN_UDP | VS_SCAN_TCP;
    o.ports[0] = 5060;
    o.ports[1] = 5080;
    o.nports = 2;
    /* counted, not walked */
    assert_int_equal(vs__targets_tuples(t, &o), UINT64_C(16777216) * 4);
    assert_int_equal(vs__targets_tuples_of(t, &o, VS_SCAN_TCP), UINT64_C(16777216) * 2);
    assert_int_equal(vs__targets_index_bound(t, &o), UINT64_C(16777216) * 6);
    char text[1024];
    walk(t, &o, text, sizeof(text), 5);
    assert_string_equal(text, "udp 10.0.0.0 5060\nudp 10.0.0.0 5080\ntcp 10.0.0.0 5060\n"
                              "tcp 10.0.0.0 5080\nudp 10.0.0.1 5060");
    /* random access to the last tuple */
    uint64_t last = vs__targets_index_bound(t, &o) - 1; /* TLS slot: a hole */
    vs__tuple tp;
    assert_false(vs__targets_at(t, &o, last, &tp));
    assert_true(vs__targets_at(t, &o, last - 2, &tp));
    tuple_text(&tp, text, sizeof(text));
    assert_string_equal(text, "tcp 10.255.255.255 5080");
    uint64_t c = last - 2; /* from the last tuple: one more, then the end */
    assert_true(vs__targets_next(t, &o, &c, &tp));
    assert_false(vs__targets_next(t, &o, &c, &tp));
    /* the UDP-only walk skips TCP slots */
    c = 0;
    assert_true(vs__targets_next_of(t, &o, VS_SCAN_UDP, &c, &tp));
    assert_true(vs__targets_next_of(t, &o, VS_SCAN_UDP, &c, &tp));
    assert_true(vs__targets_next_of(t, &o, VS_SCAN_UDP, &c, &tp));
    tuple_text(&tp, text, sizeof(text));
    assert_string_equal(text, "udp 10.0.0.1 5060");
    vs_scan_targets_free(t);
}

static void test_uris_and_options(void **state)
{
    (void)state;
    vs_scan_targets *t = vs_scan_targets_new();
    char err[256];
    assert_int_equal(vs_scan_targets_add(t, "tcp://127.0.0.1", false, false, err, sizeof(err)),
                     VS_OK);
    assert_int_equal(vs_scan_targets_add(t, "TLS://[::1]", true, false, err, sizeof(err)), VS_OK);
    assert_int_equal(
        vs_scan_targets_add(t, "udp://127.0.0.2:5070/", false, false, err, sizeof(err)), VS_OK);
    assert_int_equal(vs_scan_targets_add(t, "127.0.0.3", false, false, err, sizeof(err)), VS_OK);
    vs_scan_opts o = opts;
    o.transports = VS_SCAN_UDP | VS_SCAN_TLS;
    o.ports[0] = 5060;
    o.ports[1] = 5062;
    o.nports = 2;
    char text[4096];
    walk(t, &o, text, sizeof(text), 100);
    /* URIs keep their transport and (default) port whatever the options say */
    assert_string_equal(text, "tcp 127.0.0.1 5060 single\ntls ::1 5061 single\n"
                              "udp 127.0.0.2 5070 single\n"
                              "udp 127.0.0.3 5060 single\nudp 127.0.0.3 5062 single\n"
                              "tls 127.0.0.3 5060 single\ntls 127.0.0.3 5062 single");
    assert_int_equal(vs__targets_tuples_of(t, &o, VS_SCAN_TCP | VS_SCAN_TLS), 4);
    uint64_t c = 0;
    vs__tuple tp;
    assert_true(vs__targets_next(t, &o, &c, &tp));
    assert_string_equal(tp.spec, "tcp://127.0.0.1");
    assert_string_equal(tp.host, "");
    assert_false(tp.trunk);
    assert_true(vs__targets_next(t, &o, &c, &tp));
    assert_string_equal(tp.spec, "TLS://[::1]");
    assert_true(tp.trunk);

    /* no ports and no transports: UDP 5060, TCP 5060, TLS 5061 defaults */
    o.nports = 0;
    o.transports = 0;
    vs_scan_targets *u = one("127.0.0.4", false);
    walk(u, &o, text, sizeof(text), 100);
    assert_string_equal(text, "udp 127.0.0.4 5060 single");
    o.transports = VS_SCAN_UDP | VS_SCAN_TCP | VS_SCAN_TLS;
    walk(u, &o, text, sizeof(text), 100);
    assert_string_equal(text, "udp 127.0.0.4 5060 single\ntcp 127.0.0.4 5060 single\n"
                              "tls 127.0.0.4 5061 single");
    vs_scan_targets_free(u);
    vs_scan_targets_free(t);
}

static void test_lookup(void **state)
{
    (void)state;
    vs_scan_targets *t = vs_scan_targets_new();
    char err[256];
    assert_int_equal(vs_scan_targets_add(t, "127.0.0.8/29", false, false, err, sizeof(err)), VS_OK);
    assert_int_equal(vs_scan_targets_add(t, "127.0.0.9:5070", false, false, err, sizeof(err)),
                     VS_OK);
    vs_scan_opts o = opts;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.9", &sa.sin_addr);
    sa.sin_port = htons(5060);
    uint64_t idx;
    assert_true(vs__targets_lookup(t, &o, (struct sockaddr *)&sa, VS_SCAN_UDP, UINT64_MAX, &idx));
    vs__tuple tp;
    assert_true(vs__targets_at(t, &o, idx, &tp));
    assert_memory_equal(&((struct sockaddr_in *)&tp.addr)->sin_addr, &sa.sin_addr, 4);
    assert_string_equal(tp.spec, "127.0.0.8/29");
    /* not walked past yet */
    assert_false(vs__targets_lookup(t, &o, (struct sockaddr *)&sa, VS_SCAN_UDP, idx, &idx));
    /* the same address on the second target's port */
    sa.sin_port = htons(5070);
    assert_true(vs__targets_lookup(t, &o, (struct sockaddr *)&sa, VS_SCAN_UDP, UINT64_MAX, &idx));
    assert_true(vs__targets_at(t, &o, idx, &tp));
    assert_string_equal(tp.spec, "127.0.0.9:5070");
    /* wrong transport, port, address */
    assert_false(vs__targets_lookup(t, &o, (struct sockaddr *)&sa, VS_SCAN_TCP, UINT64_MAX, &idx));
    sa.sin_port = htons(5071);
    assert_false(vs__targets_lookup(t, &o, (struct sockaddr *)&sa, VS_SCAN_UDP, UINT64_MAX, &idx));
    sa.sin_port = htons(5060);
    inet_pton(AF_INET, "127.0.0.16", &sa.sin_addr);
    assert_false(vs__targets_lookup(t, &o, (struct sockaddr *)&sa, VS_SCAN_UDP, UINT64_MAX, &idx));
    /* duplicates are kept: 127.0.0.9 is walked twice */
    assert_int_equal(vs_scan_targets_addresses(t), 9);
    vs_scan_targets_free(t);
}

static void test_names(void **state)
{
    (void)state;
    vs_scan_targets *t = one("localhost:5070", false);
    assert_true(vs_scan_targets_addresses(t) >= 1);
    uint64_t c = 0;
    vs__tuple tp;
    size_t n = 0;
    while (vs__targets_next(t, &opts, &c, &tp) && n < 100) {
        assert_string_equal(tp.host, "localhost");
        assert_string_equal(tp.spec, "localhost:5070");
        assert_true(tp.single);
        if (tp.addr.ss_family == AF_INET)
            assert_int_equal(((struct sockaddr_in *)&tp.addr)->sin_addr.s_addr >> 0 & 0xff, 127);
        n++;
    }
    assert_int_equal(n, vs_scan_targets_addresses(t));
    const char *spec, *why;
    assert_false(vs__targets_unresolved(t, 0, &spec, &why));
    vs_scan_targets_free(t);

    /* a 64-byte label: no resolver sends a query for it */
    char name[128];
    memset(name, 'a', 64);
    snprintf(name + 64, sizeof(name) - 64, ".invalid");
    char spec_text[160];
    snprintf(spec_text, sizeof(spec_text), "udp://%s:5062", name);
    t = vs_scan_targets_new();
    char err[256] = "";
    assert_int_equal(vs_scan_targets_add(t, spec_text, true, false, err, sizeof(err)), VS_OK);
    assert_int_equal(vs_scan_targets_addresses(t), 0);
    assert_int_equal(vs__targets_tuples(t, &opts), 0);
    const char *host;
    bool trunk = false;
    assert_true(vs__targets_unresolved_ex(t, 0, &spec, &host, &why, &trunk));
    assert_string_equal(spec, spec_text);
    assert_string_equal(host, name);
    assert_true(trunk);
    assert_true(strlen(why) > 0);
    assert_false(vs__targets_unresolved(t, 1, &spec, &why));
    vs_scan_targets_free(t);
}

static void test_options(void **state)
{
    (void)state;
    vs_scan_opts o;
    vs_scan_opts_init(&o);
    assert_int_equal(o.transports, VS_SCAN_UDP);
    assert_int_equal(o.nports, 0);
    assert_true(o.rate == 200.0);
    assert_true(o.timeout_s == 2.0);
    assert_int_equal(o.retries, 1);
    assert_int_equal(o.max_conns, 64);
    assert_int_equal(o.checks, 0);
    char ua[64];
    snprintf(ua, sizeof(ua), "voipsec/%s", vs_version());
    assert_string_equal(o.user_agent, ua);
    assert_string_equal(o.enum_users, "100,101,200,1000,1001,2000");
    assert_null(o.fingerprints);

    unsigned bits = 0;
    char err[160];
    assert_int_equal(vs_scan_parse_transports("udp,tcp,tls", &bits, err, sizeof(err)), VS_OK);
    assert_int_equal(bits, VS_SCAN_UDP | VS_SCAN_TCP | VS_SCAN_TLS);
    assert_int_equal(vs_scan_parse_transports(" TLS ", &bits, err, sizeof(err)), VS_OK);
    assert_int_equal(bits, VS_SCAN_TLS);
    assert_int_equal(vs_scan_parse_transports("udp,sctp", &bits, err, sizeof(err)), VS_E_INVAL);
    assert_int_equal(bits, VS_SCAN_TLS); /* untouched */
    assert_non_null(strstr(err, "'sctp'"));
    assert_int_equal(vs_scan_parse_transports("udp,", &bits, err, sizeof(err)), VS_E_INVAL);
    assert_int_equal(vs_scan_parse_transports("", &bits, err, sizeof(err)), VS_E_INVAL);

    assert_int_equal(vs_scan_parse_checks("tls,auth,enum-leak,admin", &bits, err, sizeof(err)),
                     VS_OK);
    assert_int_equal(bits, VS_SCAN_CHECK_TLS | VS_SCAN_CHECK_AUTH | VS_SCAN_CHECK_ENUM |
                               VS_SCAN_CHECK_ADMIN);
    assert_int_equal(vs_scan_parse_checks("all", &bits, err, sizeof(err)), VS_OK);
    assert_int_equal(bits, VS_SCAN_CHECK_TLS | VS_SCAN_CHECK_AUTH | VS_SCAN_CHECK_ENUM |
                               VS_SCAN_CHECK_ADMIN);
    assert_int_equal(vs_scan_parse_checks("none", &bits, err, sizeof(err)), VS_OK);
    assert_int_equal(bits, 0);
    assert_int_equal(vs_scan_parse_checks("auth,enum", &bits, err, sizeof(err)), VS_E_INVAL);
    assert_non_null(strstr(err, "'enum'"));
    assert_int_equal(vs_scan_parse_checks("none,tls", &bits, err, sizeof(err)), VS_E_INVAL);

    assert_string_equal(vs_scan_status_id(VS_SCAN_ANSWERED), "answered");
    assert_string_equal(vs_scan_status_id(VS_SCAN_GARBAGE), "garbage");
    assert_string_equal(vs_scan_status_id(VS_SCAN_SILENT), "silent");
    assert_string_equal(vs_scan_status_id(VS_SCAN_REFUSED), "refused");
    assert_string_equal(vs_scan_status_id(VS_SCAN_UNREACHABLE), "unreachable");
    assert_string_equal(vs_scan_status_id(VS_SCAN_UNRESOLVED), "unresolved");
    assert_string_equal(vs_scan_status_id(VS_SCAN_TLS_FAILED), "tls-failed");
    assert_string_equal(vs_scan_status_id(VS_SCAN_ERROR), "error");
    assert_string_equal(vs_scan_status_id((vs_scan_status)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_addresses, setup),
        cmocka_unit_test_setup(test_blocks_and_ranges, setup),
        cmocka_unit_test_setup(test_bad_text, setup),
        cmocka_unit_test_setup(test_large_blocks, setup),
        cmocka_unit_test_setup(test_slash8_lazy, setup),
        cmocka_unit_test_setup(test_uris_and_options, setup),
        cmocka_unit_test_setup(test_lookup, setup),
        cmocka_unit_test_setup(test_names, setup),
        cmocka_unit_test_setup(test_options, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
