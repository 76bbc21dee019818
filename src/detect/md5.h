/* MD5 (RFC 1321) for the weak-credential detector's password guessing (private to src/detect).
 *
 * Guessing costs two MD5 digests of short inputs per password tried; through OpenSSL's EVP
 * interface the per-call overhead (context init, provider dispatch, cleansing) cost more than the
 * compression itself. Here a one-shot scalar MD5, and one that hashes VS__MD5_LANES independent
 * messages at once in the lanes of a vector (GCC/clang vector extensions: SSE2 or NEON, no
 * target-specific code), which is how the list of weak passwords is tried against one credential.
 * MD5 is used only to reproduce what SIP digest authentication computes, never for security.
 * Thread-safe (no state). */
#ifndef VS_DETECT_MD5_H
#define VS_DETECT_MD5_H

#include <stdbool.h>
#include <stddef.h>

#define VS__MD5_LANES 32
#define VS__MD5_TAIL_MAX 1024

/* out = MD5(data[0..len)). */
void vs__md5(const void *data, size_t len, unsigned char out[16]);

/* out[i] = MD5(msg[i][0..len[i])) for i < n (n <= VS__MD5_LANES; lanes past n are idle). The
 * messages may differ in length; the cost is that of the longest. */
void vs__md5_lanes(const unsigned char *const msg[], const size_t len[], size_t n,
                   unsigned char out[][16]);

/* out[i] = MD5(head[i][0..hlen) || tail[0..tlen)) for i < n: lanes that differ only in their
 * first hlen bytes (the response of a digest guess: 32 hex digits of the guess's HA1, then the
 * credential's fixed ":nonce:nc:cnonce:qop:HA2"). The words of the shared part are loaded once
 * for all lanes. False, and out untouched, unless n <= VS__MD5_LANES, hlen <= 64 and
 * hlen + tlen <= VS__MD5_TAIL_MAX. */
bool vs__md5_lanes_tail(const unsigned char *const head[], size_t hlen, const unsigned char *tail,
                        size_t tlen, size_t n, unsigned char out[][16]);

#endif
