/* Unit tests for vs_sip_stream_frame, in picohttpparser's manner: a byte stream of several
 * messages is re-fed split at every offset, and message boundaries must come out the same
 * whether the messages arrive coalesced in one buffer or spread over several.
 *
 * Every input is copied right before a PROT_NONE page (tests/support/guard.h), so a read past the
 * end faults at once. Each framed message is then parsed with vs_sip_parse(VS_SIP_OPT_STREAM),
 * which must agree on its length. */
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

#define MAX_HDR 8192

/* vs_sip_stream_frame on a guarded copy of data[0..n) */
static long frame(const char *data, size_t n, size_t max_header, size_t *skip)
{
    char *g = vs_guard_copy(data, n);
    *skip = 12345;
    long rc = vs_sip_stream_frame(g, n, max_header, skip);
    vs_guard_free(g, n);
    if (rc > 0) {
        assert_true((size_t)rc <= n);
        assert_true(*skip < (size_t)rc);
    } else {
        assert_true(rc == VS_E_INCOMPLETE || rc == VS_E_PARSE);
    }
    if (rc != VS_E_PARSE)
        assert_true(*skip <= n);
    return rc;
}

/* vs_sip_parse in stream mode on a guarded copy (the header array guarded too) */
static long parse_stream(const char *data, size_t n, vs_sip_msg *msg)
{
    char *g = vs_guard_copy(data, n);
    static const vs_sip_header zero[32];
    vs_sip_header *h = (vs_sip_header *)(void *)vs_guard_copy(zero, sizeof zero);
    long rc = vs_sip_parse(g, n, msg, h, 32, VS_SIP_OPT_STREAM);
    vs_guard_free((char *)(void *)h, sizeof zero);
    vs_guard_free(g, n);
    return rc;
}

/* ---- the test stream -------------------------------------------------------------------- */

#define COMMON                                                                                     \
    "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74b43\r\n"                     \
    "Max-Forwards: 70\r\n"                                                                         \
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"                               \
    "To: Bob <sip:bob@biloxi.example.com>\r\n"                                                     \
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"

/* body that looks like framing: an empty line and a start line inside */
#define M1_BODY "v=0\r\n\r\nINVITE sip:x SIP/2.0\r\nContent-Length: 99\r\n\r\n"

static const char *const msgs[] = {
    /* keep-alives, then an INVITE whose body contains CRLFCRLF and a fake start line */
    "\r\n\r\n"
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON "CSeq: 1 INVITE\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 51\r\n"
    "\r\n" M1_BODY,
    /* one keep-alive, compact l: */
    "\r\n"
    "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON "CSeq: 2 OPTIONS\r\n"
    "l: 0\r\n"
    "\r\n",
    /* folded Content-Length */
    "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON "CSeq: 3 MESSAGE\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length:\r\n 5\r\n"
    "\r\n"
    "hello",
    /* a response right after, with whitespace before the colon */
    "SIP/2.0 200 OK\r\n" COMMON "CSeq: 3 MESSAGE\r\n"
    "Content-Length : 3\r\n"
    "\r\n"
    "abc",
    /* keep-alives, then a bodyless BYE; its Content-Length is the first header */
    "\r\n\r\n"
    "BYE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "content-length: 0\r\n" COMMON "CSeq: 4 BYE\r\n"
    "\r\n",
};
static const size_t skips[] = {4, 2, 0, 0, 4};
#define NMSG (sizeof msgs / sizeof msgs[0])
#define TAIL "\r\n" /* a keep-alive after the last message */

typedef struct stream {
    char buf[4096];
    size_t len;
    size_t off[NMSG + 1];
    size_t mlen[NMSG];
} stream;

