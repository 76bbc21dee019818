/* Audit test harness (see audit_harness.h). */
#define _GNU_SOURCE /* open_memstream, realpath, strcasestr */
#include "audit_harness.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The finding callback: appends f to the audit_results passed as ctx (when its rule is wanted). */
static void collect(void *ctx, const vs_finding *f)
{
    audit_results *r = ctx;
    if (r->only && strncmp(f->rule, r->only, strlen(r->only)) != 0)
        return;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 32;
        vs_finding *nv = realloc(r->v, nc * sizeof *nv);
        assert_non_null(nv);
        if (!nv)
            return;
        r->v = nv;
        r->cap = nc;
    }
    r->v[r->n++] = *f;
}

audit_results ah_run_in(const char *data_dir, const char *dir, const char *name, const char *only,
                        bool files_under_dir)
{
    audit_results r = {.only = only, .root = files_under_dir ? dir : NULL};
    vs_policy p;
    char err[512] = "", path[1024];
    snprintf(path, sizeof path, "%s%s", dir, name);
    assert_int_equal(vs_policy_preset(&p, "seed", data_dir), VS_OK);
    vs_audit *a = vs_audit_new(&p, collect, &r, err, sizeof err);
    if (!a)
        fprintf(stderr, "vs_audit_new: %s\n", err);
    assert_non_null(a);
    if (!a)
        return r;
    vs_rc rc = vs_audit_path(a, path, err, sizeof err);
    if (rc != VS_OK)
        fprintf(stderr, "%s: %s\n", path, err);
    assert_int_equal(rc, VS_OK);
    vs_audit_free(a);
    if (getenv("VS_TEST_DUMP"))
        for (size_t i = 0; i < r.n; i++)
            fprintf(stderr, "[%s] %s %s:%u %s user=%s %s\n", path, r.v[i].rule, r.v[i].file,
                    r.v[i].line, vs_severity_id(r.v[i].severity), r.v[i].user, r.v[i].evidence);
    return r;
}

audit_results *ah_audit_dir_in(const char *source_dir, const char *area, const char *name)
{
    static audit_results r;
    char dir[1024], data[1024];
    if (area)
        snprintf(dir, sizeof dir, "%s/tests/fixtures/audit/%s/", source_dir, area);
    else
        snprintf(dir, sizeof dir, "%s/", source_dir);
    snprintf(data, sizeof data, "%s/data", source_dir);
    ah_free(&r);
    r = ah_run_in(data, dir, name, NULL, false);
    return &r;
}

