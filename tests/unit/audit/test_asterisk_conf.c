/* Unit tests for the Asterisk configuration reader (src/audit/asterisk_conf.c) and the generic
 * model (src/audit/conf_model.c): the fixture tree tests/fixtures/readers/asterisk/office (a
 * small PJSIP office with templates, includes, comments), error trees (include cycle, missing
 * include), and in-memory cases for each dialect rule and limit. Trees that tests need to build
 * (depth limit, self include, fallbacks) are made in mkdtemp directories and removed. */
#define _GNU_SOURCE
#include <unistd.h>

#include "conf_test_util.h"

/* The asterisk/office/pjsip.conf fixture, loaded (the test fails if it does not load). */
static vs_conf *load_office(void)
{
    return load_ok(vs_conf_asterisk_load, FIXTURES "asterisk/office/pjsip.conf");
}

/* text loaded as one in-memory file; the test fails unless the load returns want. */
static vs_conf *mem(const char *text, vs_rc want, char *err, size_t errlen)
{
    return load_mem_want(vs_conf_asterisk_load_mem, "mem.conf", text, want, err, errlen);
}

static void test_office_basics(void **state)
{
    (void)state;
    vs_conf *c = load_office();
    assert_int_equal(vs_conf_product_of(c), VS_CONF_PRODUCT_ASTERISK);
    assert_int_equal(vs_conf_file_count(c), 2);
    assert_true(ends_with(vs_conf_file_path(c, 0), "office/pjsip.conf"));
    assert_true(ends_with(vs_conf_file_path(c, 1), "office/pjsip.d/endpoints.conf"));
    const vs_conf_section *g = vs_conf_find(c, "global");
    assert_non_null(g);
    assert_int_equal(g->line, 2);
    const vs_conf_entry *ua = vs_conf_get(c, g, "user_agent");
    assert_non_null(ua);
    /* trailing comment and blanks are gone; the raw text is the value alone */
    assert_string_equal(ua->value, "Office PBX");
    assert_int_equal(ua->line, 4);
    assert_true(raw_is(ua, "Office PBX"));
    assert_int_equal(ua->op, VS_CONF_OP_SET);
    /* keys and section names compare ignoring case */
    assert_ptr_equal(vs_conf_get(c, vs_conf_find(c, "GLOBAL"), "User_Agent"), ua);
    vs_conf_free(c);
}

static void test_commented_secrets_absent(void **state)
{
    (void)state;
    vs_conf *c = load_office();
    /* ";-- ... --;" over four lines and a ';' line: neither section nor secret exists */
    assert_null(vs_conf_find(c, "oldtrunk"));
    assert_true(nowhere(c, "OldTrunkSecret1"));
    assert_true(nowhere(c, "CommentedOut99"));
    /* the comment part after an escaped semicolon is gone too */
    assert_true(nowhere(c, "ss;word"));
    vs_conf_free(c);
}

static void test_block_comment_inline_and_escape(void **state)
{
    (void)state;
    vs_conf *c = load_office();
    size_t it = 0;
    const vs_conf_section *s = vs_conf_find_next(c, "6001", &it);
    assert_non_null(s);
    const vs_conf_entry *cid = vs_conf_get(c, s, "callerid");
    assert_non_null(cid);
    /* text on both sides of ";-- --;" is joined */
    assert_string_equal(cid->value, "Office  <6001>");
    assert_true(raw_is(cid, "Office ;-- was \"Front Desk\" --; <6001>"));
    const vs_conf_entry *pw = vs_conf_get(c, vs_conf_find(c, "6001-auth"), "password");
    assert_non_null(pw);
    assert_string_equal(pw->value, "Pa;ss");
    assert_true(raw_is(pw, "Pa\\;ss"));
    assert_int_equal(pw->line, 39);
    vs_conf_free(c);
}

