/* Helpers shared by the voipsec libFuzzer targets (tests/fuzz/fuzz_*.c).
 *
 * - vs_fuzz_dup(): the input in a fresh malloc'd buffer of exactly size bytes (no NUL added), so
 *   that ASan reports any read past the end whatever driver (libFuzzer, replay_main.c) called us.
 * - vs_fuzz_touch(): checks that an output slice lies inside the buffer it must point into and
 *   reads it byte by byte, so that ASan checks every byte a parser hands out.
 * - VS_FUZZ_CHECK(): an invariant; on failure prints where and aborts (libFuzzer records a crash).
 * - vs_fuzz_corpus_dirs: each target may define this NULL-terminated list of subfolders of the
 *   shared corpus (../shared/corpus) that hold inputs relevant to it. replay_main.c and
 *   scripts/fuzz.sh read it (fuzz.sh parses the initializer from the source: keep it on one
 *   `vs_fuzz_corpus_dirs[] = {...}` statement of string literals). It is optional. */
#ifndef VS_FUZZ_COMMON_H
#define VS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voipsec/core.h>

extern const char *const vs_fuzz_corpus_dirs[];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VS_FUZZ_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Copy of data[0..size) in a heap buffer of exactly size bytes (for size 0 a zero-size block,
 * which ASan also guards). Aborts on out-of-memory: this is test code. */
static inline char *vs_fuzz_dup(const uint8_t *data, size_t size)
{
    char *p = calloc(size, 1);
    if (p == NULL && size == 0)
        p = calloc(1, 1);
    if (p == NULL)
        abort();
    if (size)
        memcpy(p, data, size);
    return p;
}

/* true when s is empty or lies entirely inside base[0..len). */
static inline int vs_fuzz_inside(const char *base, size_t len, vs_slice s)
{
    if (s.len == 0)
        return 1;
    if (s.ptr == NULL)
        return 0;
    uintptr_t b = (uintptr_t)base, p = (uintptr_t)s.ptr;
    return p >= b && s.len <= len && p - b <= len - s.len;
}

/* Sink for touched bytes; volatile so that the reads are kept. */
static volatile unsigned char vs_fuzz_sink;

/* Checks that s lies in base[0..len) and reads each of its bytes. */
static inline void vs_fuzz_touch(const char *base, size_t len, vs_slice s)
{
    VS_FUZZ_CHECK(vs_fuzz_inside(base, len, s));
    unsigned char acc = 0;
    for (size_t i = 0; i < s.len; i++)
        acc ^= (unsigned char)s.ptr[i];
    vs_fuzz_sink ^= acc;
}

/* Reads each byte of a NUL-terminated static string (names, texts) so ASan checks it. */
static inline void vs_fuzz_touch_str(const char *s)
{
    VS_FUZZ_CHECK(s != NULL);
    unsigned char acc = 0;
    for (; *s; s++)
        acc ^= (unsigned char)*s;
    vs_fuzz_sink ^= acc;
}

#endif