void ah_free(audit_results *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* true when path (as the reader named it) is the file the test means by file (see
 * audit_results.root). */
static bool same_file(const audit_results *r, const char *path, const char *file)
{
    if (!r->root) {
        size_t a = strlen(path), b = strlen(file);
        return a >= b && strcmp(path + a - b, file) == 0;
    }
    char want[1024], x[PATH_MAX], y[PATH_MAX];
    snprintf(want, sizeof want, "%s%s", r->root, file);
    return realpath(path, x) && realpath(want, y) && !strcmp(x, y);
}

const vs_finding *ah_find(const audit_results *r, const char *rule, const char *file, unsigned line)
{
    for (size_t i = 0; i < r->n; i++) {
        const vs_finding *f = &r->v[i];
        if (!strcmp(f->rule, rule) && (!file || same_file(r, f->file, file)) &&
            (line == AH_ANY_LINE || f->line == line))
            return f;
    }
    return NULL;
}

size_t ah_count(const audit_results *r, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += strcmp(r->v[i].rule, rule) == 0;
    return n;
}

void ah_dump(const audit_results *r, const char *want, const char *file, unsigned line)
{
    fprintf(stderr, "wanted %s at %s:%u; have:\n", want, file ? file : "*", line);
    for (size_t i = 0; i < r->n; i++)
        fprintf(stderr, "  %s %s:%u %s %s\n", r->v[i].rule, r->v[i].file, r->v[i].line,
                vs_severity_id(r->v[i].severity), r->v[i].evidence);
}

const vs_finding *ah_expect_at(const audit_results *r, const char *rule, const char *file,
                               unsigned line, vs_severity sev)
{
    static const vs_finding none; /* never NULL: the caller's checks then fail with a message */
    const vs_finding *f = ah_find(r, rule, file, line);
    if (!f) {
        ah_dump(r, rule, file, line);
        fail_msg("no %s at %s:%u", rule, file ? file : "*", line);
        return &none;
    }
    if (f->severity != sev)
        fprintf(stderr, "%s at %s:%u: severity %s, want %s\n", rule, file ? file : "*", line,
                vs_severity_id(f->severity), vs_severity_id(sev));
    assert_int_equal(f->severity, sev);
    assert_true(f->title[0] != '\0');
    assert_true(f->explain[0] != '\0');
    assert_true(f->advice[0] != '\0');
    return f;
}

const vs_finding *ah_expect_json_at(const audit_results *r, const char *rule, const char *file,
                                    unsigned line, vs_severity sev)
{
    const vs_finding *f = ah_expect_at(r, rule, file, line, sev);
    assert_true(f->evidence[0] == '{');
    return f;
}

const vs_finding *ah_expect_line(const audit_results *r, const char *rule, const char *file,
                                 const char *needle, vs_severity sev)
{
    unsigned line = ah_line_of(r->root, file, needle, 1);
    assert_true(line > 0);
    return ah_expect_json_at(r, rule, file, line, sev);
}

void ah_expect_count(const audit_results *r, const char *rule, size_t n)
{
    size_t have = ah_count(r, rule);
    if (have != n)
        ah_dump(r, rule, NULL, 0);
    assert_int_equal(have, n);
}

void ah_expect_none(const audit_results *r, const char *const *rules, size_t n)
{
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; k < n; k++)
            if (!strcmp(r->v[i].rule, rules[k]))
                fail_msg("unexpected %s at %s:%u", r->v[i].rule, r->v[i].file, r->v[i].line);
}

unsigned ah_line_of(const char *root, const char *file, const char *needle, unsigned nth)
{
    char path[1024], buf[4096];
    snprintf(path, sizeof path, "%s%s", root ? root : "", file);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned no = 0, hit = 0, seen = 0;
    while (!hit && fgets(buf, sizeof buf, f)) {
        no++;
        if (strstr(buf, needle) && ++seen == nth)
            hit = no;
    }
    fclose(f);
    return hit;
}

char *ah_all_output(const audit_results *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    if (!out)
        return calloc(1, 1);
    for (size_t i = 0; i < r->n; i++) {
        const vs_finding *f = &r->v[i];
        assert_int_equal(vs_finding_write_json(out, f), VS_OK);
        assert_int_equal(vs_finding_write_text(out, f), VS_OK);
        /* the raw fields too, whatever a writer leaves out */
        fprintf(out, "%s\n%s\n%s\n%s\n%s\n", f->title, f->explain, f->advice, f->user, f->evidence);
    }
    fclose(out);
    assert_non_null(buf);
    assert_true(r->n == 0 || len > 0);
    return buf ? buf : calloc(1, 1);
}

void ah_expect_no_secret(const char *out, const char *label, const char *const *secrets, size_t n,
                         bool nocase, bool tails)
{
    for (size_t k = 0; k < n; k++) {
        const char *whole = nocase ? strcasestr(out, secrets[k]) : strstr(out, secrets[k]);
        const char *tail = !tails || !secrets[k][0] ? NULL
                           : nocase                 ? strcasestr(out, secrets[k] + 1)
                                                    : strstr(out, secrets[k] + 1);
        if (whole || tail)
            fprintf(stderr, "%s: secret %s in output\n", label, secrets[k]);
        assert_null(whole);
        assert_null(tail);
    }
}
