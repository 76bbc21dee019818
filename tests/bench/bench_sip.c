/* SIP parse throughput of voipsec against libosip2, on one realistic message mix (mix.c).
 *
 * Four parsers run over the same few thousand distinct messages, held back to back in one buffer:
 *   (a) vs_sip_parse with VS_SIP_OPT_LAZY (framing: start line, header lines, body)
 *   (b) vs_sip_parse strict (default options: framing plus every per-header check)
 *   (c) libosip2 osip_message_parse (init/parse/free per message, as its users do)
 *   (d) vs_sip_stream_frame over the concatenated buffer, as a TCP reader would
 * A first untimed round records which messages each parser accepts; voipsec must accept every
 * message libosip2 accepts, and the stream framer must cut exactly the generated messages.
 * Timed rounds then repeat until --seconds have passed (or --max-rounds). Prints messages/s and
 * MB/s per parser, the ratio of (a) and (b) to (c), peak RSS, and one "summary:" line for
 * scripts/bench.sh. Exit status: 0, 1 when the acceptance check fails, 2 on a usage error.
 *
 * libosip2 is linked into this benchmark only, never into the library or the CLI. */
#define _POSIX_C_SOURCE 200809L

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <voipsec/sip.h>

#include "mix.h"

typedef enum parser_id { P_LAZY, P_STRICT, P_OSIP, P_STREAM, P__COUNT } parser_id;

static const char *const parser_names[P__COUNT] = {
    "(a) voipsec vs_sip_parse lazy",
    "(b) voipsec vs_sip_parse strict",
    "(c) libosip2 osip_message_parse",
    "(d) voipsec vs_sip_stream_frame",
};

typedef struct result {
    double secs;
    uint64_t msgs, bytes, rounds;
    size_t accepted; /* in the checking round */
} result;

static volatile uint64_t sink;
static vs_sip_header headers[VS_SIP_DEFAULT_HEADERS];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0.0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

/* Parses message i with parser p; returns 1 when accepted. */
static int parse_one(parser_id p, const bench_mix *mix, size_t i)
{
    const char *m = mix->buf + mix->off[i];
    size_t n = mix->mlen[i];
    vs_sip_msg msg;
    long r;
    switch (p) {
    case P_LAZY:
        r = vs_sip_parse(m, n, &msg, headers, VS_SIP_DEFAULT_HEADERS, VS_SIP_OPT_LAZY);
        if (r <= 0)
            return 0;
        sink += msg.header_count;
        return 1;
    case P_STRICT:
        r = vs_sip_parse(m, n, &msg, headers, VS_SIP_DEFAULT_HEADERS, 0);
        if (r <= 0)
            return 0;
        sink += msg.header_count;
        return msg.valid;
    case P_OSIP: {
        osip_message_t *sip = NULL;
        if (osip_message_init(&sip) != 0)
            return 0;
        int rc = osip_message_parse(sip, m, n);
        sink += (uint64_t)sip->status_code;
        osip_message_free(sip);
        return rc == 0;
    }
    default:
        return 0;
    }
}

/* One pass of the stream framer over the whole buffer; returns the number of messages cut and
 * stores their count of mismatches with the generated boundaries in *mismatch (when not NULL). */
static size_t frame_stream(const bench_mix *mix, size_t *mismatch)
{
    size_t pos = 0, k = 0, bad = 0;
    while (pos < mix->len) {
        size_t skip = 0;
        long r = vs_sip_stream_frame(mix->buf + pos, mix->len - pos, 65536, &skip);
        if (r <= 0)
            break;
        if (mismatch && (k >= mix->count || mix->off[k] != pos || mix->mlen[k] != (size_t)r))
            bad++;
        sink += skip;
        pos += (size_t)r;
        k++;
    }
    if (mismatch)
        *mismatch = bad + (pos != mix->len);
    return k;
}

