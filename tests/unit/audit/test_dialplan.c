/* vs__dialplan_reach on tricky dialplans: include cycles, Goto chains, FILTER(), local-only Dial,
 * macros and Gosub arguments, [globals] technologies, bounded depth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit/check.h"


static vs_conf *load(const char *text)
{
    vs_conf *c = NULL;
    char err[256] = "";
    vs_rc rc =
        vs_conf_asterisk_load_mem("extensions.conf", text, strlen(text), NULL, &c, err, sizeof err);
    if (rc != VS_OK)
        fprintf(stderr, "load: %s\n", err);
    assert_int_equal(rc, VS_OK);
    assert_non_null(c);
    return c;
}

static vs__dial_reach reach(const char *text, const char *ctx)
{
    vs_conf *c = load(text);
    vs__dial_reach r;
    vs__dialplan_reach(c, ctx, &r);
    /* where points into c: keep only its line for the checks below */
    static vs_conf_entry where;
    if (r.where) {
        where = *r.where;
        where.key = where.value = where.text = where.file = "";
        r.where = &where;
    }
    vs_conf_free(c);
    return r;
}

static unsigned line_of(const vs__dial_reach *r)
{
    return r->where ? r->where->line : 0;
}

static void test_goto_chain_to_international(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[from-trunk]\n"
                             "exten => _X.,1,NoOp(in)\n"
                             " same => n,Goto(outbound,${EXTEN},1)\n"
                             "[outbound]\n"
                             "exten => _1NXXNXXXXXX,1,Dial(PJSIP/${EXTEN}@itsp)\n"
                             "exten => _00.,1,Dial(PJSIP/${EXTEN}@itsp)\n",
                             "from-trunk");
    assert_true(r.outbound);
    assert_true(r.international);
    assert_true(r.unfiltered);
    assert_int_equal(line_of(&r), 6);
}

static void test_include_cycle(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[a]\ninclude => b\nexten => 100,1,Dial(PJSIP/100)\n"
                             "[b]\ninclude => a\ninclude => c\n"
                             "[c]\ninclude => b\n"
                             "exten => _011.,1,Dial(SIP/provider/${EXTEN})\n",
                             "a");
    assert_true(r.outbound);
    assert_true(r.international);
    assert_int_equal(line_of(&r), 9);
    /* a self-include ends too */
    r = reach("[x]\ninclude => x\nexten => 1,1,Hangup()\n", "x");
    assert_false(r.outbound);
    assert_null(r.where);
}

static void test_filter_used(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[out]\n"
                             "exten => _X.,1,Set(NUM=${FILTER(0-9,${EXTEN})})\n"
                             " same => n,Dial(PJSIP/${NUM}@itsp)\n",
                             "out");
    assert_true(r.outbound);
    assert_true(r.international); /* _X. still reaches 00... numbers */
    assert_false(r.unfiltered);
    r = reach("[out]\nexten => _X.,1,Dial(PJSIP/${FILTER(0-9,${EXTEN})}@itsp)\n", "out");
    assert_false(r.unfiltered);
    assert_true(r.international);
}

static void test_local_only(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[phones]\n"
                             "exten => _1XXX,1,Dial(PJSIP/${EXTEN},20)\n"
                             "exten => 2000,1,Dial(PJSIP/alice&PJSIP/bob)\n"
                             "exten => 2001,1,Dial(SIP/1001)\n"
                             "exten => 2002,1,Dial(DAHDI/1)\n",
                             "phones");
    assert_false(r.outbound);
    assert_false(r.international);
    assert_false(r.unfiltered);
    assert_null(r.where);
    /* a broad pattern into a local device: no trunk, but injectable (500&PJSIP/itsp/...) */
    r = reach("[phones]\nexten => _X.,1,Dial(PJSIP/${EXTEN})\n", "phones");
    assert_false(r.outbound);
    assert_true(r.unfiltered);
    assert_int_equal(line_of(&r), 2);
}

static void test_national_only(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[out]\n"
                             "exten => _1NXXNXXXXXX,1,Dial(PJSIP/${EXTEN}@itsp)\n"
                             "exten => _NXXNXXXXXX,1,Dial(PJSIP/1${EXTEN}@itsp)\n"
                             "exten => _900NXXXXXX,1,Dial(PJSIP/${EXTEN}@itsp)\n"
                             "exten => 0044201234567,1,Dial(PJSIP/0044201234567@itsp)\n",
                             "out");
    assert_true(r.outbound);
    assert_false(r.international);
    assert_false(r.unfiltered);
    assert_int_equal(line_of(&r), 2);
}

static void test_international_patterns(void **state)
{
    (void)state;
    const char *yes[] = {"_X.",   "_.",     "_!",   "_0.",           "_00X.",
                         "_011.", "_9011.", "_+X.", "_00XXXXXXXXXX", "_[+0]X.",
                         "_9.",   "_900.",  "_Z.",  "_011XXXXXXXXX", "_0[0-1]XXXXXXXXX"};
    const char *no[] = {"_NXXNXXXXXX", "_1NXXNXXXXXX", "_1XXX",   "1001",           "s",
                        "_900NXXXXXX", "_00X",         "_[1-8].", "_0[1-9]XXXXXXXX"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!vs__dialplan_pattern_international(yes[i]))
            fail_msg("%s should be international", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (vs__dialplan_pattern_international(no[i]))
            fail_msg("%s should not be international", no[i]);
    }
    assert_false(vs__dialplan_pattern_international("_1-NXX."));
    assert_true(vs__dialplan_pattern_broad("_X."));
    assert_true(vs__dialplan_pattern_broad("_1!"));
    assert_false(vs__dialplan_pattern_broad("_NXXNXXXXXX"));
    assert_false(vs__dialplan_pattern_broad("_[.]XX"));
    assert_false(vs__dialplan_pattern_broad("1001"));
    assert_false(vs__dialplan_pattern_broad(NULL));
}

