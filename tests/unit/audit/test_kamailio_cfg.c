/* Unit tests for the Kamailio configuration reader (src/audit/kamailio_cfg.c): the fixture
 * tests/fixtures/readers/kamailio/site (defines and #!ifdef deciding which modules, params and
 * route code are active, an included file, tls.cfg found beside the cfg), positions in the real
 * files, comments of every kind, and the errors (unbalanced #!else/#!endif, missing
 * include_file, include cycle). */
#define _GNU_SOURCE
#include <unistd.h>

#include "conf_test_util.h"

/* The kamailio/site fixture, loaded (the test fails if it does not load). */
static vs_conf *load_site(void)
{
    return load_ok(vs_conf_kamailio_load, FIXTURES "kamailio/site");
}

/* text loaded as one in-memory file; the test fails unless the load returns want. */
static vs_conf *mem(const char *text, vs_rc want, char *err, size_t errlen)
{
    return load_mem_want(vs_conf_kamailio_load_mem, "mem.cfg", text, want, err, errlen);
}

static int module_loaded(const vs_conf *c, const char *name)
{
    const vs_conf_section *m = vs_conf_find(c, "modules");
    const vs_conf_entry *all[32];
    size_t n = vs_conf_get_all(c, m, "loadmodule", all, 32);
    for (size_t i = 0; i < n && i < 32; i++)
        if (!strcmp(all[i]->value, name))
            return 1;
    return 0;
}

static void test_modules(void **state)
{
    (void)state;
    vs_conf *c = load_site();
    assert_int_equal(vs_conf_product_of(c), VS_CONF_PRODUCT_KAMAILIO);
    assert_true(module_loaded(c, "tm.so"));
    assert_true(module_loaded(c, "sanity.so"));
    assert_true(module_loaded(c, "auth.so"));  /* WITH_AUTH defined */
    assert_true(module_loaded(c, "tls.so"));   /* WITH_TLS defined */
    assert_false(module_loaded(c, "pike.so")); /* WITH_ANTIFLOOD commented out; block comment */
    const vs_conf_entry *tls = vs_conf_get(c, vs_conf_find(c, "modules"), "loadmodule");
    assert_string_equal(tls->value, "tls.so");
    assert_int_equal(tls->op, VS_CONF_OP_DIRECTIVE);
    assert_int_equal(tls->line, 31);
    assert_true(raw_is(tls, "tls.so"));
    vs_conf_free(c);
}

static void test_core_and_defines(void **state)
{
    (void)state;
    vs_conf *c = load_site();
    const vs_conf_section *core = vs_conf_find(c, "core");
    const vs_conf_entry *all[8];
    assert_int_equal(vs_conf_get_all(c, core, "listen", all, 8), 2);
    assert_string_equal(all[0]->value, "udp:10.0.0.10:5060");
    assert_string_equal(all[1]->value, "tls:10.0.0.10:5061");
    assert_int_equal(all[1]->line, 16);
    assert_true(raw_is(all[1], "tls:10.0.0.10:5061"));
    assert_string_equal(vs_conf_value(c, core, "enable_tls"), "yes");
    /* from the included file, quotes removed, position in that file */
    const vs_conf_entry *alias = vs_conf_get(c, core, "alias");
    assert_string_equal(alias->value, "sip.example.com");
    assert_true(ends_with(alias->file, "site/kamailio-local.cfg"));
    assert_int_equal(alias->line, 3);
    assert_true(raw_is(alias, "sip.example.com"));

    const vs_conf_section *defs = vs_conf_find(c, "defines");
    assert_non_null(vs_conf_get(c, defs, "WITH_AUTH"));
    assert_non_null(vs_conf_get(c, defs, "WITH_LOCAL"));
    assert_null(vs_conf_get(c, defs, "WITH_ANTIFLOOD"));
    const vs_conf_section *pre = vs_conf_find(c, "preprocess");
    assert_string_equal(vs_conf_value(c, pre, "#!include_file"), "kamailio-local.cfg");
    assert_string_equal(vs_conf_value(c, pre, "import_file"), "kamailio-missing-optional.cfg");
    assert_int_equal(vs_conf_file_count(c), 3);
    vs_conf_free(c);
}