static void build(stream *s)
{
    s->len = 0;
    for (size_t i = 0; i < NMSG; i++) {
        size_t n = strlen(msgs[i]);
        assert_true(s->len + n < sizeof s->buf);
        s->off[i] = s->len;
        s->mlen[i] = n;
        memcpy(s->buf + s->len, msgs[i], n);
        s->len += n;
    }
    s->off[NMSG] = s->len;
    memcpy(s->buf + s->len, TAIL, strlen(TAIL));
    s->len += strlen(TAIL);
    /* the body length of the first message is what its header says */
    assert_int_equal(strlen(M1_BODY), 51);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_walk_coalesced(void **state)
{
    (void)state;
    stream s;
    build(&s);
    size_t at = 0, skip;
    for (size_t i = 0; i < NMSG; i++) {
        long rc = frame(s.buf + at, s.len - at, MAX_HDR, &skip);
        if (rc != (long)s.mlen[i])
            fail_msg("message %zu at %zu: rc %ld, want %zu", i, at, rc, s.mlen[i]);
        assert_int_equal(skip, skips[i]);
        at += (size_t)rc;
    }
    assert_int_equal(at, s.off[NMSG]);
    long rc = frame(s.buf + at, s.len - at, MAX_HDR, &skip);
    assert_int_equal(rc, VS_E_INCOMPLETE);
    assert_int_equal(skip, strlen(TAIL));
}

static void test_every_prefix(void **state)
{
    (void)state;
    stream s;
    build(&s);
    for (size_t i = 0; i < NMSG; i++) {
        const char *m = s.buf + s.off[i];
        size_t avail = s.len - s.off[i];
        for (size_t k = 0; k <= avail; k++) {
            size_t skip;
            long rc = frame(m, k, MAX_HDR, &skip);
            if (k < s.mlen[i]) {
                if (rc != VS_E_INCOMPLETE)
                    fail_msg("message %zu prefix %zu: rc %ld, want VS_E_INCOMPLETE", i, k, rc);
                assert_int_equal(skip, k < skips[i] ? k : skips[i]);
            } else {
                if (rc != (long)s.mlen[i])
                    fail_msg("message %zu prefix %zu: rc %ld, want %zu", i, k, rc, s.mlen[i]);
                assert_int_equal(skip, skips[i]);
            }
        }
    }
}

/* A receiver: bytes arrive in chunks cut at the given points; after each chunk it frames and
 * consumes as many messages as it can. Returns how many boundaries it found, in ends[]. */
static size_t receive(const stream *s, const size_t *cuts, size_t ncuts, size_t *ends)
{
    char rx[4096];
    size_t rxlen = 0, consumed = 0, nends = 0, prev = 0;
    for (size_t c = 0; c <= ncuts; c++) {
        size_t upto = c < ncuts ? cuts[c] : s->len;
        memcpy(rx + rxlen, s->buf + prev, upto - prev);
        rxlen += upto - prev;
        prev = upto;
        for (;;) {
            size_t skip;
            long rc = frame(rx, rxlen, MAX_HDR, &skip);
            if (rc == VS_E_INCOMPLETE)
                break;
            if (rc < 0)
                fail_msg("receiver: rc %ld at stream offset %zu", rc, consumed);
            consumed += (size_t)rc;
            ends[nends++] = consumed;
            memmove(rx, rx + rc, rxlen - (size_t)rc);
            rxlen -= (size_t)rc;
        }
    }
    assert_int_equal(rxlen, strlen(TAIL));
    return nends;
}

static void check_ends(const stream *s, const size_t *ends, size_t n, const char *how)
{
    if (n != NMSG)
        fail_msg("%s: %zu messages, want %zu", how, n, (size_t)NMSG);
    for (size_t i = 0; i < NMSG; i++)
        if (ends[i] != s->off[i] + s->mlen[i])
            fail_msg("%s: message %zu ends at %zu, want %zu", how, i, ends[i],
                     s->off[i] + s->mlen[i]);
}

static void test_split_everywhere(void **state)
{
    (void)state;
    stream s;
    build(&s);
    size_t ends[NMSG + 4];
    /* coalesced: one buffer */
    check_ends(&s, ends, receive(&s, NULL, 0, ends), "coalesced");
    /* two buffers, cut at every offset */
    for (size_t k = 0; k <= s.len; k++) {
        char how[32];
        snprintf(how, sizeof how, "split at %zu", k);
        check_ends(&s, ends, receive(&s, &k, 1, ends), how);
    }
}

static void test_byte_by_byte_and_three_way(void **state)
{
    (void)state;
    stream s;
    build(&s);
    size_t ends[NMSG + 4];
    size_t *cuts = malloc(s.len * sizeof *cuts);
    assert_non_null(cuts);
    for (size_t i = 0; i < s.len; i++)
        cuts[i] = i + 1;
    check_ends(&s, ends, receive(&s, cuts, s.len - 1, ends), "byte by byte");
    free(cuts);
    /* three buffers, cut around every message boundary */
    for (size_t i = 1; i <= NMSG; i++) {
        size_t b = s.off[i];
        for (size_t d1 = 0; d1 < 6 && d1 <= b; d1++)
            for (size_t d2 = 0; d2 < 6 && b + d2 <= s.len; d2++) {
                size_t c[2] = {b - d1, b + d2};
                check_ends(&s, ends, receive(&s, c, 2, ends), "three-way");
            }
    }
}

static void test_parse_agrees(void **state)
{
    (void)state;
    stream s;
    build(&s);
    for (size_t i = 0; i < NMSG; i++) {
        const char *m = s.buf + s.off[i];
        vs_sip_msg msg;
        /* alone */
        long rc = parse_stream(m, s.mlen[i], &msg);
        if (rc != (long)s.mlen[i])
            fail_msg("message %zu: vs_sip_parse %ld, want %zu", i, rc, s.mlen[i]);
        if (!msg.valid) {
            for (size_t k = 0; k < msg.issue_count; k++)
                print_message("  %s @%u\n", vs_sip_issue_id(msg.issues[k].code),
                              msg.issues[k].offset);
            fail_msg("message %zu not valid", i);
        }
        assert_true(msg.has_content_length);
        assert_int_equal(msg.body.len, msg.content_length);
        /* coalesced with everything after it */
        rc = parse_stream(m, s.len - s.off[i], &msg);
        assert_int_equal(rc, (long)s.mlen[i]);
        /* every proper prefix: both say incomplete */
        for (size_t k = 0; k < s.mlen[i]; k++) {
            size_t skip;
            assert_int_equal(frame(m, k, MAX_HDR, &skip), VS_E_INCOMPLETE);
            rc = parse_stream(m, k, &msg);
            if (rc != VS_E_INCOMPLETE)
                fail_msg("message %zu prefix %zu: vs_sip_parse %ld", i, k, rc);
        }
    }
    /* the folded and compact lengths were read as such */
    vs_sip_msg msg;
    vs_sip_header hdrs[32];
    char *g = vs_guard_copy(s.buf + s.off[2], s.mlen[2]);
    assert_int_equal(vs_sip_parse(g, s.mlen[2], &msg, hdrs, 32, VS_SIP_OPT_STREAM),
                     (long)s.mlen[2]);
    assert_int_equal(msg.content_length, 5);
    assert_memory_equal(msg.body.ptr, "hello", 5);
    assert_true(vs_sip_find(&msg, VS_SIP_HDR_CONTENT_LENGTH)->flags & VS_SIP_HF_FOLDED);
    vs_guard_free(g, s.mlen[2]);
    g = vs_guard_copy(s.buf + s.off[1], s.mlen[1]);
    assert_int_equal(vs_sip_parse(g, s.mlen[1], &msg, hdrs, 32, VS_SIP_OPT_STREAM),
                     (long)s.mlen[1]);
    assert_true(vs_sip_find(&msg, VS_SIP_HDR_CONTENT_LENGTH)->flags & VS_SIP_HF_COMPACT);
    vs_guard_free(g, s.mlen[1]);
}

#define HEAD "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n" COMMON "CSeq: 2 OPTIONS\r\n"

/* The largest body (VS_SIP_MAX_CONTENT_LENGTH) with its headers fits VS_SIP_MAX_MESSAGE: the
 * framer and the parser agree on it. A message whose headers push it past VS_SIP_MAX_MESSAGE is
 * refused by both (VS_E_PARSE), never left waiting for bytes that cannot help. */
static void test_parse_agrees_past_max_message(void **state)
{
    (void)state;
    char head[1024];
    int hl = snprintf(head, sizeof head, HEAD "Content-Length: %u\r\n\r\n", VS_SIP_MAX_CONTENT_LENGTH);
    size_t n = (size_t)hl + VS_SIP_MAX_CONTENT_LENGTH;
    char *buf = malloc(n);
    assert_non_null(buf);
    memcpy(buf, head, (size_t)hl);
    memset(buf + hl, 'x', n - (size_t)hl);
    size_t skip;
    assert_int_equal(frame(buf, n, MAX_HDR, &skip), (long)n);
    vs_sip_msg msg;
    assert_int_equal(parse_stream(buf, n, &msg), (long)n);
    free(buf);

    /* 70 KiB of headers before a 1 MiB body: past the message limit */
    size_t big_hdr = 70u << 10;
    n = big_hdr + VS_SIP_MAX_CONTENT_LENGTH + 512;
    buf = malloc(n);
    assert_non_null(buf);
    size_t off = (size_t)snprintf(buf, n, HEAD "X-Filler: ");
    memset(buf + off, 'a', big_hdr);
    off += big_hdr;
    off += (size_t)snprintf(buf + off, n - off, "\r\nContent-Length: %u\r\n\r\n",
                            VS_SIP_MAX_CONTENT_LENGTH);
    memset(buf + off, 'x', VS_SIP_MAX_CONTENT_LENGTH);
    n = off + VS_SIP_MAX_CONTENT_LENGTH;
    assert_true(n > VS_SIP_MAX_MESSAGE);
    assert_int_equal(frame(buf, n, n, &skip), VS_E_PARSE);
    assert_int_equal(parse_stream(buf, n, &msg), VS_E_PARSE);
    bool too_large = false;
    for (size_t i = 0; i < msg.issue_count; i++)
        too_large |= msg.issues[i].code == VS_SIP_E_TOO_LARGE;
    assert_true(too_large);
    free(buf);
}

static void test_conflicting_lengths(void **state)
{
    (void)state;
    size_t skip;
    static const char *const bad[] = {
        HEAD "Content-Length: 5\r\nl: 6\r\n\r\nhello!",
        HEAD "l: 6\r\nContent-Length: 5\r\n\r\nhello!",
        HEAD "Content-Length: 5\r\nSubject: x\r\nContent-Length: 0005 \r\nl:\r\n 6\r\n\r\nhello!",
        HEAD "Content-Length: 0\r\nContent-Length: 1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (frame(bad[i], strlen(bad[i]), MAX_HDR, &skip) != VS_E_PARSE)
            fail_msg("conflict %zu not refused", i);
    }
    /* refused as soon as the second header is known, before the body arrives */
    const char *b = bad[0];
    size_t cut = (size_t)(strstr(b, "l: 6\r\n") - b) + 6 + 2;
    assert_int_equal(frame(b, cut, MAX_HDR, &skip), VS_E_PARSE);
    /* agreeing duplicates frame (the strict parser flags the duplicate) */
    static const char same[] = HEAD "Content-Length: 5\r\nl: 05\r\n\r\nhello";
    assert_int_equal(frame(same, strlen(same), MAX_HDR, &skip), (long)strlen(same));
    vs_sip_msg msg;
    assert_int_equal(parse_stream(same, strlen(same), &msg), (long)strlen(same));
    assert_false(msg.valid);
}

static void test_bad_lengths(void **state)
{
    (void)state;
    static const char *const vals[] = {
        "abc", "-1", "+5", "5a", "", "1048577", "99999999999999999999", "18446744073709551621",
        "5 5"};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char text[1024];
        int n = snprintf(text, sizeof text, HEAD "Content-Length: %s\r\n\r\nhello", vals[i]);
        size_t skip;
        long rc = frame(text, (size_t)n, MAX_HDR, &skip);
        if (rc != VS_E_PARSE)
            fail_msg("Content-Length '%s': rc %ld", vals[i], rc);
    }
    /* the limit itself is a length: wait for the body */
    char text[1024];
    int n = snprintf(text, sizeof text, HEAD "Content-Length: %u\r\n\r\nhello",
                     VS_SIP_MAX_CONTENT_LENGTH);
    size_t skip;
    assert_int_equal(frame(text, (size_t)n, MAX_HDR, &skip), VS_E_INCOMPLETE);
}

