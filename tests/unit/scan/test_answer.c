/* Unit tests of reading a SIP answer into a scan record (src/scan/answer.c): status, reason,
 * Server (else User-Agent), Allow and Supported (every header joined, compact forms too), the
 * auth mark of 401/407, the Call-ID check, refusal of requests and non-SIP bytes (the record is
 * then left untouched), and hostile values (control bytes, oversize) made safe. Inputs sit right
 * before a guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "scan/scan_internal.h"

static bool read_guarded(const char *text, const char *call_id, vs_scan_result *r)
{
    size_t len = strlen(text);
    char *copy = vs_guard_copy(text, len);
    bool ok = vs__answer_read(copy, len, call_id, r);
    vs_guard_free(copy, len);
    return ok;
}

static void test_ok_answer(void **state)
{
    (void)state;
    const char *msg = "SIP/2.0 200 OK\r\n"
                      "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKabc;rport=40000\r\n"
                      "From: <sip:voipsec@127.0.0.1>;tag=1\r\n"
                      "To: <sip:127.0.0.1>;tag=2\r\n"
                      "Call-ID: abc123\r\n"
                      "CSeq: 1 OPTIONS\r\n"
                      "Server: Asterisk PBX 18.20.0\r\n"
                      "User-Agent: not this one\r\n"
                      "Allow: INVITE, ACK, CANCEL\r\n"
                      "Allow: OPTIONS, BYE\r\n"
                      "k: replaces\r\n"
                      "Supported: timer\r\n"
                      "Content-Length: 0\r\n\r\n";
    vs_scan_result r;
    memset(&r, 0, sizeof(r));
    assert_true(read_guarded(msg, NULL, &r));
    assert_int_equal(r.sip_status, 200);
    assert_string_equal(r.reason, "OK");
    assert_string_equal(r.server, "Asterisk PBX 18.20.0");
    assert_string_equal(r.allow, "INVITE, ACK, CANCEL, OPTIONS, BYE");
    assert_string_equal(r.supported, "replaces, timer");
    assert_false(r.auth_required);

    memset(&r, 0, sizeof(r));
    assert_true(read_guarded(msg, "abc123", &r));
    assert_int_equal(r.sip_status, 200);
}

static void test_user_agent_and_auth(void **state)
{
    (void)state;
    const char *msg = "SIP/2.0 401 Unauthorized\r\n"
                      "v: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\n"
                      "f: <sip:a@b>;tag=1\r\n"
                      "t: <sip:a@b>\r\n"
                      "i: cid-9\r\n"
                      "CSeq: 1 OPTIONS\r\n"
                      "User-Agent: Yealink SIP-T46S 66.86.0.15\r\n"
                      "WWW-Authenticate: Digest realm=\"x\", nonce=\"y\"\r\n"
                      "l: 0\r\n\r\n";
    vs_scan_result r;
    memset(&r, 0, sizeof(r));
    assert_true(read_guarded(msg, "cid-9", &r));
    assert_int_equal(r.sip_status, 401);
    assert_string_equal(r.reason, "Unauthorized");
    assert_string_equal(r.server, "Yealink SIP-T46S 66.86.0.15");
    assert_string_equal(r.allow, "");
    assert_string_equal(r.supported, "");
    assert_true(r.auth_required);

    const char *p407 = "SIP/2.0 407 Proxy Authentication Required\r\n"
                       "Call-ID: z\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    memset(&r, 0, sizeof(r));
    assert_true(read_guarded(p407, NULL, &r));
    assert_true(r.auth_required);
    assert_string_equal(r.reason, "Proxy Authentication Required");
    assert_string_equal(r.server, "");

    const char *p404 = "SIP/2.0 404 Not Found\r\nServer:   \r\nUser-Agent: fallback\r\n\r\n";
    memset(&r, 0, sizeof(r));
    assert_true(read_guarded(p404, NULL, &r));
    assert_false(r.auth_required);
    assert_string_equal(r.server, "fallback");
}

static void test_refusals_leave_record(void **state)
{
    (void)state;
    vs_scan_result r, before;
    memset(&r, 0x5a, sizeof(r));
    r.server[0] = '\0';
    before = r;
    const char *answer = "SIP/2.0 200 OK\r\nCall-ID: theirs\r\nCSeq: 1 OPTIONS\r\n\r\n";
    /* another Call-ID, a missing Call-ID */
    assert_false(read_guarded(answer, "ours", &r));
    assert_false(read_guarded("SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\n\r\n", "ours", &r));
    /* a request */
    assert_false(read_guarded("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: ours\r\n\r\n", NULL, &r));
    /* not SIP at all */
    assert_false(read_guarded("HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n", NULL, &r));
    assert_false(read_guarded("hello\n", NULL, &r));
    assert_false(read_guarded("SIP/2.0 99 Low\r\n\r\n", NULL, &r));
    assert_false(vs__answer_read(NULL, 10, NULL, &r));
    assert_false(vs__answer_read("SIP/2.0 200 OK\r\n\r\n", 0, NULL, &r));
    assert_memory_equal(&r, &before, sizeof(r));
}

static void test_hostile_values(void **state)
{
    (void)state;
    char msg[4096];
    char longsrv[1000];
    memset(longsrv, 'A', sizeof(longsrv) - 1);
    longsrv[sizeof(longsrv) - 1] = '\0';
    snprintf(msg, sizeof(msg),
             "SIP/2.0 200 O\x1b[31mK\r\n"
             "Server: %s\r\n"
             "Allow: INVITE\x07, BYE\r\n"
             "Supported: a,\r\n b\r\n"
             "Content-Length: 0\r\n\r\n",
             longsrv);
    vs_scan_result r;
    memset(&r, 0, sizeof(r));
    assert_true(read_guarded(msg, NULL, &r));
    assert_string_equal(r.reason, "O?[31mK");
    assert_int_equal(strlen(r.server), sizeof(r.server) - 1);
    assert_string_equal(r.allow, "INVITE?, BYE");
    for (const char *p = r.supported; *p; p++)
        assert_true((unsigned char)*p >= 0x20);
    assert_non_null(strstr(r.supported, "a,"));
    assert_non_null(strstr(r.supported, "b"));

    /* many Allow headers: cut to fit, still terminated */
    size_t n = (size_t)snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(msg + n, sizeof(msg) - n, "Allow: METHOD%02d\r\n", i);
    snprintf(msg + n, sizeof(msg) - n, "\r\n");
    memset(&r, 0, sizeof(r));
    assert_true(read_guarded(msg, NULL, &r));
    assert_int_equal(strlen(r.allow), sizeof(r.allow) - 1);
    assert_true(strncmp(r.allow, "METHOD00, METHOD01, ", 20) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_answer),
        cmocka_unit_test(test_user_agent_and_auth),
        cmocka_unit_test(test_refusals_leave_record),
        cmocka_unit_test(test_hostile_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
