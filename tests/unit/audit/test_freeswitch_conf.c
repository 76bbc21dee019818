/* Unit tests for the FreeSWITCH configuration reader (src/audit/freeswitch_conf.c): the fixture
 * tree tests/fixtures/readers/freeswitch/conf (vars.xml, sofia profiles, directory, event
 * socket, acl), the X-PRE-PROCESS rules as FreeSWITCH applies them (even inside comments),
 * $${} expansion with positions in the real files, and the refusals: include cycle, malformed
 * XML, document type declarations (no entity is ever expanded), limits. */
#define _GNU_SOURCE
#include <unistd.h>

#include "conf_test_util.h"

/* The freeswitch/conf fixture, loaded (the test fails if it does not load). */
static vs_conf *load_tree(void)
{
    return load_ok(vs_conf_freeswitch_load, FIXTURES "freeswitch/conf");
}

/* text loaded as one in-memory file; the test fails unless the load returns want. */
static vs_conf *mem(const char *text, vs_rc want, char *err, size_t errlen)
{
    return load_mem_want(vs_conf_freeswitch_load_mem, "mem.xml", text, want, err, errlen);
}

static void test_vars(void **state)
{
    (void)state;
    vs_conf *c = load_tree();
    assert_int_equal(vs_conf_product_of(c), VS_CONF_PRODUCT_FREESWITCH);
    assert_true(ends_with(vs_conf_file_path(c, 0), "conf/freeswitch.xml"));
    const vs_conf_section *v = vs_conf_find(c, "vars");
    assert_non_null(v);
    const vs_conf_entry *dp = vs_conf_get(c, v, "default_password");
    assert_non_null(dp);
    assert_string_equal(dp->value, "1234");
    assert_true(ends_with(dp->file, "conf/vars.xml"));
    assert_int_equal(dp->line, 3);
    assert_true(raw_is(dp, "1234"));
    /* blanks around '=' are dropped as FreeSWITCH does */
    const vs_conf_entry *port = vs_conf_get(c, v, "internal_sip_port");
    assert_string_equal(port->value, "5060");
    assert_true(raw_is(port, "5060"));
    /* FreeSWITCH runs X-PRE-PROCESS even inside an XML comment: so do we */
    assert_string_equal(vs_conf_value(c, v, "hold_music"), "local_stream://moh");
    /* X-NO-PRE-PROCESS is the way to disable one */
    assert_null(vs_conf_get(c, v, "disabled"));
    /* exec-set is recorded, never run */
    const vs_conf_section *pre = vs_conf_find(c, "preprocess");
    const vs_conf_entry *es = vs_conf_get(c, pre, "exec-set");
    assert_non_null(es);
    assert_int_equal(es->op, VS_CONF_OP_DIRECTIVE);
    assert_string_equal(es->value, "local_ip=hostname -I");
    assert_null(vs_conf_get(c, v, "local_ip"));
    vs_conf_free(c);
}

static void test_profiles(void **state)
{
    (void)state;
    vs_conf *c = load_tree();
    const vs_conf_section *p = vs_conf_find(c, "profile:internal");
    assert_non_null(p);
    assert_true(ends_with(p->file, "sip_profiles/internal.xml"));
    assert_int_equal(p->line, 1);
    /* $${} expanded in the value; position of the raw text in the real file */
    const vs_conf_entry *port = vs_conf_get(c, p, "sip-port");
    assert_string_equal(port->value, "5060");
    assert_int_equal(port->line, 8);
    assert_true(raw_is(port, "$${internal_sip_port}"));
    assert_string_equal(vs_conf_value(c, p, "auth-calls"), "true");
    /* a commented-out param is not an entry */
    assert_null(vs_conf_get(c, p, "log-auth-failures"));
    /* two params on one line: each gets its own offset */
    const vs_conf_entry *ctx = vs_conf_get(c, p, "context");
    const vs_conf_entry *dp = vs_conf_get(c, p, "dialplan");
    assert_int_equal(ctx->line, 11);
    assert_int_equal(dp->line, 11);
    assert_true(raw_is(ctx, "public"));
    assert_true(raw_is(dp, "XML"));
    /* a tag over two lines */
    const vs_conf_entry *tls = vs_conf_get(c, p, "tls");
    assert_string_equal(tls->value, "false");
    assert_int_equal(tls->line, 13);
    assert_true(raw_is(tls, "false"));
    /* ${runtime} kept, entities decoded, raw text as written */
    const vs_conf_entry *ua = vs_conf_get(c, p, "user-agent-string");
    assert_string_equal(ua->value, "${runtime_var} & co");
    assert_true(raw_is(ua, "${runtime_var} &amp; co"));
    /* sofia's <domain> inside a profile is not a directory domain */
    assert_null(vs_conf_find(c, "domain:all"));

    const vs_conf_section *gw = vs_conf_find(c, "gateway:external/provider");
    assert_non_null(gw);
    const vs_conf_entry *gpw = vs_conf_get(c, gw, "password");
    assert_string_equal(gpw->value, "TrunkPass42");
    assert_int_equal(gpw->line, 5);
    assert_true(raw_is(gpw, "TrunkPass42"));
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "profile:external"), "auth-calls"),
                        "false");
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "conf:sofia"), "log-level"), "0");
    vs_conf_free(c);
}

