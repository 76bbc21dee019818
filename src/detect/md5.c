/* MD5 for password guessing (see md5.h).
 *
 * Design: one compression body (MD5_BODY) written once over a generic word type, expanded for
 * uint32_t (the scalar digest) and for a vector of VS__MD5_LANES uint32_t (one message per lane).
 * Messages are padded block by block into a 64-byte buffer, so no input is copied whole. The lane
 * version transposes each block into word-major order so that word j of every lane is one vector
 * load. A lane whose message is shorter than the longest keeps running on zero blocks; its digest
 * is taken after its own last block. Checked against OpenSSL in tests/unit/detect/test_md5.c. */
#include "detect/md5.h"

#include <stdint.h>
#include <string.h>

static const uint32_t K[64] = {
    /* floor(abs(sin(i + 1)) * 2^32), RFC 1321 section 3.4 */
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu, 0x4787c62au, 0xa8304613u,
    0xfd469501u, 0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu, 0x6b901122u, 0xfd987193u,
    0xa679438eu, 0x49b40821u, 0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau, 0xd62f105du,
    0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u, 0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
    0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au, 0xfffa3942u, 0x8771f681u, 0x6d9d6122u,
    0xfde5380cu, 0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u, 0x289b7ec6u, 0xeaa127fau,
    0xd4ef3085u, 0x04881d05u, 0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u, 0xf4292244u,
    0x432aff97u, 0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
    0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u, 0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu,
    0xeb86d391u,
};

static const uint32_t INIT[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};

/* The four round functions, in forms with one operation fewer than RFC 1321's. */
#define F1(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define F2(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define F3(x, y, z) ((x) ^ (y) ^ (z))
#define F4(x, y, z) ((y) ^ ((x) | ~(z)))
#define STEP(f, a, b, c, d, m, i, s)                                                               \
    do {                                                                                           \
        a += f(b, c, d) + (m) + K[i];                                                              \
        a = (a << (s)) | (a >> (32 - (s)));                                                        \
        a += b;                                                                                    \
    } while (0)
