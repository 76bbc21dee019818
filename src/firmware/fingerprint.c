/* Device fingerprints from User-Agent and Server values, driven by rule files.
 *
 * A rule (one line of data/fingerprints.tsv or of a user's file, columns in docs/firmware.md) is a
 * POSIX extended regular expression, matched case-insensitively against the whole value, plus
 * templates that build the model, version and platform from its groups (\1..\9). Rules are tried
 * in load order and the first that matches wins, so a user's files, loaded first, override the
 * built-in ones. The facts (which vendor writes what) live in the data files; this file only reads
 * rules, checks them strictly at load (bad regex, unknown kind, a template naming a group the
 * regex lacks, a vendor alias instead of its canonical name) and applies them.
 *
 * The rule table is read-only once loaded; vs_fp_match keeps its state on the stack, and glibc's
 * regexec may run on one compiled pattern from many threads at once. */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/datafile.h"
#include "core/regex_guard.h"
#include "firmware/firmware_internal.h"

#define TEMPLATE_MAX 128
#define NMATCH 10 /* the whole match and groups 1..9 */

typedef struct fp_rule {
    char id[48];
    char vendor[48];
    char kind[16];
    char model[TEMPLATE_MAX];
    char version[TEMPLATE_MAX];
    char pvendor[TEMPLATE_MAX];
    char pversion[TEMPLATE_MAX];
    regex_t re;
} fp_rule;

struct vs_fp_rules {
    fp_rule *v;
    size_t n, cap;
};

typedef struct load_ctx {
    vs_fp_rules *rules;
    size_t file_first; /* index of the first rule read from the current file */
    char msg[256];     /* the message handed back to vs__data_read */
} load_ctx;

static const char *const kinds[] = {"phone",   "pbx",       "proxy", "ata",
                                    "gateway", "softphone", "sbc",   "client"};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

__attribute__((format(printf, 2, 3))) static const char *say(load_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return c->msg;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

static bool valid_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        char ch = *s;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* "-" stands for an empty template. */
static const char *dash_empty(const char *s)
{
    return strcmp(s, "-") == 0 ? "" : s;
}

/* Checks template t of column col against a regex with nsub groups; NULL or a message. */
static const char *check_template(load_ctx *c, const char *col, const char *t, size_t nsub)
{
    if (strlen(t) >= TEMPLATE_MAX) {
        snprintf(c->msg, sizeof c->msg, "%s template longer than %d bytes", col, TEMPLATE_MAX - 1);
        return c->msg;
    }
    if (!printable(t)) {
        snprintf(c->msg, sizeof c->msg, "%s template has a control or non-ASCII byte", col);
        return c->msg;
    }
    for (const char *p = t; *p; p++) {
        if (*p != '\\')
            continue;
        p++;
        if (*p == '\\')
            continue;
        if (*p < '1' || *p > '9') {
            snprintf(c->msg, sizeof c->msg,
                     "%s template: a backslash must be followed by 1..9 (a group) or another "
                     "backslash",
                     col);
            return c->msg;
        }
        if ((size_t)(*p - '0') > nsub) {
            snprintf(c->msg, sizeof c->msg,
                     "%s template refers to group \\%c but the regular expression has %zu", col, *p,
                     nsub);
            return c->msg;
        }
    }
    return NULL;
}

static bool is_kind(const char *k)
{
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
        if (strcmp(k, kinds[i]) == 0)
            return true;
    return false;
}

static const char *add_rule(void *ctx, char **f, size_t nf, unsigned line)
{
    (void)line;
    load_ctx *c = ctx;
    vs_fp_rules *rs = c->rules;
    if (nf != 8)
        return say(c, "expected 8 tab-separated fields, found %zu", nf);

    const char *id = f[0], *vendor = f[1], *kind = f[2], *regex = f[3];
    const char *model = dash_empty(f[4]), *version = dash_empty(f[5]);
    const char *pvendor = dash_empty(f[6]), *pversion = dash_empty(f[7]);

    if (!valid_id(id) || strlen(id) >= sizeof rs->v[0].id)
        return say(c, "rule id '%.60s' must be 1 to 47 letters, digits, '.', '_' or '-'", id);
    for (size_t i = c->file_first; i < rs->n; i++)
        if (strcmp(rs->v[i].id, id) == 0)
            return say(c, "duplicate rule id '%.60s' in this file", id);
    if (!*vendor || strlen(vendor) >= sizeof rs->v[0].vendor || !printable(vendor))
        return say(c, "vendor '%.60s' must be 1 to 47 printable characters", vendor);
    if (vs__vendor_is_alias(vendor))
        return say(c, "unknown vendor scheme: '%.60s' is an alias, write '%s'", vendor,
                   vs__vendor_canon(vendor));
    if (!is_kind(kind))
        return say(c,
                   "unknown kind '%.40s' (phone, pbx, proxy, ata, gateway, softphone, sbc, "
                   "client)",
                   kind);
    if (!*regex)
        return say(c, "empty regular expression");
    if (!*pvendor && *pversion)
        return say(c, "platform_version given without platform_vendor");
    if (*pvendor && !strchr(pvendor, '\\') && vs__vendor_is_alias(pvendor))
        return say(c, "unknown vendor scheme: platform '%.60s' is an alias, write '%s'", pvendor,
                   vs__vendor_canon(pvendor));

    if (rs->n >= VS__FP_MAX_RULES)
        return say(c, "too many fingerprint rules (%d at most)", VS__FP_MAX_RULES);
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 64;
        fp_rule *v = realloc(rs->v, cap * sizeof *v);
        if (!v)
            return say(c, "out of memory");
        rs->v = v;
        rs->cap = cap;
    }
    fp_rule *r = &rs->v[rs->n];
    memset(r, 0, sizeof *r);
    {
        char why[96];
        if (!vs__regex_guard(regex, why, sizeof why)) {
            snprintf(c->msg, sizeof c->msg, "regular expression refused: %s", why);
            return c->msg;
        }
    }
    int rc = regcomp(&r->re, regex, REG_EXTENDED | REG_ICASE);
    if (rc != 0) {
        char why[128];
        regerror(rc, &r->re, why, sizeof why);
        regfree(&r->re);
        snprintf(c->msg, sizeof c->msg, "bad regular expression: %s", why);
        return c->msg;
    }
    size_t nsub = r->re.re_nsub;
    const char *why = check_template(c, "model", model, nsub);
    if (!why)
        why = check_template(c, "version", version, nsub);
    if (!why)
        why = check_template(c, "platform_vendor", pvendor, nsub);
    if (!why)
        why = check_template(c, "platform_version", pversion, nsub);
    if (why) {
        regfree(&r->re);
        return why;
    }
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->vendor, sizeof r->vendor, "%s", vendor);
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    snprintf(r->model, sizeof r->model, "%s", model);
    snprintf(r->version, sizeof r->version, "%s", version);
    snprintf(r->pvendor, sizeof r->pvendor, "%s", pvendor);
    snprintf(r->pversion, sizeof r->pversion, "%s", pversion);
    rs->n++;
    return NULL;
}

