/* Unit tests of the `weak-credential` detector through the public monitor API: digest responses
 * computed here with OpenSSL, REGISTER/INVITE written by hand, findings collected from the
 * callback and written as JSON to check that no password leaks. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <voipsec/monitor.h>

#include "monitor_harness.h"

/* A monitor collecting into c with only the weak-credential detector enabled. */
static vs_monitor *new_monitor(collected *c)
{
    vs_monitor_config cfg;
    mh_config_none(&cfg);
    cfg.weak_enabled = true;
    return mh_start(c, &cfg);
}

static void hex_digest(const char *alg, const char *text, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    EVP_MD *md = EVP_MD_fetch(NULL, alg, NULL);
    assert_non_null(md);
    assert_int_equal(EVP_Digest(text, strlen(text), d, &dl, md, NULL), 1);
    EVP_MD_free(md);
    for (unsigned i = 0; i < dl; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

typedef struct login {
    const char *user; /* digest username */
    const char *ext;  /* From/To user part (NULL: same as user) */
    const char *password;
    const char *alg; /* NULL, "MD5", "MD5-sess", "SHA-256" */
    bool qop;
    const char *method; /* "REGISTER" (default) or "INVITE" */
    unsigned answer;
    unsigned src_last; /* last byte of the source address */
} login;

/* Computes the digest response of RFC 2617 / RFC 8760 for l. */
static void response_of(const login *l, const char *realm, const char *nonce, const char *uri,
                        const char *cnonce, const char *nc, char *resp)
{
    const char *h = l->alg && !strncmp(l->alg, "SHA-256", 7) ? "SHA2-256" : "MD5";
    char buf[1024], ha1[160], ha2[160];
    snprintf(buf, sizeof buf, "%s:%s:%s", l->user, realm, l->password);
    hex_digest(h, buf, ha1);
    if (l->alg && strstr(l->alg, "-sess")) {
        snprintf(buf, sizeof buf, "%s:%s:%s", ha1, nonce, cnonce);
        hex_digest(h, buf, ha1);
    }
    snprintf(buf, sizeof buf, "%s:%s", l->method ? l->method : "REGISTER", uri);
    hex_digest(h, buf, ha2);
    if (l->qop)
        snprintf(buf, sizeof buf, "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
    else
        snprintf(buf, sizeof buf, "%s:%s:%s", ha1, nonce, ha2);
    hex_digest(h, buf, resp);
}

static char last_response[160];
static const char NONCE[] = "4c9b7e1a2f3d";

/* Feeds text between the client 192.0.2.<src_last>:5062 and the server 198.51.100.1:5060. */
static void feed(vs_monitor *m, const char *text, unsigned src_last, bool to_server, int64_t ts)
{
    vs_ip client = mh_ip4(192, 0, 2, src_last), server = mh_ip4(198, 51, 100, 1);
    if (to_server)
        mh_feed(m, text, client, 5062, server, 5060, ts);
    else
        mh_feed(m, text, server, 5060, client, 5062, ts);
}

static void do_login(vs_monitor *m, const login *l, int64_t ts)
{
    static unsigned seq;
    seq++;
    const char *method = l->method ? l->method : "REGISTER";
    const char *ext = l->ext ? l->ext : l->user;
    const char *realm = "pbx.example.com";
    char uri[64], cnonce[32], resp[160], auth[768], buf[2048], callid[48];
    snprintf(uri, sizeof uri, "sip:%s@pbx.example.com",
             strcmp(method, "INVITE") ? ext : "0044201234567");
    if (!strcmp(method, "REGISTER"))
        snprintf(uri, sizeof uri, "sip:pbx.example.com");
    snprintf(cnonce, sizeof cnonce, "c%08x", seq);
    snprintf(callid, sizeof callid, "wc-%u@192.0.2.%u", seq, l->src_last);
    response_of(l, realm, NONCE, uri, cnonce, "00000001", resp);
    snprintf(last_response, sizeof last_response, "%s", resp);
    int n = snprintf(auth, sizeof auth,
                     "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
                     "uri=\"%s\", response=\"%s\"",
                     l->user, realm, NONCE, uri, resp);
    if (l->alg)
        n += snprintf(auth + n, sizeof auth - (size_t)n, ", algorithm=%s", l->alg);
    if (l->qop)
        n += snprintf(auth + n, sizeof auth - (size_t)n, ", qop=auth, cnonce=\"%s\", nc=00000001",
                      cnonce);
    snprintf(auth + n, sizeof auth - (size_t)n, "\r\n");
    snprintf(buf, sizeof buf,
             "%s %s SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.%u:5062;branch=z9hG4bK-w%u\r\n"
             "Max-Forwards: 70\r\n"
             "From: \"Desk\" <sip:%s@pbx.example.com>;tag=a%u\r\n"
             "To: <sip:%s@pbx.example.com>\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 20 %s\r\n"
             "Contact: <sip:%s@192.0.2.%u:5062>\r\n"
             "%s"
             "Content-Length: 0\r\n\r\n",
             method, uri, l->src_last, seq, ext, seq, ext, callid, method, ext, l->src_last, auth);
    feed(m, buf, l->src_last, true, ts);
    snprintf(buf, sizeof buf,
             "SIP/2.0 %u %s\r\n"
             "Via: SIP/2.0/UDP 192.0.2.%u:5062;branch=z9hG4bK-w%u\r\n"
             "From: \"Desk\" <sip:%s@pbx.example.com>;tag=a%u\r\n"
             "To: <sip:%s@pbx.example.com>;tag=b%u\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 20 %s\r\n"
             "Content-Length: 0\r\n\r\n",
             l->answer, l->answer == 200 ? "OK" : "Forbidden", l->src_last, seq, ext, seq, ext, seq,
             callid, method);
    feed(m, buf, l->src_last, false, ts + 2000);
}

static const vs_finding *find_user(const collected *c, const char *user)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->f[i].rule, "weak-credential") && !strcmp(c->f[i].user, user))
            return &c->f[i];
    return NULL;
}

