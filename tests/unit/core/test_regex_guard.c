/* The guard in front of regcomp for user-written patterns (src/core/regex_guard.c): the
 * patterns voipsec's data files use pass; patterns that make glibc's compiler blow up, or that
 * POSIX leaves undefined, are refused with a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/regex_guard.h"

static void accepts_the_patterns_data_files_use(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "^Yealink (SIP-)?([A-Z0-9_-]+) ([0-9.]+)",
        "^UCM62[0-9]{2}$",
        "^(mitel[ _-]?|aastra[ _-]?)?(68[0-9]{2}i|69(05|10|15|20|30|40)w?|6970)$",
        "^CP-?(68|78|88)[0-9]{2}-3PCC$",
        "[[:alpha:]]+[]a-z]*\\+\\+",
        "a{1,16}",
        "",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char why[96] = "";
        assert_true(vs__regex_guard(ok[i], why, sizeof why));
        assert_string_equal(why, "");
    }
}

static void refuses_what_blows_up(void **state)
{
    (void)state;
    static const struct {
        const char *pattern;
        const char *reason;
    } bad[] = {
        {"E\\PBX +++++++++([0-9.]+)", "another"},
        {"a*+", "another"},
        {"a{2}+", "another"},
        {"a{17}", "above 16"},
        {"a{1,100}", "above 16"},
        {"a{2,}", "open-ended"},
        {"a{,3}", "without a number"},
        {"a{3", "not closed"},
        {"(a{2})(b{2})(c{2})(d{2})(e{2})", "more than 4"},
        {"(((((((((a)))))))))", "deeper than 8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[96] = "";
        assert_false(vs__regex_guard(bad[i].pattern, why, sizeof why));
        if (!strstr(why, bad[i].reason))
            fail_msg("%s: reason '%s' lacks '%s'", bad[i].pattern, why, bad[i].reason);
    }
    char longp[300];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_false(vs__regex_guard(longp, NULL, 0));
    assert_false(vs__regex_guard(NULL, NULL, 0));
}

static void brackets_and_escapes_are_not_operators(void **state)
{
    (void)state;
    /* '+' inside a bracket or escaped is a character, so what follows may repeat it */
    assert_true(vs__regex_guard("[+*?{]+", NULL, 0));
    assert_true(vs__regex_guard("\\++", NULL, 0));
    assert_true(vs__regex_guard("[[:digit:]{]*", NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_the_patterns_data_files_use),
        cmocka_unit_test(refuses_what_blows_up),
        cmocka_unit_test(brackets_and_escapes_are_not_operators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
