/* Private helpers shared by the SDP files (sdp_parse.c, sdp_crypto.c, multipart.c). Not part of
 * the public API: names carry the vs__ prefix and nothing here is exported. */
#ifndef VS_SDP_INTERNAL_H
#define VS_SDP_INTERNAL_H

#include <voipsec/sdp.h>

static inline bool vs__sdp_is_sp(char c)
{
    return c == ' ' || c == '\t';
}

/* Next whitespace-separated field of *rest; *rest moves past it. RFC 8866 wants exactly one SP
 * between fields; runs of SP/HT are accepted because real stacks emit them and they change no
 * meaning. Returns an empty slice when nothing is left. */
static inline vs_slice vs__sdp_next_field(vs_slice *rest)
{
    size_t i = 0;
    while (i < rest->len && vs__sdp_is_sp(rest->ptr[i]))
        i++;
    size_t start = i;
    while (i < rest->len && !vs__sdp_is_sp(rest->ptr[i]))
        i++;
    if (i == 0)
        return vs_slice_make(rest->ptr, 0); /* no pointer arithmetic on a NULL empty slice */
    vs_slice f = vs_slice_make(rest->ptr + start, i - start);
    rest->ptr += i;
    rest->len -= i;
    return f;
}

/* Parses s as 1*DIGIT no larger than max. false for empty text, any non-digit or a value above
 * max; the check happens before each multiply, so nothing can wrap. */
static inline bool vs__sdp_parse_uint(vs_slice s, uint64_t max, uint64_t *out)
{
    if (s.len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < '0' || c > '9')
            return false;
        unsigned d = c - '0';
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Parses the value of an a=crypto attribute (the text after "crypto:") into *out, which is
 * overwritten. Returns true when the line is usable for SRTP: a 1-9 digit tag, a known suite and
 * every inline: key of the right decoded length. Never copies or decodes key bytes anywhere. */
bool vs__sdp_crypto_parse(vs_slice value, vs_sdp_crypto *out);

/* Sets m->reason and m->encrypted from the finished media section (inherited fields already
 * filled in). any_usable: some a=crypto line, kept or past the cap, was usable. */
void vs__sdp_verdict(vs_sdp_media *m, bool any_usable);

#endif