static void test_missing_content_length(void **state)
{
    (void)state;
    /* current behaviour (docs/internals/sip-parser.md): no Content-Length on a stream means no
     * body; the bytes after the empty line are the next message */
    static const char text[] = HEAD "\r\nxyz";
    size_t hl = strlen(text) - 3, skip;
    assert_int_equal(frame(text, strlen(text), MAX_HDR, &skip), (long)hl);
    assert_int_equal(skip, 0);
    vs_sip_msg msg;
    assert_int_equal(parse_stream(text, strlen(text), &msg), (long)hl);
    assert_false(msg.valid);
    bool cl_issue = false;
    for (size_t i = 0; i < msg.issue_count; i++)
        cl_issue |= msg.issues[i].code == VS_SIP_E_CONTENT_LENGTH;
    assert_true(cl_issue);
    /* a Content-Length in a folded continuation of another header is not one */
    static const char t2[] = HEAD "Subject: x\r\n Content-Length: 3\r\n\r\nabc";
    assert_int_equal(frame(t2, strlen(t2), MAX_HDR, &skip), (long)strlen(t2) - 3);
    assert_int_equal(parse_stream(t2, strlen(t2), &msg), (long)strlen(t2) - 3);
    /* nor is one on the start line */
    static const char t3[] = "OPTIONS sip:Content-Length:3@x SIP/2.0\r\n\r\nabc";
    assert_int_equal(frame(t3, strlen(t3), MAX_HDR, &skip), (long)strlen(t3) - 3);
}

