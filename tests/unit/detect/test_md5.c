/* Unit tests of the weak-credential detector's MD5 (src/detect/md5.c): RFC 1321's test suite,
 * then every length around the block and padding boundaries and lanes of mixed lengths, each
 * against OpenSSL's MD5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "detect/md5.h"

static void hex(const unsigned char d[16], char out[33])
{
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void openssl_md5(const unsigned char *p, size_t n, unsigned char out[16])
{
    unsigned dl = 0;
    assert_int_equal(EVP_Digest(p, n, out, &dl, EVP_md5(), NULL), 1);
    assert_int_equal(dl, 16);
}

static void test_rfc1321_suite(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890"
         "12345678901234567890"
         "12345678901234567890"
         "12345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char d[16];
        char h[33];
        vs__md5(cases[i][0], strlen(cases[i][0]), d);
        hex(d, h);
        assert_string_equal(h, cases[i][1]);
        /* the same message in every lane position */
        const unsigned char *msgs[VS__MD5_LANES];
        size_t lens[VS__MD5_LANES];
        unsigned char outs[VS__MD5_LANES][16];
        for (size_t l = 0; l < VS__MD5_LANES; l++) {
            msgs[l] = (const unsigned char *)cases[i][0];
            lens[l] = strlen(cases[i][0]);
        }
        vs__md5_lanes(msgs, lens, VS__MD5_LANES, outs);
        for (size_t l = 0; l < VS__MD5_LANES; l++) {
            hex(outs[l], h);
            assert_string_equal(h, cases[i][1]);
        }
    }
}

/* Every length from 0 to 300 (1 to 5 blocks, the padding in its own block at 56..63), scalar. */
static void test_lengths_against_openssl(void **state)
{
    (void)state;
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t n = 0; n <= sizeof buf; n++) {
        unsigned char want[16], got[16];
        openssl_md5(buf, n, want);
        vs__md5(buf, n, got);
        assert_memory_equal(got, want, 16);
    }
}

/* Lanes of different lengths in one call (some end blocks before the longest), and fewer lanes
 * than the vector holds. */
static void test_mixed_lanes_against_openssl(void **state)
{
    (void)state;
    unsigned char buf[VS__MD5_LANES][260];
    for (size_t l = 0; l < VS__MD5_LANES; l++)
        for (size_t i = 0; i < sizeof buf[l]; i++)
            buf[l][i] = (unsigned char)(i * 37 + l * 11 + 1);
    for (size_t start = 0; start < 200; start += 3) {
        for (size_t n = 1; n <= VS__MD5_LANES; n++) {
            const unsigned char *msgs[VS__MD5_LANES];
            size_t lens[VS__MD5_LANES];
            unsigned char outs[VS__MD5_LANES][16];
            for (size_t l = 0; l < n; l++) {
                msgs[l] = buf[l];
                lens[l] = (start + l * 29) % 257; /* 0 to 256 bytes, mixed block counts */
            }
            vs__md5_lanes(msgs, lens, n, outs);
            for (size_t l = 0; l < n; l++) {
                unsigned char want[16];
                openssl_md5(msgs[l], lens[l], want);
                assert_memory_equal(outs[l], want, 16);
            }
        }
    }
}

/* Lanes that share all but a head of the same length (the digest response's shape): heads of 0,
 * 3, 32 and 64 bytes, tails across block boundaries, against OpenSSL on head || tail. */
static void test_shared_tail_against_openssl(void **state)
{
    (void)state;
    static const size_t hlens[] = {0, 3, 32, 61, 64};
    unsigned char heads[VS__MD5_LANES][64], tail[VS__MD5_TAIL_MAX];
    for (size_t l = 0; l < VS__MD5_LANES; l++)
        for (size_t i = 0; i < 64; i++)
            heads[l][i] = (unsigned char)('a' + (i * 7 + l * 3) % 26);
    for (size_t i = 0; i < sizeof tail; i++)
        tail[i] = (unsigned char)(i * 13 + 5);
    for (size_t h = 0; h < sizeof hlens / sizeof hlens[0]; h++) {
        for (size_t tlen = 0; tlen + hlens[h] <= 300; tlen += 7) {
            size_t n = 1 + (tlen / 7) % VS__MD5_LANES;
            const unsigned char *hp[VS__MD5_LANES];
            unsigned char outs[VS__MD5_LANES][16];
            for (size_t l = 0; l < n; l++)
                hp[l] = heads[l];
            assert_true(vs__md5_lanes_tail(hp, hlens[h], tail, tlen, n, outs));
            for (size_t l = 0; l < n; l++) {
                unsigned char msg[400], want[16];
                memcpy(msg, heads[l], hlens[h]);
                memcpy(msg + hlens[h], tail, tlen);
                openssl_md5(msg, hlens[h] + tlen, want);
                assert_memory_equal(outs[l], want, 16);
            }
        }
    }
    /* outside its shape it declines */
    const unsigned char *hp[1] = {heads[0]};
    unsigned char out[1][16];
    assert_false(vs__md5_lanes_tail(hp, 65, tail, 10, 1, out));
    assert_false(vs__md5_lanes_tail(hp, 32, tail, VS__MD5_TAIL_MAX, 1, out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1321_suite),
        cmocka_unit_test(test_lengths_against_openssl),
        cmocka_unit_test(test_mixed_lanes_against_openssl),
        cmocka_unit_test(test_shared_tail_against_openssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