/* 64 steps on a, b, c, d with message word j given by M(j) (RFC 1321 section 3.4). */
#define MD5_BODY                                                                                   \
    do {                                                                                           \
        STEP(F1, a, b, c, d, M(0), 0, 7);                                                          \
        STEP(F1, d, a, b, c, M(1), 1, 12);                                                         \
        STEP(F1, c, d, a, b, M(2), 2, 17);                                                         \
        STEP(F1, b, c, d, a, M(3), 3, 22);                                                         \
        STEP(F1, a, b, c, d, M(4), 4, 7);                                                          \
        STEP(F1, d, a, b, c, M(5), 5, 12);                                                         \
        STEP(F1, c, d, a, b, M(6), 6, 17);                                                         \
        STEP(F1, b, c, d, a, M(7), 7, 22);                                                         \
        STEP(F1, a, b, c, d, M(8), 8, 7);                                                          \
        STEP(F1, d, a, b, c, M(9), 9, 12);                                                         \
        STEP(F1, c, d, a, b, M(10), 10, 17);                                                       \
        STEP(F1, b, c, d, a, M(11), 11, 22);                                                       \
        STEP(F1, a, b, c, d, M(12), 12, 7);                                                        \
        STEP(F1, d, a, b, c, M(13), 13, 12);                                                       \
        STEP(F1, c, d, a, b, M(14), 14, 17);                                                       \
        STEP(F1, b, c, d, a, M(15), 15, 22);                                                       \
        STEP(F2, a, b, c, d, M(1), 16, 5);                                                         \
        STEP(F2, d, a, b, c, M(6), 17, 9);                                                         \
        STEP(F2, c, d, a, b, M(11), 18, 14);                                                       \
        STEP(F2, b, c, d, a, M(0), 19, 20);                                                        \
        STEP(F2, a, b, c, d, M(5), 20, 5);                                                         \
        STEP(F2, d, a, b, c, M(10), 21, 9);                                                        \
        STEP(F2, c, d, a, b, M(15), 22, 14);                                                       \
        STEP(F2, b, c, d, a, M(4), 23, 20);                                                        \
        STEP(F2, a, b, c, d, M(9), 24, 5);                                                         \
        STEP(F2, d, a, b, c, M(14), 25, 9);                                                        \
        STEP(F2, c, d, a, b, M(3), 26, 14);                                                        \
        STEP(F2, b, c, d, a, M(8), 27, 20);                                                        \
        STEP(F2, a, b, c, d, M(13), 28, 5);                                                        \
        STEP(F2, d, a, b, c, M(2), 29, 9);                                                         \
        STEP(F2, c, d, a, b, M(7), 30, 14);                                                        \
        STEP(F2, b, c, d, a, M(12), 31, 20);                                                       \
        STEP(F3, a, b, c, d, M(5), 32, 4);                                                         \
        STEP(F3, d, a, b, c, M(8), 33, 11);                                                        \
        STEP(F3, c, d, a, b, M(11), 34, 16);                                                       \
        STEP(F3, b, c, d, a, M(14), 35, 23);                                                       \
        STEP(F3, a, b, c, d, M(1), 36, 4);                                                         \
        STEP(F3, d, a, b, c, M(4), 37, 11);                                                        \
        STEP(F3, c, d, a, b, M(7), 38, 16);                                                        \
        STEP(F3, b, c, d, a, M(10), 39, 23);                                                       \
        STEP(F3, a, b, c, d, M(13), 40, 4);                                                        \
        STEP(F3, d, a, b, c, M(0), 41, 11);                                                        \
        STEP(F3, c, d, a, b, M(3), 42, 16);                                                        \
        STEP(F3, b, c, d, a, M(6), 43, 23);                                                        \
        STEP(F3, a, b, c, d, M(9), 44, 4);                                                         \
        STEP(F3, d, a, b, c, M(12), 45, 11);                                                       \
        STEP(F3, c, d, a, b, M(15), 46, 16);                                                       \
        STEP(F3, b, c, d, a, M(2), 47, 23);                                                        \
        STEP(F4, a, b, c, d, M(0), 48, 6);                                                         \
        STEP(F4, d, a, b, c, M(7), 49, 10);                                                        \
        STEP(F4, c, d, a, b, M(14), 50, 15);                                                       \
        STEP(F4, b, c, d, a, M(5), 51, 21);                                                        \
        STEP(F4, a, b, c, d, M(12), 52, 6);                                                        \
        STEP(F4, d, a, b, c, M(3), 53, 10);                                                        \
        STEP(F4, c, d, a, b, M(10), 54, 15);                                                       \
        STEP(F4, b, c, d, a, M(1), 55, 21);                                                        \
        STEP(F4, a, b, c, d, M(8), 56, 6);                                                         \
        STEP(F4, d, a, b, c, M(15), 57, 10);                                                       \
        STEP(F4, c, d, a, b, M(6), 58, 15);                                                        \
        STEP(F4, b, c, d, a, M(13), 59, 21);                                                       \
        STEP(F4, a, b, c, d, M(4), 60, 6);                                                         \
        STEP(F4, d, a, b, c, M(11), 61, 10);                                                       \
        STEP(F4, c, d, a, b, M(2), 62, 15);                                                        \
        STEP(F4, b, c, d, a, M(9), 63, 21);                                                        \
    } while (0)

static inline uint32_t load_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t nblocks(size_t len)
{
    return (len + 8) / 64 + 1; /* data, the 0x80 byte, 8 bytes of length */
}

/* Block b of the padded message p[0..len) into blk. */
static void padded_block(const unsigned char *p, size_t len, size_t b, unsigned char blk[64])
{
    size_t off = b * 64;
    size_t take = off < len ? (len - off < 64 ? len - off : 64) : 0;
    if (take)
        memcpy(blk, p + off, take);
    memset(blk + take, 0, 64 - take);
    if (len >= off && len < off + 64)
        blk[len - off] = 0x80;
    if (b + 1 == nblocks(len)) {
        uint64_t bits = (uint64_t)len * 8;
        for (int i = 0; i < 8; i++)
            blk[56 + i] = (unsigned char)(bits >> (8 * i));
    }
}

