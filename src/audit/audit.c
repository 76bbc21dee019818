/* The audit engine: path -> product -> loaded configuration -> every check of that product ->
 * findings. Checks live in the area files listed by check_registry.c; this file only wires them to
 * the readers of conf.h and to the caller's callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <voipsec/audit.h>

#include "audit/check.h"

struct vs_audit {
    vs_policy policy;
    vs_blocklist *blocklist;
    vs_finding_fn on_finding;
    void *ctx;
};

vs_audit *vs_audit_new(const vs_policy *policy, vs_finding_fn on_finding, void *ctx, char *err,
                       size_t errlen)
{
    vs_audit *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->policy = *policy;
    a->on_finding = on_finding;
    a->ctx = ctx;
    if (policy->blocklist[0]) {
        a->blocklist = vs_blocklist_load(policy->blocklist, err, errlen);
        if (!a->blocklist) {
            free(a);
            return NULL;
        }
    }
    return a;
}

void vs_audit_free(vs_audit *a)
{
    if (!a)
        return;
    vs_blocklist_free(a->blocklist);
    free(a);
}

bool vs__conf_true(const char *v)
{
    return v && (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "y") ||
                 !strcasecmp(v, "t") || !strcasecmp(v, "on") || !strcmp(v, "1"));
}

bool vs__conf_false(const char *v)
{
    return v && (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "n") ||
                 !strcasecmp(v, "f") || !strcasecmp(v, "off") || !strcmp(v, "0"));
}

const vs_conf *vs__audit_ast(const vs__audit_run *r, const char *file)
{
    return r->asterisk ? vs_conf_set_get(r->asterisk, file) : NULL;
}

void vs__audit_finding(const vs__audit_run *r, const vs__audit_check *c, const char *file,
                       unsigned line, vs_finding *f)
{
    (void)r;
    vs_finding_init(f, c->info.id, c->info.practice, c->info.severity);
    vs_finding_set(f->title, sizeof f->title, c->info.title);
    vs_finding_set(f->file, sizeof f->file, file ? file : "");
    f->line = line;
}

void vs__audit_finding_at(const vs__audit_run *r, const vs__audit_check *c,
                          const vs_conf_entry *e, vs_finding *f)
{
    vs__audit_finding(r, c, e ? e->file : NULL, e ? e->line : 0, f);
}

void vs__audit_emit(vs__audit_run *r, const vs_finding *f)
{
    r->reported++;
    if (r->emit)
        r->emit(r->emit_ctx, f);
}

static void run_checks(vs__audit_run *r)
{
    vs__check_list areas[16];
    size_t n = vs__audit_areas(areas, 16);
    for (size_t i = 0; i < n; i++)
        for (const vs__audit_check *const *c = areas[i]; *c; c++)
            if ((*c)->info.product == r->product || (*c)->info.product == VS_CONF_PRODUCT_UNKNOWN)
                (*c)->run(r, *c);
}

vs_rc vs_audit_path(vs_audit *a, const char *path, char *err, size_t errlen)
{
    vs__audit_run r;
    memset(&r, 0, sizeof r);
    r.policy = &a->policy;
    r.blocklist = a->blocklist;
    r.root = path;
    r.emit = a->on_finding;
    r.emit_ctx = a->ctx;
    r.product = vs_conf_detect(path);
    vs_rc rc = VS_OK;
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: no such file or directory", path);
        return VS_E_IO;
    }
    switch (r.product) {
    case VS_CONF_PRODUCT_ASTERISK: {
        vs_conf_set *set = NULL;
        if (S_ISDIR(st.st_mode)) {
            rc = vs_conf_asterisk_load_dir(path, NULL, &set, err, errlen);
            if (rc != VS_OK)
                return rc;
            /* a member that failed to load is an error for the whole audit: a check that cannot
             * read a file must not report it as clean */
            for (size_t i = 0; i < vs_conf_set_count(set); i++) {
                if (vs_conf_set_rc(set, i) != VS_OK) {
                    snprintf(err, errlen, "%s", vs_conf_set_error(set, i));
                    rc = vs_conf_set_rc(set, i);
                    vs_conf_set_free(set);
                    return rc;
                }
            }
            r.asterisk = set;
            run_checks(&r);
            vs_conf_set_free(set);
        } else {
            /* One file: it must load, and it is audited together with the other Asterisk files
             * of its directory, because most checks need two of them at once (an endpoint in
             * pjsip.conf and the dialplan context it lands in, in extensions.conf). */
            vs_conf *c = NULL;
            rc = vs_conf_asterisk_load(path, NULL, &c, err, errlen);
            if (rc != VS_OK)
                return rc;
            vs_conf_free(c);
            char dir[4096];
            snprintf(dir, sizeof dir, "%s", path);
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = '\0';
            rc = vs_conf_asterisk_load_dir(slash ? dir : ".", NULL, &set, err, errlen);
            if (rc != VS_OK)
                return rc;
            r.asterisk = set;
            run_checks(&r);
            vs_conf_set_free(set);
        }
        return VS_OK;
    }
    case VS_CONF_PRODUCT_FREESWITCH: {
        vs_conf *c = NULL;
        rc = vs_conf_freeswitch_load(path, NULL, &c, err, errlen);
        if (rc != VS_OK)
            return rc;
        r.freeswitch = c;
        run_checks(&r);
        vs_conf_free(c);
        return VS_OK;
    }
    case VS_CONF_PRODUCT_KAMAILIO: {
        vs_conf *c = NULL;
        rc = vs_conf_kamailio_load(path, NULL, &c, err, errlen);
        if (rc != VS_OK)
            return rc;
        r.kamailio = c;
        run_checks(&r);
        vs_conf_free(c);
        return VS_OK;
    }
    default:
        snprintf(err, errlen,
                 "%s: no Asterisk (pjsip.conf, sip.conf, extensions.conf, asterisk.conf), "
                 "FreeSWITCH (freeswitch.xml, or vars.xml with sip_profiles/) or Kamailio "
                 "(kamailio.cfg) configuration found",
                 path);
        return VS_E_NOTFOUND;
    }
}

size_t vs_audit_catalogue(const vs_audit_check_info **out)
{
    static vs_audit_check_info infos[512];
    static size_t count;
    if (!count) {
        vs__check_list areas[16];
        size_t n = vs__audit_areas(areas, 16), k = 0;
        for (size_t i = 0; i < n; i++)
            for (const vs__audit_check *const *c = areas[i]; *c && k < 512; c++)
                infos[k++] = (*c)->info;
        count = k;
    }
    *out = infos;
    return count;
}