static void test_max_header(void **state)
{
    (void)state;
    static const char text[] = "\r\n" HEAD "Content-Length: 2\r\n\r\nhi";
    size_t n = strlen(text);
    size_t h = n - 2 - 2; /* header section without the keep-alive and the body */
    size_t skip;
    assert_int_equal(frame(text, n, h, &skip), (long)n);
    assert_int_equal(skip, 2);
    assert_int_equal(frame(text, n, h - 1, &skip), VS_E_PARSE);
    assert_int_equal(frame(text, n, 10, &skip), VS_E_PARSE);
    /* an endless header line is refused once it passes the limit, not waited for */
    char big[600];
    memset(big, 'A', sizeof big);
    memcpy(big, "OPTIONS sip:x SIP/2.0\r\nX-Long: ", 31);
    assert_int_equal(frame(big, sizeof big, 599, &skip), VS_E_PARSE);
    assert_int_equal(frame(big, sizeof big, 600, &skip), VS_E_INCOMPLETE);
    assert_int_equal(frame(big, 1, 0, &skip), VS_E_PARSE);
    /* the body does not count */
    static const char body[] = "OPTIONS sip:x SIP/2.0\r\nl: 40\r\n\r\n"
                               "0123456789012345678901234567890123456789";
    assert_int_equal(frame(body, strlen(body), 33, &skip), (long)strlen(body));
}