static void test_password_is_user_name(void **state)
{
    (void)state;
    collected c;
    vs_monitor *m = new_monitor(&c);
    login l = {.user = "1001", .password = "1001", .answer = 200, .src_last = 10};
    do_login(m, &l, T0);
    do_login(m, &l, T0 + 60 * SEC); /* same account again: same incident */
    assert_int_equal(mh_finish(m, &c, "weak-credential"), 1);
    const vs_finding *f = find_user(&c, "1001");
    assert_non_null(f);
    assert_string_equal(f->title, "Weak password in use by extension 1001");
    assert_int_equal(f->practice, VS_PRACTICE_CREDENTIALS);
    assert_int_equal(f->severity, VS_SEV_HIGH);
    assert_string_equal(f->src.ip, "192.0.2.10");
    assert_int_equal(f->count, 2);
    assert_true(f->first_seen_us == T0);
    assert_true(f->last_seen_us == T0 + 60 * SEC + 2000);
    assert_non_null(strstr(f->evidence, "\"weakness\":\"same as the user name\""));
}

static void test_wordlist_and_no_leak(void **state)
{
    (void)state;
    collected c;
    vs_monitor *m = new_monitor(&c);
    login l = {.user = "2002", .password = "letmein", .answer = 200, .src_last = 11};
    do_login(m, &l, T0);
    char resp1[160];
    snprintf(resp1, sizeof resp1, "%s", last_response);
    login q = {.user = "2003",
               .password = "sunshine1",
               .alg = "MD5",
               .qop = true,
               .answer = 200,
               .src_last = 12};
    do_login(m, &q, T0 + SEC);
    char resp2[160];
    snprintf(resp2, sizeof resp2, "%s", last_response);
    assert_int_equal(mh_finish(m, &c, "weak-credential"), 2);
    const vs_finding *f = find_user(&c, "2002");
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "\"weakness\":\"on the weak-password list\""));
    assert_non_null(strstr(f->evidence, "\"list_rank\":"));
    assert_non_null(find_user(&c, "2003"));
    char *json = mh_all_output(&c);
    assert_null(strstr(json, "letmein"));
    assert_null(strstr(json, "sunshine1"));
    assert_null(strstr(json, resp1));
    assert_null(strstr(json, resp2));
    assert_null(strstr(json, NONCE));
    free(json);
}

