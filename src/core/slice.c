/* Slice helpers. Kept out of line on purpose: they are not on the per-byte hot path, and a
 * single definition keeps ASCII case folding consistent across the library. */
#include <string.h>
#include <voipsec/core.h>

#include "version.h"

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

bool vs_slice_eq(vs_slice a, vs_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool vs_slice_caseeq(vs_slice a, vs_slice b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (lower((unsigned char)a.ptr[i]) != lower((unsigned char)b.ptr[i]))
            return false;
    return true;
}

bool vs_slice_caseeq_str(vs_slice s, const char *lit)
{
    return vs_slice_caseeq(s, vs_slice_make(lit, strlen(lit)));
}

static inline bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

vs_slice vs_slice_trim(vs_slice s)
{
    while (s.len && is_ws(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_ws(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

const char *vs_version(void)
{
    return VS_VERSION_STRING;
}