static void test_templates(void **state)
{
    (void)state;
    vs_conf *c = load_office();
    const vs_conf_section *tpl = vs_conf_find(c, "endpoint-tpl");
    assert_non_null(tpl);
    assert_true(tpl->is_template);
    const vs_conf_section *s = vs_conf_find(c, "6001");
    assert_false(s->is_template);
    assert_int_equal(s->n_inherits, 1);
    assert_ptr_equal(vs_conf_section_at(c, s->inherits[0]), tpl);
    /* own value wins, template value seen through */
    assert_string_equal(vs_conf_value(c, s, "context"), "office");
    assert_string_equal(vs_conf_value(c, s, "direct_media"), "no");
    assert_string_equal(vs_conf_value(c, s, "type"), "endpoint");
    const vs_conf_entry *dm = vs_conf_get(c, s, "direct_media");
    assert_true(ends_with(dm->file, "pjsip.conf"));
    assert_int_equal(dm->line, 24);
    assert_null(vs_conf_get(c, s, "no-such-key"));
    /* multi-valued: template values first (with += folded in), then own */
    const vs_conf_entry *all[8];
    size_t n = vs_conf_get_all(c, s, "allow", all, 8);
    assert_int_equal(n, 2);
    assert_string_equal(all[0]->value, "ulaw ,alaw");
    assert_string_equal(all[1]->value, "g722");
    assert_int_equal(vs_conf_get_all(c, s, "allow", NULL, 0), 2);
    /* resolve: every entry through the section */
    size_t total = vs_conf_resolve(c, s, NULL, 0);
    assert_int_equal(total, 5 + 5); /* template (5 live) + own (5) */
    vs_conf_free(c);
}

static void test_append(void **state)
{
    (void)state;
    vs_conf *c = load_office();
    const vs_conf_section *tpl = vs_conf_find(c, "endpoint-tpl");
    const vs_conf_entry *a = vs_conf_get(c, tpl, "allow");
    assert_string_equal(a->value, "ulaw ,alaw");
    assert_string_equal(a->text, "ulaw");
    assert_int_equal(a->line, 22);
    /* the += line is kept, marked merged, with its own position */
    const vs_conf_entry *m = &tpl->entries[4];
    assert_string_equal(m->key, "allow");
    assert_int_equal(m->op, VS_CONF_OP_APPEND);
    assert_true(m->merged);
    assert_int_equal(m->line, 23);
    assert_true(raw_is(m, ",alaw"));
    vs_conf_free(c);
}

static void test_include_positions(void **state)
{
    (void)state;
    vs_conf *c = load_office();
    const vs_conf_section *s = vs_conf_find(c, "6002-auth");
    assert_non_null(s);
    assert_true(ends_with(s->file, "pjsip.d/endpoints.conf"));
    assert_int_equal(s->line, 6);
    const vs_conf_entry *pw = vs_conf_get(c, s, "password");
    assert_string_equal(pw->value, "6002");
    assert_true(ends_with(pw->file, "pjsip.d/endpoints.conf"));
    assert_int_equal(pw->line, 8);
    assert_true(raw_is(pw, "6002"));
    /* templates from the including file are inherited */
    assert_string_equal(vs_conf_value(c, s, "auth_type"), "userpass");
    vs_conf_free(c);
}

static void test_directives(void **state)
{
    (void)state;
    vs_conf *c = load_office();
    const vs_conf_entry *found_exec = NULL, *found_inc = NULL, *found_try = NULL;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        for (size_t j = 0; j < s->n_entries; j++) {
            const vs_conf_entry *e = &s->entries[j];
            if (e->op != VS_CONF_OP_DIRECTIVE)
                continue;
            if (!strcmp(e->key, "#exec"))
                found_exec = e;
            if (!strcmp(e->key, "#include"))
                found_inc = e;
            if (!strcmp(e->key, "#tryinclude"))
                found_try = e;
        }
    }
    assert_non_null(found_exec);
    assert_string_equal(found_exec->value, "/usr/local/bin/make-endpoints.sh");
    assert_int_equal(found_exec->line, 43);
    assert_non_null(found_inc);
    assert_string_equal(found_inc->value, "pjsip.d/*.conf"); /* quotes removed */
    assert_true(raw_is(found_inc, "pjsip.d/*.conf"));
    assert_non_null(found_try); /* missing #tryinclude: fine */
    vs_conf_free(c);
}