static void test_modparams(void **state)
{
    (void)state;
    vs_conf *c = load_site();
    const vs_conf_section *a = vs_conf_find(c, "modparam:auth_db");
    assert_non_null(a);
    /* a #!define'd name is replaced by its value; the position is the name in the cfg */
    const vs_conf_entry *url = vs_conf_get(c, a, "db_url");
    assert_string_equal(url->value, "mysql://kamailio:kamailiorw@localhost/kamailio");
    assert_int_equal(url->line, 39);
    assert_true(raw_is(url, "DBURL"));
    assert_string_equal(vs_conf_value(c, a, "calculate_ha1"), "yes");
    const vs_conf_entry *col = vs_conf_get(c, a, "password_column");
    assert_string_equal(col->value, "password");
    assert_true(raw_is(col, "password"));
    assert_null(vs_conf_find(c, "modparam:pike")); /* inside a block comment */
    vs_conf_free(c);
}

static void test_routes(void **state)
{
    (void)state;
    vs_conf *c = load_site();
    const vs_conf_section *main = vs_conf_find(c, "request_route");
    assert_non_null(main);
    assert_int_equal(main->line, 51);
    const vs_conf_entry *calls[8];
    assert_int_equal(vs_conf_get_all(c, main, "route", calls, 8), 2);
    assert_string_equal(calls[0]->value, "REQINIT");
    assert_int_equal(calls[0]->op, VS_CONF_OP_CALL);
    assert_non_null(vs_conf_get(c, main, "t_relay"));
    assert_string_equal(vs_conf_value(c, main, "is_method"), "\"REGISTER\"");
    assert_null(vs_conf_get(c, main, "if"));

    const vs_conf_section *ri = vs_conf_find(c, "route:REQINIT");
    assert_non_null(ri);
    const vs_conf_entry *sc = vs_conf_get(c, ri, "sanity_check");
    assert_non_null(sc);
    assert_int_equal(sc->line, 63);
    assert_true(raw_is(sc, "\"17895\", \"7\""));
    assert_null(vs_conf_get(c, ri, "pike_check_req")); /* inside an inactive #!ifdef */
    /* a '#' inside a string is not a comment */
    assert_non_null(strstr(vs_conf_value(c, ri, "xlog"), "# not a comment"));

    const vs_conf_section *au = vs_conf_find(c, "route:AUTH");
    assert_non_null(vs_conf_get(c, au, "auth_check"));
    assert_non_null(vs_conf_get(c, au, "auth_challenge"));
    assert_null(vs_conf_get(c, au, "www_authorize")); /* the #!else branch is inactive */
    vs_conf_free(c);
}

static void test_tls_cfg(void **state)
{
    (void)state;
    vs_conf *c = load_site();
    const vs_conf_section *srv = vs_conf_find(c, "tls:server:default");
    assert_non_null(srv);
    assert_true(ends_with(srv->file, "site/tls.cfg"));
    assert_int_equal(srv->line, 2);
    const vs_conf_entry *m = vs_conf_get(c, srv, "method");
    assert_string_equal(m->value, "TLSv1.2+");
    assert_int_equal(m->line, 3);
    assert_true(raw_is(m, "TLSv1.2+"));
    assert_string_equal(vs_conf_value(c, srv, "verify_certificate"), "no");
    const vs_conf_section *cli = vs_conf_find(c, "tls:client:default");
    assert_string_equal(vs_conf_value(c, cli, "method"), "TLSv1+");
    vs_conf_free(c);
}

