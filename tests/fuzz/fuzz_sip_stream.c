/* libFuzzer target: stream framing (vs_sip_stream_frame) as a TCP/TLS reader uses it.
 *
 * 1. The whole input is framed message after message; every result is range-checked.
 * 2. A reader that receives the same bytes in two segments, split at an offset derived from the
 *    data (and, for small inputs, at every offset), frames what it has after each segment, the
 *    way a reassembler does. The messages it cuts and the final state (waiting for more bytes, or
 *    broken stream) must be exactly those of framing the whole at once.
 * 3. Prefix monotonicity: a message complete in a prefix keeps its length in the whole; a prefix
 *    that cannot be framed cannot be framed with more bytes either.
 * Each call sees a malloc'd buffer of exactly the bytes available, so a read past them faults. */
#include <voipsec/sip.h>

#include "fuzz_common.h"

const char *const vs_fuzz_corpus_dirs[] = {"rfc4475", "fuzz-seeds/pjsip-sip",
                                           "fuzz-seeds/pjsip-sip-dialog", NULL};

#define MAX_FRAMES 512

typedef struct framing {
    size_t n;                 /* messages cut */
    size_t len[MAX_FRAMES];   /* their lengths, in order */
    size_t skip[MAX_FRAMES];
    long end;                 /* VS_E_INCOMPLETE, VS_E_PARSE, or 0 when all bytes were framed */
    size_t consumed;          /* bytes covered by the messages cut */
} framing;

/* vs_sip_stream_frame on a fresh exact-size copy of p[0..n). */
static long frame_exact(const char *p, size_t n, size_t max_header, size_t *skip)
{
    char *copy = vs_fuzz_dup((const uint8_t *)p, n);
    *skip = (size_t)-1;
    long r = vs_sip_stream_frame(copy, n, max_header, skip);
    free(copy);
    VS_FUZZ_CHECK(r == VS_E_INCOMPLETE || r == VS_E_PARSE || (r > 0 && (size_t)r <= n));
    if (r > 0)
        VS_FUZZ_CHECK(*skip <= (size_t)r);
    return r;
}

/* Frames buf[f->consumed..avail) as far as possible, appending to f. Returns false when the
 * stream broke (VS_E_PARSE) or the frame table is full, i.e. when a reader would stop. */
static bool frame_more(framing *f, const char *buf, size_t avail, size_t max_header)
{
    while (f->consumed < avail) {
        if (f->n == MAX_FRAMES) {
            f->end = VS_E_LIMIT;
            return false;
        }
        size_t skip;
        long r = frame_exact(buf + f->consumed, avail - f->consumed, max_header, &skip);
        if (r < 0) {
            f->end = r;
            return r != VS_E_PARSE;
        }
        f->len[f->n] = (size_t)r;
        f->skip[f->n] = skip;
        f->n++;
        f->consumed += (size_t)r;
    }
    f->end = 0;
    return true;
}

static void frame_split(framing *f, const char *buf, size_t size, size_t cut, size_t max_header)
{
    f->n = 0;
    f->consumed = 0;
    f->end = 0;
    if (frame_more(f, buf, cut, max_header))
        frame_more(f, buf, size, max_header);
}

static void same_framing(const framing *a, const framing *b)
{
    VS_FUZZ_CHECK(a->n == b->n);
    VS_FUZZ_CHECK(a->end == b->end);
    VS_FUZZ_CHECK(a->consumed == b->consumed);
    for (size_t i = 0; i < a->n; i++) {
        VS_FUZZ_CHECK(a->len[i] == b->len[i]);
        VS_FUZZ_CHECK(a->skip[i] == b->skip[i]);
    }
}

static framing whole, split;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = vs_fuzz_dup(data, size);

    /* Parameters from the data's last bytes, so that the fuzzer steers them. */
    unsigned t0 = size > 0 ? (unsigned char)buf[size - 1] : 0;
    unsigned t1 = size > 1 ? (unsigned char)buf[size - 2] : 0;
    size_t max_header = (t0 & 1) ? 16 + 4 * (size_t)(t1 ^ (t0 >> 1)) : 65536;
    size_t cut = size ? ((size_t)t0 << 8 | t1) % (size + 1) : 0;

    /* 1. The whole input at once. */
    whole.n = 0;
    whole.consumed = 0;
    frame_more(&whole, buf, size, max_header);

    /* 2. Two segments, split at cut; for small inputs at every offset. */
    frame_split(&split, buf, size, cut, max_header);
    same_framing(&whole, &split);
    if (size <= 256) {
        for (size_t k = 0; k <= size; k++) {
            frame_split(&split, buf, size, k, max_header);
            same_framing(&whole, &split);
        }
    }

    /* 3. The first message against the prefix ending at cut. */
    size_t skip_p, skip_w;
    long rp = frame_exact(buf, cut, max_header, &skip_p);
    long rw = frame_exact(buf, size, max_header, &skip_w);
    if (rp > 0)
        VS_FUZZ_CHECK(rw == rp && skip_w == skip_p);
    if (rp == VS_E_PARSE)
        VS_FUZZ_CHECK(rw == VS_E_PARSE);

    /* A second, unrelated bound on the header section must not change complete results. */
    if (rw > 0 && max_header != 65536) {
        long r2 = frame_exact(buf, size, 65536, &skip_p);
        VS_FUZZ_CHECK(r2 == rw);
    }

    free(buf);
    return 0;
}
