/* voipsec core: result codes, slices, export macro.
 *
 * Every public function of libvoipsec returns a vs_rc (or a byte count that is negative on error)
 * and never prints, exits or aborts. A vs_slice is a borrowed view into a buffer owned by someone
 * else: it is valid exactly as long as that buffer is. */
#ifndef VOIPSEC_CORE_H
#define VOIPSEC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(VS_BUILDING_LIBRARY) && defined(__GNUC__)
#define VS_EXPORT __attribute__((visibility("default")))
#else
#define VS_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes: 0 is success, every error is negative. */
typedef enum vs_rc {
    VS_OK = 0,
    VS_E_NOMEM = -1,      /* an allocation failed */
    VS_E_INVAL = -2,      /* a caller passed an invalid argument */
    VS_E_PARSE = -3,      /* input is not well-formed */
    VS_E_INCOMPLETE = -4, /* more input is needed (stream parsers) */
    VS_E_LIMIT = -5,      /* a documented limit or a table capacity was reached */
    VS_E_IO = -6,         /* reading or writing failed */
    VS_E_NOTFOUND = -7,   /* the requested item is absent */
} vs_rc;

/* Short human text for rc ("input is not well-formed"); static storage, never NULL. */
VS_EXPORT const char *vs_rc_str(int rc);
/* Symbolic name for rc ("VS_E_PARSE"); static storage, never NULL. */
VS_EXPORT const char *vs_rc_name(int rc);

/* A borrowed view of bytes: not NUL-terminated, may contain NUL bytes. */
typedef struct vs_slice {
    const char *ptr;
    size_t len;
} vs_slice;

#define VS_SLICE_NULL ((vs_slice){NULL, 0})
/* Slice of a string literal, without its terminating NUL. */
#define VS_LIT(s) ((vs_slice){(s), sizeof(s) - 1})
/* Use with printf("%.*s", VS_SLICE_FMT(s)). */
#define VS_SLICE_FMT(s) (int)(s).len, (s).ptr

static inline vs_slice vs_slice_make(const char *p, size_t n)
{
    vs_slice s = {p, n};
    return s;
}

/* true when both slices hold the same bytes. */
VS_EXPORT bool vs_slice_eq(vs_slice a, vs_slice b);
/* true when both slices are equal ignoring ASCII case. */
VS_EXPORT bool vs_slice_caseeq(vs_slice a, vs_slice b);
/* true when s equals the NUL-terminated string lit, ignoring ASCII case. */
VS_EXPORT bool vs_slice_caseeq_str(vs_slice s, const char *lit);
/* s without leading and trailing SP, HT, CR and LF. */
VS_EXPORT vs_slice vs_slice_trim(vs_slice s);

/* Library version, e.g. "0.1.0". */
VS_EXPORT const char *vs_version(void);

#ifdef __cplusplus
}
#endif
#endif
