/* Unit tests for the core helpers: slices, result codes and the version string.
 *
 * Slice inputs sit right before a PROT_NONE page (tests/support/guard.h), so a helper that reads
 * one byte past a slice faults at once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <voipsec/core.h>

#include "guard.h"

/* A guarded copy of a C string, as a slice (no terminating NUL in the copy). */
typedef struct gslice {
    char *buf;
    size_t len;
    vs_slice s;
} gslice;

static gslice gs(const char *text)
{
    gslice g;
    g.len = strlen(text);
    g.buf = vs_guard_copy(text, g.len);
    g.s = vs_slice_make(g.buf, g.len);
    return g;
}

static void gs_free(gslice *g)
{
    vs_guard_free(g->buf, g->len);
}

#define assert_slice(s, lit)                                                                       \
    do {                                                                                           \
        vs_slice s_ = (s);                                                                         \
        if (s_.len != strlen(lit) || (s_.len && memcmp(s_.ptr, (lit), s_.len) != 0))               \
            fail_msg("slice '%.*s' != '%s'", VS_SLICE_FMT(s_), (lit));                             \
    } while (0)

/* ---- slices ------------------------------------------------------------------------------ */

static void test_slice_make_and_macros(void **state)
{
    (void)state;
    static const char text[] = "hello";
    vs_slice s = vs_slice_make(text, 5);
    assert_ptr_equal(s.ptr, text);
    assert_int_equal(s.len, 5);
    vs_slice l = VS_LIT("abc");
    assert_int_equal(l.len, 3);
    assert_memory_equal(l.ptr, "abc", 3);
    vs_slice n = VS_SLICE_NULL;
    assert_null(n.ptr);
    assert_int_equal(n.len, 0);
    char out[16];
    snprintf(out, sizeof out, "[%.*s]", VS_SLICE_FMT(vs_slice_make(text + 1, 3)));
    assert_string_equal(out, "[ell]");
}

static void test_slice_eq(void **state)
{
    (void)state;
    gslice a = gs("Via"), b = gs("Via"), c = gs("via"), d = gs("Vi");
    assert_true(vs_slice_eq(a.s, b.s));
    assert_false(vs_slice_eq(a.s, c.s));
    assert_false(vs_slice_eq(a.s, d.s));
    assert_false(vs_slice_eq(d.s, a.s));
    /* empty slices are equal whatever their pointers, NULL included */
    assert_true(vs_slice_eq(VS_SLICE_NULL, vs_slice_make(a.buf, 0)));
    assert_true(vs_slice_eq(VS_SLICE_NULL, VS_SLICE_NULL));
    /* NUL bytes are data, not terminators */
    static const char z1[] = {'a', 0, 'b'}, z2[] = {'a', 0, 'c'};
    char *g1 = vs_guard_copy(z1, 3), *g2 = vs_guard_copy(z2, 3);
    assert_false(vs_slice_eq(vs_slice_make(g1, 3), vs_slice_make(g2, 3)));
    assert_true(vs_slice_eq(vs_slice_make(g1, 2), vs_slice_make(g2, 2)));
    vs_guard_free(g1, 3);
    vs_guard_free(g2, 3);
    gs_free(&a);
    gs_free(&b);
    gs_free(&c);
    gs_free(&d);
}

static void test_slice_caseeq(void **state)
{
    (void)state;
    gslice a = gs("Content-Length"), b = gs("cONTENT-lENGTH"), c = gs("Content_Length"),
           d = gs("Content-Lengt");
    assert_true(vs_slice_caseeq(a.s, b.s));
    assert_true(vs_slice_caseeq(b.s, a.s));
    assert_false(vs_slice_caseeq(a.s, c.s));
    assert_false(vs_slice_caseeq(a.s, d.s));
    assert_true(vs_slice_caseeq_str(b.s, "content-length"));
    assert_false(vs_slice_caseeq_str(d.s, "content-length"));
    assert_true(vs_slice_caseeq_str(VS_SLICE_NULL, ""));
    /* only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by 0x20 but are not letters */
    gslice e = gs("@["), f = gs("`{");
    assert_false(vs_slice_caseeq(e.s, f.s));
    /* bytes above 0x7f are compared exactly */
    static const char h1[] = {(char)0xC4}, h2[] = {(char)0xE4};
    char *g1 = vs_guard_copy(h1, 1), *g2 = vs_guard_copy(h2, 1);
    assert_false(vs_slice_caseeq(vs_slice_make(g1, 1), vs_slice_make(g2, 1)));
    vs_guard_free(g1, 1);
    vs_guard_free(g2, 1);
    gs_free(&a);
    gs_free(&b);
    gs_free(&c);
    gs_free(&d);
    gs_free(&e);
    gs_free(&f);
}

