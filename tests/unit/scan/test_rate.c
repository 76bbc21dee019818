/* Unit tests of the scanner's pacer (src/scan/rate.c) with an injected clock: the long-run rate
 * is the configured one whatever the polling pattern, bursts never exceed max(1, rate/100), the
 * wait it announces is exact, and an idle spell or a clock step back gives no extra tokens. No
 * test here depends on wall-clock speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "scan/scan_internal.h"

#define SEC INT64_C(1000000000)

/* Polls the pacer over `seconds` of simulated time, advancing the clock by `step` ns between
 * polls (or by the announced wait when step is 0); returns the tokens taken. Also checks that no
 * window of one poll ever released more than burst tokens. */
static uint64_t run(double rate, double seconds, int64_t step)
{
    vs__pacer p;
    int64_t now = 1000 * SEC; /* an arbitrary monotonic origin */
    vs__pacer_init(&p, rate, now);
    int64_t end = now + (int64_t)(seconds * (double)SEC);
    uint64_t taken = 0;
    double burst = rate / 100 > 1 ? floor(rate / 100) : 1;
    for (uint64_t polls = 0; now < end && polls < 100000000; polls++) {
        int64_t wait = -1;
        uint64_t here = 0;
        while (vs__pacer_take(&p, now, &wait)) {
            here++;
            assert_int_equal(wait, 0);
            assert_true((double)here <= burst + 1e-9);
        }
        assert_true(wait > 0);
        taken += here;
        now += step ? step : wait;
    }
    return taken;
}

static void test_rate_accuracy(void **state)
{
    (void)state;
    static const double rates[] = {1, 7, 50, 200, 1000, 12345, 100000};
    static const int64_t steps[] = {0, 37 * 1000, 1000 * 1000, 3 * 1000 * 1000 + 17};
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        for (size_t j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
            double seconds = rates[i] >= 10000 ? 2 : 20;
            uint64_t n = run(rates[i], seconds, steps[j]);
            double burst = rates[i] / 100 > 1 ? floor(rates[i] / 100) : 1;
            double expect = rates[i] * seconds;
            /* the initial bucket gives at most one burst more; polling granularity one step's
             * worth less at the end */
            double slack = burst + 1 + (double)steps[j] * rates[i] / 1e9;
            if (fabs((double)n - expect) > slack)
                fail_msg("rate %g step %lld: %llu tokens in %g s, expected %g +- %g", rates[i],
                         (long long)steps[j], (unsigned long long)n, seconds, expect, slack);
        }
    }
}

static void test_burst_and_wait(void **state)
{
    (void)state;
    vs__pacer p;
    int64_t now = 5 * SEC, wait;
    vs__pacer_init(&p, 1000, now);
    assert_true(fabs(p.burst - 10) < 1e-9);
    for (int i = 0; i < 10; i++)
        assert_true(vs__pacer_take(&p, now, &wait));
    assert_false(vs__pacer_take(&p, now, &wait));
    assert_int_equal(wait, SEC / 1000);
    assert_false(vs__pacer_take(&p, now + wait - 1, &wait));
    assert_true(wait >= 1 && wait <= 2); /* 1 ns, give or take the rounding of doubles */
    assert_true(vs__pacer_take(&p, now + SEC / 1000, &wait));

    /* an hour idle: still one burst at most */
    now += 3600 * SEC;
    int n = 0;
    while (vs__pacer_take(&p, now, &wait) && n < 1000)
        n++;
    assert_int_equal(n, 10);

    /* low rates: burst of one */
    vs__pacer_init(&p, 50, now);
    assert_true(fabs(p.burst - 1) < 1e-9);
    assert_true(vs__pacer_take(&p, now, &wait));
    assert_false(vs__pacer_take(&p, now, &wait));
    assert_int_equal(wait, SEC / 50);
}

static void test_clock_back(void **state)
{
    (void)state;
    vs__pacer p;
    int64_t now = 10 * SEC, wait;
    vs__pacer_init(&p, 100, now);
    assert_true(vs__pacer_take(&p, now, &wait));
    /* going back in time gives nothing and does not move the origin back */
    assert_false(vs__pacer_take(&p, now - 5 * SEC, &wait));
    assert_false(vs__pacer_take(&p, now + SEC / 100 - 1, &wait));
    assert_true(vs__pacer_take(&p, now + SEC / 100, &wait));
}

static void test_unlimited(void **state)
{
    (void)state;
    vs__pacer p;
    int64_t wait = -1;
    vs__pacer_init(&p, 0, 0);
    for (int i = 0; i < 100000; i++)
        assert_true(vs__pacer_take(&p, 0, &wait));
    assert_int_equal(wait, 0);
    vs__pacer_init(&p, NAN, 0);
    assert_true(vs__pacer_take(&p, 0, NULL));
}

static void test_now_monotonic(void **state)
{
    (void)state;
    int64_t a = vs__now_ns();
    int64_t b = vs__now_ns();
    assert_true(a > 0);
    assert_true(b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_accuracy), cmocka_unit_test(test_burst_and_wait),
        cmocka_unit_test(test_clock_back),    cmocka_unit_test(test_unlimited),
        cmocka_unit_test(test_now_monotonic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
