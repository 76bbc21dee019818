/* The catalogue of known-vulnerable firmware (data/firmware-catalogue.tsv and the user's files).
 *
 * One entry per line: vendor, model pattern, affected range, fixed, CVE, severity, summary, source
 * (docs/firmware.md). Every line is checked at load, and one bad line fails the whole load with
 * "FILE:LINE: what is wrong": an unknown severity, a model pattern that is not a valid POSIX
 * extended regular expression, an affected range vs_version_in_range would reject. A fingerprint
 * matches an entry when the vendors agree (canonical names, so "Polycom" entries apply to "Poly"
 * devices), the model pattern finds the device's model, and the version lies in the affected range.
 * The platform identity (FreePBX's Asterisk) is matched the same way, without the model pattern:
 * a platform is software and the fingerprint names no model for it. A device whose version is
 * unknown matches nothing: voipsec does not declare a device vulnerable on a guess.
 *
 * Entries and their compiled patterns are read-only once loaded; matching is safe from many
 * threads. */
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/datafile.h"
#include "core/regex_guard.h"
#include "firmware/firmware_internal.h"

typedef struct cat_entry {
    vs_vuln v;
    bool any_model; /* model_pattern "*" */
    regex_t re;     /* compiled model_pattern unless any_model */
} cat_entry;

struct vs_catalogue {
    cat_entry *v;
    size_t n, cap;
};

typedef struct load_ctx {
    vs_catalogue *cat;
    const char *path;
    char msg[320];
} load_ctx;

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

/* "CVE-YYYY-NNNN..." (four or more digits in the last part). */
static bool valid_cve(const char *s)
{
    if (strncmp(s, "CVE-", 4) != 0)
        return false;
    s += 4;
    for (int i = 0; i < 4; i++, s++)
        if (!isdigit((unsigned char)*s))
            return false;
    if (*s++ != '-')
        return false;
    size_t digits = 0;
    for (; isdigit((unsigned char)*s); s++)
        digits++;
    return *s == '\0' && digits >= 4;
}

/* Any other advisory id: letters, digits, '.', '_', '-'. */
static bool valid_advisory_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return false;
    return true;
}

static const char *severity_of(const char *s)
{
    static const char *const sev[] = {"low", "medium", "high", "critical"};
    for (size_t i = 0; i < sizeof sev / sizeof sev[0]; i++)
        if (strcasecmp(s, sev[i]) == 0)
            return sev[i];
    return NULL;
}

/* A column that must be non-empty, printable and shorter than size. */
static const char *check_text(load_ctx *c, const char *col, const char *s, size_t size,
                              bool may_be_empty)
{
    if (!*s && !may_be_empty)
        return say(c, "empty %s", col);
    if (strlen(s) >= size)
        return say(c, "%s longer than %zu bytes", col, size - 1);
    if (!printable(s))
        return say(c, "%s has a control or non-ASCII byte", col);
    return NULL;
}

static const char *add_entry(void *ctx, char **f, size_t nf, unsigned line)
{
    load_ctx *c = ctx;
    vs_catalogue *cat = c->cat;
    if (nf != 8)
        return say(c, "expected 8 tab-separated fields, found %zu", nf);
    const char *vendor = f[0], *model = f[1], *affected = f[2], *fixed = f[3], *cve = f[4],
               *severity = f[5], *summary = f[6], *source = f[7];
    vs_vuln *proto = NULL;
    const char *why;
    if ((why = check_text(c, "vendor", vendor, sizeof proto->vendor, false)) ||
        (why = check_text(c, "model_pattern", model, sizeof proto->model_pattern, false)) ||
        (why = check_text(c, "affected range", affected, sizeof proto->affected, false)) ||
        (why = check_text(c, "fixed", fixed, sizeof proto->fixed, true)) ||
        (why = check_text(c, "cve", cve, sizeof proto->cve, false)) ||
        (why = check_text(c, "summary", summary, sizeof proto->summary, false)) ||
        (why = check_text(c, "source", source, sizeof proto->source, false)))
        return why;
    if (strncasecmp(cve, "CVE-", 4) == 0 ? !valid_cve(cve) : !valid_advisory_id(cve))
        return say(c, "'%.40s' is not a CVE id (CVE-YYYY-NNNN) nor an advisory id", cve);
    const char *sev = severity_of(severity);
    if (!sev)
        return say(c, "unknown severity '%.40s' (low, medium, high, critical)", severity);
    char rwhy[160];
    if (!vs__range_check(vendor, affected, rwhy, sizeof rwhy))
        return say(c, "bad affected range '%.80s': %s", affected, rwhy);

    if (cat->n >= VS__CAT_MAX_ENTRIES)
        return say(c, "too many catalogue entries (%d at most)", VS__CAT_MAX_ENTRIES);
    if (cat->n == cat->cap) {
        size_t cap = cat->cap ? cat->cap * 2 : 64;
        cat_entry *v = realloc(cat->v, cap * sizeof *v);
        if (!v)
            return say(c, "out of memory");
        cat->v = v;
        cat->cap = cap;
    }
    cat_entry *e = &cat->v[cat->n];
    memset(e, 0, sizeof *e);
    e->any_model = strcmp(model, "*") == 0;
    if (!e->any_model) {
        char gwhy[96];
        if (!vs__regex_guard(model, gwhy, sizeof gwhy))
            return say(c, "model_pattern '%.80s' refused: %s", model, gwhy);
        int rc = regcomp(&e->re, model, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char rerr[128];
            regerror(rc, &e->re, rerr, sizeof rerr);
            regfree(&e->re);
            return say(c, "bad model_pattern '%.80s': %s", model, rerr);
        }
    }
    vs_vuln *v = &e->v;
    snprintf(v->vendor, sizeof v->vendor, "%s", vendor);
    snprintf(v->model_pattern, sizeof v->model_pattern, "%s", model);
    snprintf(v->affected, sizeof v->affected, "%s", affected);
    snprintf(v->fixed, sizeof v->fixed, "%s", fixed);
    snprintf(v->cve, sizeof v->cve, "%s", cve);
    snprintf(v->severity, sizeof v->severity, "%s", sev);
    snprintf(v->summary, sizeof v->summary, "%s", summary);
    snprintf(v->source, sizeof v->source, "%s", source);
    snprintf(v->file, sizeof v->file, "%s", c->path);
    v->line = line;
    cat->n++;
    return NULL;
}