static void test_directory(void **state)
{
    (void)state;
    vs_conf *c = load_tree();
    const vs_conf_section *d = vs_conf_find(c, "domain:pbx.example.com");
    assert_non_null(d);
    const vs_conf_section *u = vs_conf_find(c, "user:1000");
    assert_non_null(u);
    assert_true(ends_with(u->file, "directory/default/1000.xml"));
    assert_int_equal(u->line, 2);
    assert_int_equal(u->n_inherits, 2);
    assert_ptr_equal(vs_conf_section_at(c, u->inherits[0]), d);
    assert_string_equal(vs_conf_section_at(c, u->inherits[1])->name,
                        "group:pbx.example.com/default");
    const vs_conf_entry *pw = vs_conf_get(c, u, "password");
    assert_string_equal(pw->value, "1234");
    assert_int_equal(pw->line, 4);
    assert_true(raw_is(pw, "$${default_password}"));
    const vs_conf_entry *vm = vs_conf_get(c, u, "vm-password");
    assert_string_equal(vm->value, "1000");
    assert_true(raw_is(vm, "1000"));
    /* the user's own variable wins over the domain's */
    assert_string_equal(vs_conf_value(c, u, "var:user_context"), "default");
    assert_string_equal(vs_conf_value(c, u, "var:record_stereo"), "true");
    assert_string_equal(vs_conf_value(c, u, "var:toll_allow"), "domestic,international,local");
    const vs_conf_section *u2 = vs_conf_find(c, "user:1001");
    assert_string_equal(vs_conf_value(c, u2, "var:user_context"), "domain-default");
    const vs_conf_entry *cidr = vs_conf_get(c, u2, "@cidr");
    assert_non_null(cidr);
    assert_string_equal(cidr->value, "10.0.0.0/8");
    assert_true(raw_is(cidr, "10.0.0.0/8"));
    vs_conf_free(c);
}

static void test_event_socket_acl(void **state)
{
    (void)state;
    vs_conf *c = load_tree();
    const vs_conf_section *es = vs_conf_find(c, "conf:event_socket");
    assert_non_null(es);
    assert_string_equal(vs_conf_value(c, es, "listen-ip"), "0.0.0.0");
    assert_string_equal(vs_conf_value(c, es, "listen-port"), "8021");
    const vs_conf_entry *pw = vs_conf_get(c, es, "password");
    assert_string_equal(pw->value, "ClueCon");
    assert_int_equal(pw->line, 6);
    assert_true(raw_is(pw, "ClueCon"));
    assert_null(vs_conf_get(c, es, "apply-inbound-acl")); /* commented out */

    const vs_conf_section *lan = vs_conf_find(c, "acl:lan");
    assert_non_null(lan);
    assert_string_equal(vs_conf_value(c, lan, "default"), "allow");
    const vs_conf_entry *all[4];
    assert_int_equal(vs_conf_get_all(c, lan, "deny", all, 4), 1);
    assert_string_equal(all[0]->value, "192.168.42.0/24");
    assert_true(raw_is(all[0], "192.168.42.0/24"));
    assert_string_equal(vs_conf_value(c, lan, "allow"), "192.168.42.42/32");
    const vs_conf_section *doms = vs_conf_find(c, "acl:domains");
    assert_string_equal(vs_conf_value(c, doms, "allow-domain"), "pbx.example.com");
    vs_conf_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    char err[512];
    vs_conf *c = NULL;
    assert_int_equal(
        vs_conf_freeswitch_load(FIXTURES "freeswitch/cycle", NULL, &c, err, sizeof err),
        VS_E_PARSE);
    assert_non_null(strstr(err, "include cycle"));
    assert_non_null(strstr(err, "a.xml:2"));
    assert_int_equal(
        vs_conf_freeswitch_load(FIXTURES "freeswitch/broken", NULL, &c, err, sizeof err),
        VS_E_PARSE);
    /* the line of the real file, not of the preprocessed text */
    assert_non_null(strstr(err, "broken/bad.xml:4"));
    assert_int_equal(vs_conf_freeswitch_load(FIXTURES "nonexistent", NULL, &c, err, sizeof err),
                     VS_E_IO);
    assert_null(c);
}