static void test_strong_password(void **state)
{
    (void)state;
    collected c;
    vs_monitor *m = new_monitor(&c);
    login l = {.user = "3003", .password = "v7Q-pz2LmW9x!Rk4tB", .answer = 200, .src_last = 13};
    do_login(m, &l, T0);
    login q = {.user = "3004",
               .password = "Ht8#c0ffee-Jq1s!",
               .qop = true,
               .alg = "MD5-sess",
               .answer = 200,
               .src_last = 13};
    do_login(m, &q, T0 + SEC);
    assert_int_equal(mh_finish(m, &c, "weak-credential"), 0);
}

static void test_rejected_guess_is_not_the_password(void **state)
{
    (void)state;
    collected c;
    vs_monitor *m = new_monitor(&c);
    /* an attacker tries "1234" and "4004" and is refused: that says nothing about 4004 */
    login l = {.user = "4004", .password = "1234", .answer = 403, .src_last = 66};
    do_login(m, &l, T0);
    login u = {.user = "4004", .password = "4004", .answer = 403, .src_last = 66};
    do_login(m, &u, T0 + SEC);
    assert_int_equal(mh_finish(m, &c, "weak-credential"), 0);
}

static void test_other_kinds(void **state)
{
    (void)state;
    collected c;
    vs_monitor *m = new_monitor(&c);
    login a = {
        .user = "alice", .ext = "5005", .password = "5005123", .answer = 200, .src_last = 20};
    do_login(m, &a, T0);
    login b = {.user = "bobby",
               .password = "ybbob",
               .alg = "SHA-256",
               .qop = true,
               .answer = 200,
               .src_last = 21};
    do_login(m, &b, T0 + SEC);
    login d = {.user = "6006",
               .password = "6006123",
               .alg = "MD5-sess",
               .qop = true,
               .method = "INVITE",
               .answer = 183,
               .src_last = 22};
    do_login(m, &d, T0 + 2 * SEC);
    vs_monitor_finish(m);
    const vs_finding *f = find_user(&c, "alice");
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "the extension followed by 123"));
    f = find_user(&c, "bobby");
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "the user name reversed"));
    assert_non_null(strstr(f->evidence, "SHA-256"));
    f = find_user(&c, "6006");
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "the user name followed by 123"));
    char *json = mh_all_output(&c);
    assert_null(strstr(json, "5005123"));
    assert_null(strstr(json, "ybbob"));
    assert_null(strstr(json, "6006123"));
    free(json);
    vs_monitor_free(m);
}

static void test_one_finding_per_source(void **state)
{
    (void)state;
    collected c;
    vs_monitor *m = new_monitor(&c);
    login l = {.user = "7007", .password = "0000", .answer = 200, .src_last = 30};
    for (int i = 0; i < 5; i++)
        do_login(m, &l, T0 + i * 30 * SEC);
    l.src_last = 31; /* the same account from a second address */
    do_login(m, &l, T0 + 200 * SEC);
    assert_int_equal(mh_finish(m, &c, "weak-credential"), 2);
}

/* List guesses are hashed in batches (md5.c lanes) but must behave as if tried one by one: the
 * password at ranks 40 and 41 of a 70-entry list (both in the second batch) is reported as entry
 * 40, the first that matches. */
static void test_first_match_in_a_batch(void **state)
{
    (void)state;
    char path[] = "/tmp/vs-weak-list-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    assert_non_null(fp);
    for (int i = 1; i <= 70; i++) {
        if (i == 40 || i == 41)
            fprintf(fp, "batch-secret\n");
        else
            fprintf(fp, "filler%02d\n", i);
    }
    fclose(fp);
    vs_monitor_config cfg;
    mh_config_none(&cfg);
    cfg.weak_enabled = true;
    snprintf(cfg.weak_wordlist, sizeof cfg.weak_wordlist, "%s", path);
    collected c;
    vs_monitor *m = mh_start(&c, &cfg);
    login l = {.user = "4004", .password = "batch-secret", .answer = 200, .src_last = 40};
    do_login(m, &l, T0);
    vs_monitor_finish(m);
    const vs_finding *f = find_user(&c, "4004");
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "\"list_rank\":40"));
    vs_monitor_free(m);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_is_user_name),
        cmocka_unit_test(test_wordlist_and_no_leak),
        cmocka_unit_test(test_strong_password),
        cmocka_unit_test(test_rejected_guess_is_not_the_password),
        cmocka_unit_test(test_other_kinds),
        cmocka_unit_test(test_one_finding_per_source),
        cmocka_unit_test(test_first_match_in_a_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