vs_catalogue *vs_catalogue_load(const char *const *paths, size_t npaths, char *err, size_t errlen)
{
    char scratch[8];
    if (!err || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = '\0';
    if (!paths || npaths == 0) {
        snprintf(err, errlen, "no catalogue file given");
        return NULL;
    }
    vs_catalogue *cat = calloc(1, sizeof *cat);
    if (!cat) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    load_ctx c = {.cat = cat};
    for (size_t i = 0; i < npaths; i++) {
        if (!paths[i]) {
            snprintf(err, errlen, "catalogue path %zu is NULL", i);
            goto fail;
        }
        c.path = paths[i];
        if (vs__data_read(paths[i], 8, add_entry, &c, err, errlen) != 0)
            goto fail;
    }
    return cat;
fail:
    vs_catalogue_free(cat);
    return NULL;
}

void vs_catalogue_free(vs_catalogue *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n; i++)
        if (!cat->v[i].any_model)
            regfree(&cat->v[i].re);
    free(cat->v);
    free(cat);
}

size_t vs_catalogue_count(const vs_catalogue *cat)
{
    return cat ? cat->n : 0;
}

const vs_vuln *vs_catalogue_entry(const vs_catalogue *cat, size_t i)
{
    if (!cat || i >= cat->n)
        return NULL;
    return &cat->v[i].v;
}

/* Copies a fixed-size field of the caller's fingerprint, NUL-terminated even if it was not. */
#define COPY_FIELD(dst, src) snprintf((dst), sizeof(dst), "%.*s", (int)sizeof(src), (src))

/* Does entry e affect (vendor, model, version)? model NULL: the pattern is not consulted. */
static bool affects(const cat_entry *e, const char *vendor, const char *model, const char *version)
{
    if (!vendor[0] || !version[0])
        return false;
    if (!vs__vendor_same(e->v.vendor, vendor))
        return false;
    if (model && !e->any_model && regexec(&e->re, model, 0, NULL, 0) != 0)
        return false;
    return vs_version_in_range(vs__vendor_canon(vendor), version, e->v.affected) == 1;
}

size_t vs_catalogue_match(const vs_catalogue *cat, const vs_fingerprint *fp, vs_vuln_fn fn,
                          void *ctx)
{
    if (!cat || !fp)
        return 0;
    char vendor[sizeof fp->vendor + 1], model[sizeof fp->model + 1];
    char version[sizeof fp->version + 1];
    char pvendor[sizeof fp->platform_vendor + 1], pversion[sizeof fp->platform_version + 1];
    COPY_FIELD(vendor, fp->vendor);
    COPY_FIELD(model, fp->model);
    COPY_FIELD(version, fp->version);
    COPY_FIELD(pvendor, fp->platform_vendor);
    COPY_FIELD(pversion, fp->platform_version);

    size_t count = 0;
    for (size_t i = 0; i < cat->n; i++) {
        const cat_entry *e = &cat->v[i];
        const char *mvendor, *mversion;
        if (affects(e, vendor, model, version)) {
            mvendor = fp->vendor;
            mversion = fp->version;
        } else if (affects(e, pvendor, NULL, pversion)) {
            mvendor = fp->platform_vendor;
            mversion = fp->platform_version;
        } else {
            continue;
        }
        count++;
        if (fn && !fn(ctx, &e->v, mvendor, mversion))
            break;
    }
    return count;
}