static void print_issues(const bench_mix *mix, size_t i)
{
    const char *m = mix->buf + mix->off[i];
    vs_sip_msg msg;
    vs_sip_parse(m, mix->mlen[i], &msg, headers, VS_SIP_DEFAULT_HEADERS, 0);
    fprintf(stderr, "  message %zu (%s, %zu bytes):", i, bench_kind_name(mix->kind[i]),
            mix->mlen[i]);
    for (size_t k = 0; k < msg.issue_count; k++) {
        uint32_t off = msg.issues[k].offset;
        size_t end = off;
        while (end < mix->mlen[i] && m[end] != '\r' && end - off < 60)
            end++;
        fprintf(stderr, " %s@%u \"%.*s\"", vs_sip_issue_id(msg.issues[k].code), (unsigned)off,
                (int)(end - off), m + off);
    }
    fprintf(stderr, "\n");
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--messages N] [--seconds S] [--max-rounds R] [--seed X]\n"
            "  --messages N    distinct messages in the mix (default 4000)\n"
            "  --seconds S     timed seconds per parser, at least (default 2)\n"
            "  --max-rounds R  at most R passes over the mix per parser (default 100000)\n"
            "  --seed X        generator seed (default 1)\n",
            argv0);
}

int main(int argc, char **argv)
{
    size_t want = 4000;
    double seconds = 2.0;
    unsigned long long max_rounds = 100000, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *end = NULL;
        if (i + 1 >= argc) {
            usage(argv[0]);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--messages") == 0)
            want = (size_t)strtoull(v, &end, 10);
        else if (strcmp(a, "--seconds") == 0)
            seconds = strtod(v, &end);
        else if (strcmp(a, "--max-rounds") == 0)
            max_rounds = strtoull(v, &end, 10);
        else if (strcmp(a, "--seed") == 0)
            seed = strtoull(v, &end, 0);
        if (end == NULL || *end != '\0' || want == 0 || want > 1000000 || !(seconds > 0) ||
            seconds > 3600 || max_rounds == 0) {
            usage(argv[0]);
            return 2;
        }
    }

    bench_mix mix;
    if (bench_mix_build(&mix, want, seed) != 0) {
        fprintf(stderr, "bench_sip: out of memory building the mix\n");
        return 1;
    }
    parser_init();

    printf("bench_sip: %zu distinct messages, %.2f MB (%.0f bytes/message), seed %llu\n",
           mix.count, (double)mix.len / 1e6, (double)mix.len / (double)mix.count, seed);
    printf("  mix:");
    for (int k = 0; k < MIX__COUNT; k++)
        printf(" %s %zu%s", bench_kind_name((bench_kind)k), mix.per_kind[k],
               k + 1 < MIX__COUNT ? "," : "\n");

    /* Checking round (untimed; also warms caches). */
    result res[P__COUNT];
    memset(res, 0, sizeof res);
    unsigned char *acc = calloc(mix.count, P__COUNT);
    if (acc == NULL) {
        fprintf(stderr, "bench_sip: out of memory\n");
        bench_mix_free(&mix);
        return 1;
    }
    for (size_t i = 0; i < mix.count; i++)
        for (int p = P_LAZY; p <= P_OSIP; p++) {
            acc[i * P__COUNT + (size_t)p] = (unsigned char)parse_one((parser_id)p, &mix, i);
            res[p].accepted += acc[i * P__COUNT + (size_t)p];
        }
    size_t stream_mismatch = 0;
    res[P_STREAM].accepted = frame_stream(&mix, &stream_mismatch);

    /* Timed rounds. */
    for (int p = 0; p < P__COUNT; p++) {
        double t0 = now(), t;
        uint64_t rounds = 0;
        do {
            if (p == P_STREAM) {
                res[p].msgs += frame_stream(&mix, NULL);
            } else {
                for (size_t i = 0; i < mix.count; i++)
                    parse_one((parser_id)p, &mix, i);
                res[p].msgs += mix.count;
            }
            res[p].bytes += mix.len;
            rounds++;
            t = now() - t0;
        } while (t < seconds && rounds < max_rounds);
        res[p].secs = t;
        res[p].rounds = rounds;
    }

    printf("  %-34s %14s %10s %11s %8s %8s\n", "parser", "messages/s", "MB/s", "accepted",
           "rounds", "seconds");
    double mps[P__COUNT], mbs[P__COUNT];
    for (int p = 0; p < P__COUNT; p++) {
        mps[p] = res[p].secs > 0 ? (double)res[p].msgs / res[p].secs : 0;
        mbs[p] = res[p].secs > 0 ? (double)res[p].bytes / 1e6 / res[p].secs : 0;
        printf("  %-34s %14.0f %10.1f %5zu/%-5zu %8llu %8.2f\n", parser_names[p], mps[p], mbs[p],
               res[p].accepted, mix.count, (unsigned long long)res[p].rounds, res[p].secs);
    }
    double r_lazy = mps[P_OSIP] > 0 ? mps[P_LAZY] / mps[P_OSIP] : 0;
    double r_strict = mps[P_OSIP] > 0 ? mps[P_STRICT] / mps[P_OSIP] : 0;
    double rss = peak_rss_mb();
    printf("  ratio against libosip2: lazy %.1fx, strict %.1fx\n", r_lazy, r_strict);
    printf("  peak RSS: %.1f MB (whole process, libosip2 included)\n", rss);

    /* Acceptance: voipsec must take every message libosip2 takes. */
    size_t rej_lazy = 0, rej_strict = 0, shown = 0;
    for (size_t i = 0; i < mix.count; i++) {
        const unsigned char *a = acc + i * P__COUNT;
        if (!a[P_OSIP])
            continue;
        rej_lazy += !a[P_LAZY];
        rej_strict += !a[P_STRICT];
        if ((!a[P_LAZY] || !a[P_STRICT]) && shown < 5) {
            if (shown++ == 0)
                fprintf(stderr, "bench_sip: voipsec rejects messages libosip2 accepts:\n");
            print_issues(&mix, i);
        }
    }
    int fail = rej_lazy || rej_strict || stream_mismatch;
    int agree = res[P_LAZY].accepted == mix.count && res[P_STRICT].accepted == mix.count &&
                res[P_OSIP].accepted == mix.count && res[P_STREAM].accepted == mix.count &&
                !stream_mismatch;
    printf("  accepted: lazy %zu, strict %zu, libosip2 %zu, stream %zu of %zu%s\n",
           res[P_LAZY].accepted, res[P_STRICT].accepted, res[P_OSIP].accepted,
           res[P_STREAM].accepted, mix.count, agree ? "  (all agree)" : "  (counts differ)");
    if (rej_lazy || rej_strict)
        fprintf(stderr, "bench_sip: FAIL: %zu (lazy) / %zu (strict) messages rejected that "
                        "libosip2 accepts\n", rej_lazy, rej_strict);
    if (stream_mismatch)
        fprintf(stderr, "bench_sip: FAIL: stream framing differs from the generated boundaries "
                        "(%zu mismatches)\n", stream_mismatch);
    if (res[P_OSIP].accepted != mix.count)
        fprintf(stderr, "bench_sip: note: libosip2 rejected %zu generated messages\n",
                mix.count - res[P_OSIP].accepted);

    printf("summary: strict %.0f msg/s %.0f MB/s (%.1fx libosip2), lazy %.0f msg/s %.0f MB/s "
           "(%.1fx), stream %.0f MB/s, libosip2 %.0f msg/s %.0f MB/s, peak RSS %.1f MB, %s\n",
           mps[P_STRICT], mbs[P_STRICT], r_strict, mps[P_LAZY], mbs[P_LAZY], r_lazy,
           mbs[P_STREAM], mps[P_OSIP], mbs[P_OSIP], rss, fail ? "CHECK FAILED" : "check ok");

    free(acc);
    bench_mix_free(&mix);
    return fail ? 1 : 0;
}