vs_fp_rules *vs_fp_rules_load(const char *const *paths, size_t npaths, char *err, size_t errlen)
{
    char scratch[8];
    if (!err || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = '\0';
    if (!paths || npaths == 0) {
        snprintf(err, errlen, "no fingerprint rule file given");
        return NULL;
    }
    vs_fp_rules *rs = calloc(1, sizeof *rs);
    if (!rs) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    load_ctx c = {.rules = rs};
    for (size_t i = 0; i < npaths; i++) {
        if (!paths[i]) {
            snprintf(err, errlen, "fingerprint rule path %zu is NULL", i);
            goto fail;
        }
        c.file_first = rs->n;
        if (vs__data_read(paths[i], 8, add_rule, &c, err, errlen) != 0)
            goto fail;
    }
    return rs;
fail:
    vs_fp_rules_free(rs);
    return NULL;
}

void vs_fp_rules_free(vs_fp_rules *rules)
{
    if (!rules)
        return;
    for (size_t i = 0; i < rules->n; i++)
        regfree(&rules->v[i].re);
    free(rules->v);
    free(rules);
}

size_t vs_fp_rules_count(const vs_fp_rules *rules)
{
    return rules ? rules->n : 0;
}

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Writes template t, its groups taken from subject, into out (size bytes, truncated), trimmed. */
static void expand(const char *t, const char *subject, const regmatch_t *m, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = t; *p && n + 1 < size; p++) {
        if (*p == '\\' && p[1] == '\\') {
            out[n++] = '\\';
            p++;
            continue;
        }
        if (*p == '\\' && p[1] >= '1' && p[1] <= '9') {
            const regmatch_t *g = &m[p[1] - '0'];
            p++;
            if (g->rm_so < 0 || g->rm_eo < g->rm_so)
                continue;
            for (regoff_t i = g->rm_so; i < g->rm_eo && n + 1 < size; i++)
                out[n++] = subject[i];
            continue;
        }
        out[n++] = *p;
    }
    while (n && blank(out[n - 1]))
        n--;
    out[n] = '\0';
    size_t lead = 0;
    while (out[lead] && blank(out[lead]))
        lead++;
    if (lead)
        memmove(out, out + lead, n - lead + 1);
}

bool vs_fp_match(const vs_fp_rules *rules, const char *ua, size_t n, vs_fingerprint *out)
{
    vs_fingerprint scratch;
    if (!out)
        out = &scratch;
    memset(out, 0, sizeof *out);
    if (!rules || !ua)
        return false;
    while (n && blank(ua[0]))
        ua++, n--;
    while (n && blank(ua[n - 1]))
        n--;
    if (n == 0)
        return false;
    if (n > VS__FP_MAX_UA)
        n = VS__FP_MAX_UA;
    char buf[VS__FP_MAX_UA + 1];
    memcpy(buf, ua, n);
    buf[n] = '\0';

    regmatch_t m[NMATCH];
    for (size_t i = 0; i < rules->n; i++) {
        const fp_rule *r = &rules->v[i];
        if (regexec(&r->re, buf, NMATCH, m, 0) != 0)
            continue;
        snprintf(out->vendor, sizeof out->vendor, "%s", r->vendor);
        snprintf(out->kind, sizeof out->kind, "%s", r->kind);
        snprintf(out->rule, sizeof out->rule, "%s", r->id);
        expand(r->model, buf, m, out->model, sizeof out->model);
        expand(r->version, buf, m, out->version, sizeof out->version);
        char pvendor[sizeof out->platform_vendor];
        expand(r->pvendor, buf, m, pvendor, sizeof pvendor);
        snprintf(out->platform_vendor, sizeof out->platform_vendor, "%s",
                 vs__vendor_canon(pvendor));
        expand(r->pversion, buf, m, out->platform_version, sizeof out->platform_version);
        return true;
    }
    return false;
}