static void put_digest(const uint32_t s[4], unsigned char out[16])
{
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (unsigned char)(s[i] >> (8 * j));
}

void vs__md5(const void *data, size_t len, unsigned char out[16])
{
    const unsigned char *p = data;
    uint32_t s[4] = {INIT[0], INIT[1], INIT[2], INIT[3]};
    unsigned char blk[64];
    size_t nb = nblocks(len);
    for (size_t bi = 0; bi < nb; bi++) {
        const unsigned char *src = p + bi * 64;
        if ((bi + 1) * 64 > len) { /* the tail: padding */
            padded_block(p, len, bi, blk);
            src = blk;
        }
        uint32_t w[16];
        for (int j = 0; j < 16; j++)
            w[j] = load_le32(src + 4 * j);
        uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
#define M(j) w[j]
        MD5_BODY;
#undef M
        s[0] += a;
        s[1] += b;
        s[2] += c;
        s[3] += d;
    }
    put_digest(s, out);
}

typedef uint32_t lanes_u32 __attribute__((vector_size(4 * VS__MD5_LANES)));

/* The lane functions are written once (always inlined bodies) and, on x86-64, compiled three
 * times: for the baseline (SSE2), AVX2 and AVX-512; each call takes the one the CPU supports
 * (__builtin_cpu_supports reads what libgcc or compiler-rt found at start-up: no state here).
 * Wider registers run more lanes per instruction, and AVX-512 has a rotate instruction. */
#define LANES_BODY static inline __attribute__((always_inline))

LANES_BODY void lanes_body(const unsigned char *const msg[], const size_t len[], size_t n,
                           unsigned char out[][16])
{
    if (n > VS__MD5_LANES)
        n = VS__MD5_LANES;
    size_t nb[VS__MD5_LANES] = {0}, most = 0;
    for (size_t l = 0; l < n; l++) {
        nb[l] = nblocks(len[l]);
        if (nb[l] > most)
            most = nb[l];
    }
    lanes_u32 s0, s1, s2, s3;
    for (size_t l = 0; l < VS__MD5_LANES; l++) {
        s0[l] = INIT[0];
        s1[l] = INIT[1];
        s2[l] = INIT[2];
        s3[l] = INIT[3];
    }
    for (size_t bi = 0; bi < most; bi++) {
        /* word-major: w[j][l] is word j of lane l's block bi */
        uint32_t w[16][VS__MD5_LANES] __attribute__((aligned(64)));
        memset(w, 0, sizeof w);
        for (size_t l = 0; l < n; l++) {
            if (bi >= nb[l])
                continue;
            unsigned char blk[64];
            const unsigned char *src = msg[l] + bi * 64;
            if ((bi + 1) * 64 > len[l]) {
                padded_block(msg[l], len[l], bi, blk);
                src = blk;
            }
            for (int j = 0; j < 16; j++)
                w[j][l] = load_le32(src + 4 * j);
        }
        lanes_u32 a = s0, b = s1, c = s2, d = s3, wv[16];
        memcpy(wv, w, sizeof wv);
#define M(j) wv[j]
        MD5_BODY;
#undef M
        s0 += a;
        s1 += b;
        s2 += c;
        s3 += d;
        for (size_t l = 0; l < n; l++) {
            if (nb[l] == bi + 1) {
                uint32_t st[4] = {s0[l], s1[l], s2[l], s3[l]};
                put_digest(st, out[l]);
            }
        }
    }
}