static void test_goto_literal_exten_only(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[in]\n"
                             "exten => s,1,Goto(internal,1001,1)\n"
                             "[internal]\n"
                             "exten => 1001,1,Dial(PJSIP/1001)\n"
                             "exten => _00.,1,Dial(PJSIP/${EXTEN}@itsp)\n",
                             "in");
    assert_false(r.outbound);
    /* the same jump to a number the international route matches */
    r = reach("[in]\nexten => s,1,Goto(internal,0044,1)\n"
              "[internal]\nexten => _00.,1,Dial(PJSIP/${EXTEN}@itsp)\n",
              "in");
    assert_true(r.outbound);
    /* a dynamic context is not followed */
    r = reach("[in]\nexten => _X.,1,Goto(${DEST},${EXTEN},1)\n"
              "[internal]\nexten => _00.,1,Dial(PJSIP/${EXTEN}@itsp)\n",
              "in");
    assert_false(r.outbound);
}

static void test_gotoif_and_local(void **state)
{
    (void)state;
    vs__dial_reach r =
        reach("[in]\n"
              "exten => _X.,1,GotoIf($[${LEN(${EXTEN})} > 4]?long,${EXTEN},1:short,${EXTEN},1)\n"
              "[long]\nexten => _X.,1,Hangup()\n"
              "[short]\nexten => _X.,1,Dial(DAHDI/g0/${EXTEN})\n",
              "in");
    assert_true(r.outbound);
    assert_true(r.international);
    assert_int_equal(line_of(&r), 6);
    r = reach("[in]\nexten => _X.,1,Dial(Local/${EXTEN}@trunkout/n,30)\n"
              "[trunkout]\nexten => _+X.,1,Dial(IAX2/provider/${EXTEN:1})\n",
              "in");
    assert_true(r.international);
    assert_int_equal(line_of(&r), 4);
}

static void test_macro_and_gosub_arguments(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[out]\n"
                             "exten => _X.,1,Macro(dialout,${EXTEN})\n"
                             "[macro-dialout]\n"
                             "exten => s,1,Dial(SIP/provider/${ARG1})\n",
                             "out");
    assert_true(r.international);
    assert_true(r.unfiltered);
    r = reach("[out]\n"
              "exten => _X.,1,Gosub(sub-dial,s,1(${FILTER(0-9,${EXTEN})}))\n"
              "[sub-dial]\n"
              "exten => s,1,Dial(PJSIP/${ARG1}@itsp)\n"
              " same => n,Return()\n",
              "out");
    assert_true(r.international);
    assert_false(r.unfiltered);
    r = reach("[out]\nexten => _X.,1,Macro(dialout)\n"
              "[macro-dialout]\nexten => s,1,Dial(PJSIP/${MACRO_EXTEN}@itsp)\n",
              "out");
    assert_true(r.unfiltered);
}

static void test_globals_and_switch(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[globals]\nTRUNK=PJSIP/itsp\n"
                             "[out]\nexten => _9011.,1,Dial(${TRUNK}/${EXTEN:1})\n",
                             "out");
    assert_true(r.outbound);
    assert_true(r.international);
    r = reach("[out]\nexten => _9.,1,Dial(${OUT_1}/${EXTEN:1})\n", "out");
    assert_true(r.international);
    r = reach("[out]\nswitch => IAX2/user@remote/context\n", "out");
    assert_true(r.outbound);
    assert_false(r.international);
    r = reach("[out]\nexten => _NXXXXXX,1,Dial(PJSIP/00${EXTEN}@itsp)\n", "out");
    assert_true(r.international);
}

static void test_system_and_hints(void **state)
{
    (void)state;
    vs__dial_reach r = reach("[x]\nexten => 100,hint,PJSIP/100@itsp\n"
                             "exten => _X.,1,System(/usr/local/bin/log ${EXTEN})\n",
                             "x");
    assert_false(r.outbound);
    assert_true(r.unfiltered);
    assert_int_equal(line_of(&r), 3);
}

static void test_bounded(void **state)
{
    (void)state;
    char buf[16384];
    size_t o = 0;
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o,
                              "[c%d]\ninclude => c%d\nexten => _X.,1,Goto(c%d,${EXTEN},1)\n", i,
                              i + 1, (i * 7) % 100);
    snprintf(buf + o, sizeof buf - o, "[c100]\nexten => _00.,1,Dial(PJSIP/${EXTEN}@itsp)\n");
    vs__dial_reach r = reach(buf, "c0"); /* ends, whatever the bound lets through */
    r = reach(buf, "c90");
    assert_true(r.international);
    vs__dialplan_reach(NULL, "x", &r);
    assert_false(r.outbound);
    assert_null(r.where);
    r = reach("[a]\nexten => 1,1,Dial(PJSIP/1)\n", "nonexistent");
    assert_false(r.outbound);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goto_chain_to_international),
        cmocka_unit_test(test_include_cycle),
        cmocka_unit_test(test_filter_used),
        cmocka_unit_test(test_local_only),
        cmocka_unit_test(test_national_only),
        cmocka_unit_test(test_international_patterns),
        cmocka_unit_test(test_goto_literal_exten_only),
        cmocka_unit_test(test_gotoif_and_local),
        cmocka_unit_test(test_macro_and_gosub_arguments),
        cmocka_unit_test(test_globals_and_switch),
        cmocka_unit_test(test_system_and_hints),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