static void test_slice_trim(void **state)
{
    (void)state;
    gslice a = gs(" \t\r\n value with space \r\n\t ");
    vs_slice t = vs_slice_trim(a.s);
    assert_slice(t, "value with space");
    gslice b = gs(" \t\r\n");
    t = vs_slice_trim(b.s);
    assert_int_equal(t.len, 0);
    gslice c = gs("x");
    t = vs_slice_trim(c.s);
    assert_slice(t, "x");
    assert_ptr_equal(t.ptr, c.buf);
    t = vs_slice_trim(VS_SLICE_NULL);
    assert_int_equal(t.len, 0);
    /* vertical tab and NUL are not whitespace */
    static const char vt[] = {'\v', 'a', '\0'};
    char *g = vs_guard_copy(vt, 3);
    t = vs_slice_trim(vs_slice_make(g, 3));
    assert_int_equal(t.len, 3);
    vs_guard_free(g, 3);
    gs_free(&a);
    gs_free(&b);
    gs_free(&c);
}

/* ---- result codes ------------------------------------------------------------------------ */

static void test_rc_names_and_texts(void **state)
{
    (void)state;
    static const struct {
        int rc;
        const char *name;
    } all[] = {
        {VS_OK, "VS_OK"},
        {VS_E_NOMEM, "VS_E_NOMEM"},
        {VS_E_INVAL, "VS_E_INVAL"},
        {VS_E_PARSE, "VS_E_PARSE"},
        {VS_E_INCOMPLETE, "VS_E_INCOMPLETE"},
        {VS_E_LIMIT, "VS_E_LIMIT"},
        {VS_E_IO, "VS_E_IO"},
        {VS_E_NOTFOUND, "VS_E_NOTFOUND"},
    };
    const size_t n = sizeof all / sizeof all[0];
    const char *unknown_text = vs_rc_str(-1000);
    assert_non_null(unknown_text);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(vs_rc_name(all[i].rc), all[i].name);
        const char *t = vs_rc_str(all[i].rc);
        assert_non_null(t);
        assert_true(strlen(t) > 0);
        assert_string_not_equal(t, unknown_text);
        /* texts are distinct */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t, vs_rc_str(all[j].rc));
    }
    assert_string_equal(vs_rc_str(VS_E_PARSE), "input is not well-formed");
}

static void test_rc_unknown(void **state)
{
    (void)state;
    static const int bad[] = {1, 42, -8, -1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *name = vs_rc_name(bad[i]);
        const char *text = vs_rc_str(bad[i]);
        assert_non_null(name);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        assert_string_equal(name, "VS_E_UNKNOWN");
        assert_string_equal(text, vs_rc_str(-1000));
    }
}

static void test_version(void **state)
{
    (void)state;
    const char *v = vs_version();
    assert_non_null(v);
    assert_true(strlen(v) > 0);
    /* "major.minor.patch": starts with a digit and has a dot */
    assert_true(v[0] >= '0' && v[0] <= '9');
    assert_non_null(strchr(v, '.'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slice_make_and_macros),
        cmocka_unit_test(test_slice_eq),
        cmocka_unit_test(test_slice_caseeq),
        cmocka_unit_test(test_slice_trim),
        cmocka_unit_test(test_rc_names_and_texts),
        cmocka_unit_test(test_rc_unknown),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