static void test_keepalives_and_args(void **state)
{
    (void)state;
    size_t skip;
    assert_int_equal(frame("", 0, MAX_HDR, &skip), VS_E_INCOMPLETE);
    assert_int_equal(skip, 0);
    assert_int_equal(frame("\r\n\r\n\n\r", 6, MAX_HDR, &skip), VS_E_INCOMPLETE);
    assert_int_equal(skip, 6);
    assert_int_equal(vs_sip_stream_frame(NULL, 0, MAX_HDR, &skip), VS_E_INCOMPLETE);
    assert_int_equal(vs_sip_stream_frame(NULL, 3, MAX_HDR, &skip), VS_E_INVAL);
    assert_int_equal(vs_sip_stream_frame("x", 1, MAX_HDR, NULL), VS_E_INVAL);
    /* bare LF line ends frame too */
    static const char lf[] = "OPTIONS sip:x SIP/2.0\nl: 2\n\nhiNEXT";
    assert_int_equal(frame(lf, strlen(lf), MAX_HDR, &skip), (long)strlen(lf) - 4);
    vs_sip_msg msg;
    assert_int_equal(parse_stream(lf, strlen(lf), &msg), (long)strlen(lf) - 4);
    /* a start line alone, then the empty line */
    assert_int_equal(frame("OPTIONS sip:x SIP/2.0\r\n\r\n", 25, MAX_HDR, &skip), 25);
    assert_int_equal(frame("OPTIONS sip:x SIP/2.0\r\n\r", 24, MAX_HDR, &skip), VS_E_INCOMPLETE);
}

static void test_every_single_byte(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char c = (char)b;
        size_t skip;
        long rc = frame(&c, 1, MAX_HDR, &skip);
        assert_int_equal(rc, VS_E_INCOMPLETE);
        assert_int_equal(skip, (b == '\r' || b == '\n') ? 1 : 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_coalesced),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_byte_by_byte_and_three_way),
        cmocka_unit_test(test_parse_agrees),
        cmocka_unit_test(test_parse_agrees_past_max_message),
        cmocka_unit_test(test_conflicting_lengths),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_missing_content_length),
        cmocka_unit_test(test_max_header),
        cmocka_unit_test(test_keepalives_and_args),
        cmocka_unit_test(test_every_single_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