static void test_include_cycle(void **state)
{
    (void)state;
    char err[512] = "";
    vs_conf *c = NULL;
    vs_rc rc = vs_conf_asterisk_load(FIXTURES "asterisk/cycle/a.conf", NULL, &c, err, sizeof err);
    assert_int_equal(rc, VS_E_PARSE);
    assert_null(c);
    assert_non_null(strstr(err, "include cycle"));
    assert_non_null(strstr(err, "b.conf:3"));
    assert_non_null(strstr(err, "a.conf:3"));
}

static void test_missing_include(void **state)
{
    (void)state;
    char err[512] = "";
    vs_conf *c = NULL;
    vs_rc rc =
        vs_conf_asterisk_load(FIXTURES "asterisk/missing/sip.conf", NULL, &c, err, sizeof err);
    assert_int_equal(rc, VS_E_IO);
    assert_non_null(strstr(err, "sip.conf:3"));
    assert_non_null(strstr(err, "nope.conf"));
}

static void test_tmp_trees(void **state)
{
    (void)state;
    char dir[] = "/tmp/vs-astconf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[512], p[256];
    vs_conf *c = NULL;

    /* self include */
    put(dir, "self.conf", "[s]\nk = v\n#include self.conf\n");
    snprintf(p, sizeof p, "%s/self.conf", dir);
    assert_int_equal(vs_conf_asterisk_load(p, NULL, &c, err, sizeof err), VS_E_PARSE);
    assert_non_null(strstr(err, "include cycle"));

    /* a chain deeper than the limit */
    for (int i = 0; i < 13; i++) {
        char name[32], text[64];
        snprintf(name, sizeof name, "d%d.conf", i);
        snprintf(text, sizeof text, "[d%d]\nk = %d\n#include d%d.conf\n", i, i, i + 1);
        put(dir, name, text);
    }
    put(dir, "d13.conf", "[end]\n");
    snprintf(p, sizeof p, "%s/d0.conf", dir);
    assert_int_equal(vs_conf_asterisk_load(p, NULL, &c, err, sizeof err), VS_E_LIMIT);
    assert_non_null(strstr(err, "depth"));
    vs_conf_limits lim = {0};
    lim.max_include_depth = 20;
    assert_int_equal(vs_conf_asterisk_load(p, &lim, &c, err, sizeof err), VS_OK);
    assert_int_equal(vs_conf_file_count(c), 14);
    vs_conf_free(c);

    /* oversize file */
    lim = (vs_conf_limits){0};
    lim.max_file_size = 16;
    put(dir, "big.conf", "[big]\nkey = a value longer than sixteen bytes\n");
    snprintf(p, sizeof p, "%s/big.conf", dir);
    assert_int_equal(vs_conf_asterisk_load(p, &lim, &c, err, sizeof err), VS_E_LIMIT);
    assert_non_null(strstr(err, "big.conf"));

    /* a relative include found beside the including file (a subdirectory) */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    put(dir, "top.conf", "[top]\n#include sub/mid.conf\n");
    put(sub, "mid.conf", "#include leaf.conf\n");
    put(sub, "leaf.conf", "leaf = yes\n");
    snprintf(p, sizeof p, "%s/top.conf", dir);
    assert_int_equal(vs_conf_asterisk_load(p, NULL, &c, err, sizeof err), VS_OK);
    const vs_conf_entry *leaf = vs_conf_get(c, vs_conf_find(c, "top"), "leaf");
    assert_non_null(leaf);
    assert_true(ends_with(leaf->file, "sub/leaf.conf"));
    assert_int_equal(leaf->line, 1);
    vs_conf_free(c);

    /* a glob matching nothing: a warning, not an error */
    put(dir, "glob.conf", "[g]\n#include nothing/*.conf\n");
    snprintf(p, sizeof p, "%s/glob.conf", dir);
    assert_int_equal(vs_conf_asterisk_load(p, NULL, &c, err, sizeof err), VS_OK);
    assert_int_equal(vs_conf_warning_count(c), 1);
    assert_non_null(strstr(vs_conf_warning(c, 0), "glob.conf:2"));
    vs_conf_free(c);

    /* unreadable: a directory given as a file */
    assert_int_equal(vs_conf_asterisk_load(dir, NULL, &c, err, sizeof err), VS_E_IO);
    rmtree_flat(dir);
}

