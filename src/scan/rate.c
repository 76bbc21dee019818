/* The pacer: a token bucket. Tokens accrue at `rate` per second, with
 * burst = max(1, floor(rate / 100)): after an idle spell at most ~10 ms worth of probes leave at
 * once, so the send pattern stays smooth at every rate (masscan's throttler does the same). The
 * bucket holds up to burst + 1 - 2^-20 tokens, so that at most `burst` whole tokens can be taken
 * at once while the fraction of a token accrued since the last one is never thrown away (a plain
 * cap at `burst` would lose it on every late poll and run slow when burst is 1).
 * A rate that is not a positive number means no limit. Time is passed in, so the pacer is tested
 * with an injected clock; vs__now_ns is the monotonic clock the engine uses. */
#define _GNU_SOURCE
#include <math.h>
#include <time.h>

#include "scan/scan_internal.h"

void vs__pacer_init(vs__pacer *p, double rate, int64_t now_ns)
{
    if (!p)
        return;
    p->rate = (rate > 0 && isfinite(rate)) ? rate : 0;
    p->burst = p->rate / 100.0 > 1.0 ? floor(p->rate / 100.0) : 1.0;
    p->tokens = p->burst;
    p->last_ns = now_ns;
}

bool vs__pacer_take(vs__pacer *p, int64_t now_ns, int64_t *wait_ns)
{
    if (p->rate <= 0) {
        if (wait_ns)
            *wait_ns = 0;
        return true;
    }
    if (now_ns > p->last_ns) {
        p->tokens += (double)(now_ns - p->last_ns) * p->rate / 1e9;
        double cap = p->burst + 1.0 - 1.0 / 1048576.0;
        if (p->tokens > cap)
            p->tokens = cap;
        p->last_ns = now_ns;
    }
    if (p->tokens >= 1.0) {
        p->tokens -= 1.0;
        if (wait_ns)
            *wait_ns = 0;
        return true;
    }
    if (wait_ns) {
        double w = ceil((1.0 - p->tokens) * 1e9 / p->rate);
        *wait_ns = w < 1 ? 1 : (w > 9e18 ? INT64_MAX : (int64_t)w);
    }
    return false;
}

int64_t vs__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
