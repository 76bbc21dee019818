/* Benchmark input: a realistic mix of SIP messages generated in code.
 *
 * The mix follows what a monitor on a small PBX sees: registrations with digest challenges, calls
 * (plain RTP/AVP and SRTP RTP/SAVP with a=crypto) through a record-routing proxy, provisional and
 * final responses, in-dialog ACK/BYE, MWI NOTIFYs and scanner OPTIONS answered with 404. Call-IDs,
 * tags, branches, addresses, users and nonces vary per message. Generation is deterministic for a
 * given seed. All messages are well-formed RFC 3261 with CRLF line ends and exact Content-Length,
 * stored back to back in one buffer (which is also a valid TCP stream of them). */
#ifndef VS_BENCH_MIX_H
#define VS_BENCH_MIX_H

#include <stddef.h>
#include <stdint.h>

typedef enum bench_kind {
    MIX_REGISTER,
    MIX_REGISTER_AUTH,
    MIX_401,
    MIX_200_REGISTER,
    MIX_INVITE_AVP,
    MIX_INVITE_SAVP,
    MIX_100,
    MIX_180,
    MIX_200_INVITE,
    MIX_ACK,
    MIX_BYE,
    MIX_200_BYE,
    MIX_OPTIONS_SCAN,
    MIX_404,
    MIX_NOTIFY,
    MIX_200_NOTIFY,
    MIX__COUNT
} bench_kind;

typedef struct bench_mix {
    char *buf;         /* all messages back to back; malloc'd, owned by the mix */
    size_t len;        /* bytes in buf */
    size_t *off;       /* message i is buf[off[i] .. off[i] + mlen[i]) */
    size_t *mlen;
    uint8_t *kind;     /* bench_kind of message i */
    size_t count;
    size_t per_kind[MIX__COUNT];
} bench_mix;

/* Short label of a kind ("INVITE/SAVP"); static storage. */
const char *bench_kind_name(bench_kind k);

/* Generates at least count messages (whole scenarios, so a few more may be added). Returns 0, or
 * -1 on out-of-memory (mix left empty). Free with bench_mix_free. */
int bench_mix_build(bench_mix *mix, size_t count, uint64_t seed);
void bench_mix_free(bench_mix *mix);

#endif