static void test_mem_rules(void **state)
{
    (void)state;
    char err[256];
    vs_conf *c = mem("[from-internal]\n"
                     "exten => _1XXX,1,Dial(PJSIP/${EXTEN})\n"
                     " same => n,Hangup()\n"
                     "exten=>s,1,NoOp(a\\;b)\n",
                     VS_OK, err, sizeof err);
    const vs_conf_section *s = vs_conf_find(c, "from-internal");
    const vs_conf_entry *all[4];
    assert_int_equal(vs_conf_get_all(c, s, "exten", all, 4), 2);
    assert_int_equal(all[0]->op, VS_CONF_OP_OBJECT);
    assert_string_equal(all[0]->value, "_1XXX,1,Dial(PJSIP/${EXTEN})");
    assert_string_equal(all[1]->value, "s,1,NoOp(a;b)");
    assert_string_equal(vs_conf_value(c, s, "same"), "n,Hangup()");
    /* in-memory: offsets count in the buffer */
    assert_int_equal(all[0]->value_off, 25);
    assert_string_equal(all[0]->file, "mem.conf");
    vs_conf_free(c);

    /* nested block comments, comment opening and closing on one line, ";---" is a plain comment */
    c = mem("[a]\n"
            "x = 1 ;-- one ;-- two --; still --; 2\n"
            "y = 3 ;--- not a block\n"
            "z = 4\n",
            VS_OK, err, sizeof err);
    s = vs_conf_find(c, "a");
    assert_string_equal(vs_conf_value(c, s, "x"), "1  2");
    assert_string_equal(vs_conf_value(c, s, "y"), "3");
    assert_string_equal(vs_conf_value(c, s, "z"), "4");
    vs_conf_free(c);

    /* unterminated block comment swallows the rest, with a warning */
    c = mem("[a]\nx = 1\n;-- open\npassword = hidden\n", VS_OK, err, sizeof err);
    assert_true(nowhere(c, "hidden"));
    assert_int_equal(vs_conf_warning_count(c), 1);
    vs_conf_free(c);

    /* (!,tpl) and (+) */
    c = mem("[base](!)\nk = base\nm = only-base\n"
            "[mid](!,base)\nk = mid\n"
            "[leaf](mid)\n"
            "[leaf](+)\nextra = yes\n",
            VS_OK, err, sizeof err);
    const vs_conf_section *leaf = vs_conf_find(c, "leaf");
    assert_string_equal(vs_conf_value(c, leaf, "k"), "mid");
    assert_string_equal(vs_conf_value(c, leaf, "m"), "only-base");
    assert_string_equal(vs_conf_value(c, leaf, "extra"), "yes");
    assert_true(vs_conf_find(c, "mid")->is_template);
    assert_int_equal(vs_conf_section_count(c), 3);
    vs_conf_free(c);

    /* includes in memory: recorded, not followed */
    c = mem("#include \"missing.conf\"\n#exec rm -rf /\n[s]\n", VS_OK, err, sizeof err);
    const vs_conf_section *top = vs_conf_find(c, "");
    assert_non_null(top);
    assert_string_equal(vs_conf_value(c, top, "#include"), "missing.conf");
    assert_string_equal(vs_conf_value(c, top, "#exec"), "rm -rf /");
    vs_conf_free(c);

    /* += with nothing before behaves as = */
    c = mem("[a]\nallow += ulaw\n", VS_OK, err, sizeof err);
    assert_string_equal(vs_conf_value(c, vs_conf_find(c, "a"), "allow"), "ulaw");
    vs_conf_free(c);

    /* empty input */
    c = mem("", VS_OK, err, sizeof err);
    assert_int_equal(vs_conf_section_count(c), 0);
    vs_conf_free(c);
}