static void test_builtin_root(void **state)
{
    (void)state;
    char err[512];
    vs_conf *c = NULL;
    assert_int_equal(
        vs_conf_freeswitch_load(FIXTURES "freeswitch/nofsxml", NULL, &c, err, sizeof err), VS_OK);
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "vars"), "default_password"), "1234");
    vs_conf_free(c);
    /* one file on its own */
    assert_int_equal(vs_conf_freeswitch_load(FIXTURES "freeswitch/conf/sip_profiles/internal.xml",
                                             NULL, &c, err, sizeof err),
                     VS_OK);
    /* no sofia.conf around it: the profile is not known as one, and $${} stays empty */
    assert_null(vs_conf_find(c, "profile:internal"));
    assert_true(vs_conf_warning_count(c) >= 1);
    vs_conf_free(c);
}

static void test_no_entities(void **state)
{
    (void)state;
    char err[512];
    /* external entity (XXE) */
    mem("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<x a=\"&e;\"/>\n", VS_E_PARSE,
        err, sizeof err);
    assert_non_null(strstr(err, "document type"));
    /* billion laughs */
    mem("<!DOCTYPE l [\n<!ENTITY a \"aaaaaaaaaa\">\n<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">\n]>\n"
        "<l>&b;</l>\n",
        VS_E_PARSE, err, sizeof err);
    /* a DOCTYPE inside a comment is only text */
    vs_conf *c = mem("<!-- <!DOCTYPE x> -->\n<configuration name=\"x.conf\"><settings>"
                     "<param name=\"a\" value=\"b\"/></settings></configuration>\n",
                     VS_OK, err, sizeof err);
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "conf:x"), "a"), "b");
    vs_conf_free(c);
    /* an undeclared entity is malformed XML */
    mem("<x a=\"&nope;\"/>\n", VS_E_PARSE, err, sizeof err);
    assert_non_null(strstr(err, "mem.xml:1"));
}

static void test_mem_rules(void **state)
{
    (void)state;
    char err[512];
    vs_conf *c = mem("<?xml version=\"1.0\"?>\n"
                     "<include>\n"
                     "  <X-PRE-PROCESS cmd=\"set\" data=\"pw=s3cret\"/>\n"
                     "  <X-PRE-PROCESS cmd=\"include\" data=\"/etc/shadow\"/>\n"
                     "  <X-PRE-PROCESS cmd=\"exec\" data=\"/bin/false\"/>\n"
                     "  <configuration name=\"event_socket.conf\"><settings>\n"
                     "    <param name=\"password\" value=\"$${pw}\"/>\n"
                     "    <param name=\"listen-ip\" value=\"$${nope}\"/>\n"
                     "  </settings></configuration>\n"
                     "</include>\n",
                     VS_OK, err, sizeof err);
    const vs_conf_section *es = vs_conf_find(c, "conf:event_socket");
    const vs_conf_entry *pw = vs_conf_get(c, es, "password");
    assert_string_equal(pw->value, "s3cret");
    assert_int_equal(pw->line, 7);
    assert_string_equal(vs_conf_value(c, es, "listen-ip"), "");
    const vs_conf_section *pre = vs_conf_find(c, "preprocess");
    assert_string_equal(vs_conf_value(c, pre, "include"), "/etc/shadow");
    assert_string_equal(vs_conf_value(c, pre, "exec"), "/bin/false");
    assert_int_equal(vs_conf_file_count(c), 1);
    vs_conf_free(c);

    /* lines holding <include>, </include> or <?...?> are dropped whole, as FreeSWITCH does */
    c = mem("<include><configuration name=\"lost.conf\"/></include>\n", VS_OK, err, sizeof err);
    assert_null(vs_conf_find(c, "conf:lost"));
    vs_conf_free(c);

    /* empty input parses (nothing in it) */
    c = mem("", VS_OK, err, sizeof err);
    assert_int_equal(vs_conf_section_count(c), 0);
    vs_conf_free(c);

    /* limits and binary */
    vs_conf_limits lim = {0};
    lim.max_line = 32;
    const char *t = "<configuration name=\"a-rather-long-name.conf\"/>\n";
    assert_int_equal(vs_conf_freeswitch_load_mem("l.xml", t, strlen(t), &lim, &c, err, sizeof err),
                     VS_E_LIMIT);
    assert_non_null(strstr(err, "l.xml:1"));
    lim = (vs_conf_limits){0};
    lim.max_file_size = 8;
    assert_int_equal(vs_conf_freeswitch_load_mem("s.xml", t, strlen(t), &lim, &c, err, sizeof err),
                     VS_E_LIMIT);
    static const char bin[] = "<a>\n\0</a>";
    assert_int_equal(
        vs_conf_freeswitch_load_mem("b.xml", bin, sizeof bin - 1, NULL, &c, err, sizeof err),
        VS_E_PARSE);
    assert_non_null(strstr(err, "b.xml:2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vars),        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_directory),   cmocka_unit_test(test_event_socket_acl),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_builtin_root),
        cmocka_unit_test(test_no_entities), cmocka_unit_test(test_mem_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