static void test_mem_rules(void **state)
{
    (void)state;
    char err[512];
    vs_conf *c = mem("#!define A\n"
                     "#!ifndef A\n"
                     "loadmodule \"no1.so\"\n"
                     "#!else\n"
                     "  #!ifdef B\n"
                     "loadmodule \"no2.so\"\n"
                     "  #!else\n"
                     "loadmodule \"yes1.so\"\n"
                     "  #!endif\n"
                     "#!endif\n"
                     "!!trydef A other\n"
                     "!!define PORT 5061\n"
                     "loadmodule \"yes2.so\" // trailing comment\n"
                     "port=PORT\n"
                     "# loadmodule \"no3.so\"\n"
                     "/* loadmodule \"no4.so\" */ loadmodule \"yes3.so\"\n"
                     "route { sl_send_reply(\"404\", \"Not here\"); }\n"
                     "event_route[xhttp:request] { xhttp_reply(\"200\", \"OK\", \"\", \"\"); }\n"
                     "onreply_route[MANAGE_REPLY] { if ($var(x) == 1) { t_check_trans(); } }\n"
                     "include_file \"never-read.cfg\"\n",
                     VS_OK, err, sizeof err);
    assert_false(module_loaded(c, "no1.so"));
    assert_false(module_loaded(c, "no2.so"));
    assert_false(module_loaded(c, "no3.so"));
    assert_false(module_loaded(c, "no4.so"));
    assert_true(module_loaded(c, "yes1.so"));
    assert_true(module_loaded(c, "yes2.so"));
    assert_true(module_loaded(c, "yes3.so"));
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "defines"), "A"), "");
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "core"), "port"), "5061");
    assert_non_null(vs_conf_get(c, vs_conf_find(c, "request_route"), "sl_send_reply"));
    assert_non_null(vs_conf_get(c, vs_conf_find(c, "event_route:xhttp:request"), "xhttp_reply"));
    const vs_conf_section *orr = vs_conf_find(c, "onreply_route:MANAGE_REPLY");
    assert_non_null(vs_conf_get(c, orr, "t_check_trans"));
    assert_null(vs_conf_get(c, orr, "var")); /* $var(x) is a pseudo-variable */
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "preprocess"), "include_file"),
                        "never-read.cfg");
    vs_conf_free(c);

    mem("#!else\n", VS_E_PARSE, err, sizeof err);
    assert_non_null(strstr(err, "mem.cfg:1"));
    mem("#!ifdef X\n#!endif\n#!endif\n", VS_E_PARSE, err, sizeof err);
    assert_non_null(strstr(err, "mem.cfg:3"));
    c = mem("#!ifdef X\nloadmodule \"x.so\"\n", VS_OK, err, sizeof err); /* unclosed: warning */
    assert_int_equal(vs_conf_warning_count(c), 1);
    vs_conf_free(c);
    c = mem("", VS_OK, err, sizeof err);
    vs_conf_free(c);
    static const char bin[] = "debug=2\n\0";
    assert_int_equal(
        vs_conf_kamailio_load_mem("b.cfg", bin, sizeof bin - 1, NULL, &c, err, sizeof err),
        VS_E_PARSE);
}

static void test_tmp_trees(void **state)
{
    (void)state;
    char dir[] = "/tmp/vs-kamcfg-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[512], p[256];
    vs_conf *c = NULL;
    put(dir, "kamailio.cfg", "debug=2\n#!include_file \"missing.cfg\"\n");
    assert_int_equal(vs_conf_kamailio_load(dir, NULL, &c, err, sizeof err), VS_E_IO);
    assert_non_null(strstr(err, "kamailio.cfg:2"));
    assert_non_null(strstr(err, "missing.cfg"));
    put(dir, "kamailio.cfg", "debug=2\ninclude_file \"b.cfg\"\n");
    put(dir, "b.cfg", "#!include_file \"kamailio.cfg\"\n");
    assert_int_equal(vs_conf_kamailio_load(dir, NULL, &c, err, sizeof err), VS_E_PARSE);
    assert_non_null(strstr(err, "include cycle"));
    /* tls.cfg named by modparam with a host path: found beside the cfg */
    put(dir, "kamailio.cfg", "modparam(\"tls\", \"config\", \"/nonexistent/etc/my-tls.cfg\")\n");
    put(dir, "my-tls.cfg", "[server:default]\nmethod = SSLv23\n");
    snprintf(p, sizeof p, "%s/kamailio.cfg", dir);
    assert_int_equal(vs_conf_kamailio_load(p, NULL, &c, err, sizeof err), VS_OK);
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "tls:server:default"), "method"),
                        "SSLv23");
    vs_conf_free(c);
    rmtree_flat(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modules),   cmocka_unit_test(test_core_and_defines),
        cmocka_unit_test(test_modparams), cmocka_unit_test(test_routes),
        cmocka_unit_test(test_tls_cfg),   cmocka_unit_test(test_mem_rules),
        cmocka_unit_test(test_tmp_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
