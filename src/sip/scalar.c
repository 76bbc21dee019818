/* Small-valued headers: CSeq, decimal numbers, Date (RFC 1123, GMT), Call-ID, Content-Type.
 * Numbers are parsed with a cap and never overflow, whatever their length (RFC 4475 3.1.2.4
 * sends twenty-digit CSeqs and hundred-digit Expires). */
#include <string.h>

#include "lex.h"
#include "sip_internal.h"

vs_rc vs_sip_uint_parse(vs_slice s, uint64_t max, uint64_t *out)
{
    if (!out || (!s.ptr && s.len))
        return VS_E_INVAL;
    VS__EMPTY_IF_NULL(s);
    s = vs_slice_trim(s);
    bool big = false;
    if (vs__parse_uint(s.ptr, s.ptr + s.len, max, out, &big))
        return VS_OK;
    return big ? VS_E_LIMIT : VS_E_PARSE;
}

vs_rc vs_sip_cseq_parse(vs_slice s, uint32_t *number, vs_slice *method, size_t *err_off)
{
    if (!number || !method || (!s.ptr && s.len))
        return VS_E_INVAL;
    VS__EMPTY_IF_NULL(s);
    const char *start = s.ptr, *end = s.ptr + s.len;
    const char *p = vs__skip_ws(start, end), *d = p;
    while (p < end && vs__is_digit((unsigned char)*p))
        p++;
    uint64_t n;
    if (!vs__parse_uint(d, p, 0x7fffffffu, &n, NULL)) {
        if (err_off)
            *err_off = (size_t)(d - start);
        return VS_E_PARSE;
    }
    const char *m = vs__skip_ws(p, end);
    if (m == p) {
        if (err_off)
            *err_off = (size_t)(p - start);
        return VS_E_PARSE;
    }
    p = vs__skip_class(m, end, VS__C_TOKEN);
    if (p == m || vs__skip_ws(p, end) != end) {
        if (err_off)
            *err_off = (size_t)(p - start);
        return VS_E_PARSE;
    }
    *number = (uint32_t)n;
    *method = vs_slice_make(m, (size_t)(p - m));
    return VS_OK;
}

static bool two_digits(const char *p, unsigned max)
{
    return vs__is_digit((unsigned char)p[0]) && vs__is_digit((unsigned char)p[1]) &&
           (unsigned)((p[0] - '0') * 10 + (p[1] - '0')) <= max;
}

static bool in_list(const char *p, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(p, list[i], 3) == 0)
            return true;
    return false;
}

vs_rc vs_sip_date_check(vs_slice s, size_t *err_off)
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    /* "Sat, 13 Nov 2010 23:29:00 GMT": fixed layout, 29 bytes */
    static const char layout[] = "Www, DD Mmm YYYY HH:MM:SS GMT";
    VS__EMPTY_IF_NULL(s);
    vs_slice t = vs_slice_trim(s);
    size_t lead = (size_t)(t.ptr - s.ptr);
    size_t bad = 0;
    if (t.len != sizeof layout - 1) {
        bad = t.len < sizeof layout - 1 ? t.len : sizeof layout - 1;
        goto fail;
    }
    const char *p = t.ptr;
    if (!in_list(p, days, 7)) {
        bad = 0;
        goto fail;
    }
    if (p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' ' || p[16] != ' ' ||
        p[19] != ':' || p[22] != ':' || p[25] != ' ') {
        bad = 3;
        goto fail;
    }
    if (!two_digits(p + 5, 31) || !in_list(p + 8, months, 12) || !two_digits(p + 12, 99) ||
        !two_digits(p + 14, 99) || !two_digits(p + 17, 23) || !two_digits(p + 20, 59) ||
        !two_digits(p + 23, 60)) {
        bad = 5;
        goto fail;
    }
    if (memcmp(p + 26, "GMT", 3) != 0) {
        bad = 26;
        goto fail;
    }
    return VS_OK;
fail:
    if (err_off)
        *err_off = lead + bad;
    return VS_E_PARSE;
}