LANES_BODY bool tail_body(const unsigned char *const head[], size_t hlen, const unsigned char *tail,
                          size_t tlen, size_t n, unsigned char out[][16])
{
    size_t len = hlen + tlen;
    if (n > VS__MD5_LANES || hlen > 64 || len > VS__MD5_TAIL_MAX)
        return false;
    /* the padded message with zeros in place of the heads: what every lane shares */
    size_t nb = nblocks(len);
    unsigned char common[VS__MD5_TAIL_MAX + 128];
    memset(common, 0, hlen);
    memcpy(common + hlen, tail, tlen);
    memset(common + len, 0, nb * 64 - len);
    common[len] = 0x80;
    for (int i = 0; i < 8; i++)
        common[nb * 64 - 8 + i] = (unsigned char)(((uint64_t)len * 8) >> (8 * i));
    lanes_u32 s0, s1, s2, s3;
    for (size_t l = 0; l < VS__MD5_LANES; l++) {
        s0[l] = INIT[0];
        s1[l] = INIT[1];
        s2[l] = INIT[2];
        s3[l] = INIT[3];
    }
    for (size_t bi = 0; bi < nb; bi++) {
        lanes_u32 wv[16];
        for (size_t j = 0; j < 16; j++) {
            size_t at = bi * 64 + 4 * j;
            lanes_u32 v = (lanes_u32){0} + load_le32(common + at); /* the shared word, in all */
            if (at + 4 <= hlen) { /* a word of the heads: lane by lane */
                for (size_t l = 0; l < n; l++)
                    v[l] = load_le32(head[l] + at);
            } else if (at < hlen) { /* head bytes, then shared ones (put in place in a register:
                                       a word built byte-wise in memory would stall its load) */
                for (size_t l = 0; l < n; l++) {
                    uint32_t x = load_le32(common + at);
                    for (size_t i = 0; at + i < hlen; i++)
                        x = (x & ~(0xffu << (8 * i))) | (uint32_t)head[l][at + i] << (8 * i);
                    v[l] = x;
                }
            }
            wv[j] = v;
        }
        lanes_u32 a = s0, b = s1, c = s2, d = s3;
#define M(j) wv[j]
        MD5_BODY;
#undef M
        s0 += a;
        s1 += b;
        s2 += c;
        s3 += d;
    }
    for (size_t l = 0; l < n; l++) {
        uint32_t st[4] = {s0[l], s1[l], s2[l], s3[l]};
        put_digest(st, out[l]);
    }
    return true;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LANES_TARGETS 1
__attribute__((target("avx2"))) static void
lanes_avx2(const unsigned char *const msg[], const size_t len[], size_t n, unsigned char out[][16])
{
    lanes_body(msg, len, n, out);
}

__attribute__((target("avx512f,avx512vl"))) static void
lanes_avx512(const unsigned char *const msg[], const size_t len[], size_t n,
             unsigned char out[][16])
{
    lanes_body(msg, len, n, out);
}

__attribute__((target("avx2"))) static bool tail_avx2(const unsigned char *const head[],
                                                      size_t hlen, const unsigned char *tail,
                                                      size_t tlen, size_t n,
                                                      unsigned char out[][16])
{
    return tail_body(head, hlen, tail, tlen, n, out);
}

__attribute__((target("avx512f,avx512vl"))) static bool
tail_avx512(const unsigned char *const head[], size_t hlen, const unsigned char *tail, size_t tlen,
            size_t n, unsigned char out[][16])
{
    return tail_body(head, hlen, tail, tlen, n, out);
}
#endif

void vs__md5_lanes(const unsigned char *const msg[], const size_t len[], size_t n,
                   unsigned char out[][16])
{
#ifdef LANES_TARGETS
    if (__builtin_cpu_supports("avx512vl"))
        return lanes_avx512(msg, len, n, out);
    if (__builtin_cpu_supports("avx2"))
        return lanes_avx2(msg, len, n, out);
#endif
    lanes_body(msg, len, n, out);
}

bool vs__md5_lanes_tail(const unsigned char *const head[], size_t hlen, const unsigned char *tail,
                        size_t tlen, size_t n, unsigned char out[][16])
{
#ifdef LANES_TARGETS
    if (__builtin_cpu_supports("avx512vl"))
        return tail_avx512(head, hlen, tail, tlen, n, out);
    if (__builtin_cpu_supports("avx2"))
        return tail_avx2(head, hlen, tail, tlen, n, out);
#endif
    return tail_body(head, hlen, tail, tlen, n, out);
}