static void test_mem_errors(void **state)
{
    (void)state;
    char err[256];
    mem("key = value\n", VS_E_PARSE, err, sizeof err);
    assert_non_null(strstr(err, "mem.conf:1"));
    mem("[a]\nx=1\n[broken\n", VS_E_PARSE, err, sizeof err);
    assert_non_null(strstr(err, "mem.conf:3"));
    mem("[a](nosuch)\n", VS_E_PARSE, err, sizeof err);
    assert_non_null(strstr(err, "nosuch"));
    mem("[a](!\n", VS_E_PARSE, err, sizeof err);
    mem("[a](+)\n", VS_E_PARSE, err, sizeof err);

    /* binary content */
    vs_conf *c = NULL;
    static const char bin[] = "[a]\nx = 1\n\0\x01\x02";
    assert_int_equal(
        vs_conf_asterisk_load_mem("bin.conf", bin, sizeof bin - 1, NULL, &c, err, sizeof err),
        VS_E_PARSE);
    assert_non_null(strstr(err, "bin.conf:3"));

    /* line length, entries, size limits */
    size_t n = 10000;
    char *big = malloc(n + 16);
    memcpy(big, "[a]\nk = ", 8);
    memset(big + 8, 'x', n);
    big[8 + n] = '\n';
    big[9 + n] = '\0';
    assert_int_equal(
        vs_conf_asterisk_load_mem("long.conf", big, strlen(big), NULL, &c, err, sizeof err),
        VS_E_LIMIT);
    assert_non_null(strstr(err, "long.conf:2"));
    free(big);
    vs_conf_limits lim = {0};
    lim.max_entries = 4;
    const char *many = "[a]\nk1=1\nk2=2\nk3=3\nk4=4\n";
    assert_int_equal(
        vs_conf_asterisk_load_mem("many.conf", many, strlen(many), &lim, &c, err, sizeof err),
        VS_E_LIMIT);
    assert_non_null(strstr(err, "many.conf:5"));
    lim = (vs_conf_limits){0};
    lim.max_file_size = 8;
    assert_int_equal(vs_conf_asterisk_load_mem("m", many, strlen(many), &lim, &c, err, sizeof err),
                     VS_E_LIMIT);
    assert_int_equal(vs_conf_asterisk_load_mem(NULL, NULL, 3, NULL, &c, err, sizeof err),
                     VS_E_INVAL);
    assert_int_equal(vs_conf_asterisk_load(NULL, NULL, &c, err, sizeof err), VS_E_INVAL);
    assert_null(c);
    /* err may be NULL */
    assert_int_equal(vs_conf_asterisk_load_mem("x", "k=v", 3, NULL, &c, NULL, 0), VS_E_PARSE);
}

static void test_load_dir(void **state)
{
    (void)state;
    char err[256];
    vs_conf_set *set = NULL;
    assert_int_equal(
        vs_conf_asterisk_load_dir(FIXTURES "asterisk/office", NULL, &set, err, sizeof err), VS_OK);
    assert_int_equal(vs_conf_set_count(set), 3);
    assert_string_equal(vs_conf_set_name(set, 0), "pjsip.conf");
    const vs_conf *mgr = vs_conf_set_get(set, "manager.conf");
    assert_non_null(mgr);
    const vs_conf_section *admin = vs_conf_find(mgr, "admin");
    assert_string_equal(vs_conf_value(mgr, admin, "write"), "system,call,originate");
    assert_int_equal(vs_conf_get(mgr, admin, "secret")->line, 6);
    const vs_conf *ext = vs_conf_set_get(set, "extensions.conf");
    assert_non_null(ext);
    assert_null(vs_conf_set_get(set, "sip.conf"));
    vs_conf_set_free(set);

    /* a failing file stays in the set with its error */
    assert_int_equal(
        vs_conf_asterisk_load_dir(FIXTURES "asterisk/missing", NULL, &set, err, sizeof err), VS_OK);
    assert_int_equal(vs_conf_set_count(set), 1);
    assert_null(vs_conf_set_conf(set, 0));
    assert_int_equal(vs_conf_set_rc(set, 0), VS_E_IO);
    assert_non_null(strstr(vs_conf_set_error(set, 0), "nope.conf"));
    vs_conf_set_free(set);

    assert_int_equal(
        vs_conf_asterisk_load_dir(FIXTURES "kamailio/site", NULL, &set, err, sizeof err),
        VS_E_NOTFOUND);
    assert_int_equal(vs_conf_asterisk_load_dir(FIXTURES "nonexistent", NULL, &set, err, sizeof err),
                     VS_E_IO);
    vs_conf_set_free(NULL);
    vs_conf_free(NULL);
}

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(vs_conf_detect(FIXTURES "asterisk/office"), VS_CONF_PRODUCT_ASTERISK);
    assert_int_equal(vs_conf_detect(FIXTURES "asterisk/missing"), VS_CONF_PRODUCT_ASTERISK);
    assert_int_equal(vs_conf_detect(FIXTURES "asterisk/office/manager.conf"),
                     VS_CONF_PRODUCT_ASTERISK);
    assert_int_equal(vs_conf_detect(FIXTURES "freeswitch/conf"), VS_CONF_PRODUCT_FREESWITCH);
    assert_int_equal(vs_conf_detect(FIXTURES "freeswitch/nofsxml"), VS_CONF_PRODUCT_FREESWITCH);
    assert_int_equal(vs_conf_detect(FIXTURES "freeswitch/conf/vars.xml"),
                     VS_CONF_PRODUCT_FREESWITCH);
    assert_int_equal(vs_conf_detect(FIXTURES "kamailio/site"), VS_CONF_PRODUCT_KAMAILIO);
    assert_int_equal(vs_conf_detect(FIXTURES "kamailio/site/tls.cfg"), VS_CONF_PRODUCT_KAMAILIO);
    assert_int_equal(vs_conf_detect(FIXTURES "asterisk"), VS_CONF_PRODUCT_UNKNOWN);
    assert_int_equal(vs_conf_detect(FIXTURES "nonexistent"), VS_CONF_PRODUCT_UNKNOWN);
    assert_int_equal(vs_conf_detect(NULL), VS_CONF_PRODUCT_UNKNOWN);
    assert_string_equal(vs_conf_product_name(VS_CONF_PRODUCT_KAMAILIO), "kamailio");
    assert_string_equal(vs_conf_product_name((vs_conf_product)42), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_office_basics),
        cmocka_unit_test(test_commented_secrets_absent),
        cmocka_unit_test(test_block_comment_inline_and_escape),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_include_positions),
        cmocka_unit_test(test_directives),
        cmocka_unit_test(test_include_cycle),
        cmocka_unit_test(test_missing_include),
        cmocka_unit_test(test_tmp_trees),
        cmocka_unit_test(test_mem_rules),
        cmocka_unit_test(test_mem_errors),
        cmocka_unit_test(test_load_dir),
        cmocka_unit_test(test_detect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
