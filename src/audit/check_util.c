/* Small helpers shared by the check files (checks_*.c): starting a finding at an entry or a
 * section, finishing it with its texts and emitting it, matching section names and type= values,
 * walking the sections of one type, reading one key of one Asterisk file, and classifying bind
 * addresses.
 *
 * Design: each helper replaces a copy that several check files used to keep for themselves; they
 * hold no state and only read the configuration model, so a check stays one small function that
 * says what it looks for and what it reports. */
#include <string.h>
#include <strings.h>

#include "audit/check.h"

void vs__audit_start(const vs__audit_run *r, const vs__audit_check *c, const vs_conf_entry *e,
                     const vs_conf_section *s, vs_finding *f)
{
    if (e)
        vs__audit_finding_at(r, c, e, f);
    else if (s)
        vs__audit_finding(r, c, s->file, s->line, f);
    else if (r->kamailio)
        vs__audit_finding(r, c, vs_conf_file_path(r->kamailio, 0), 0, f);
    else if (r->freeswitch)
        vs__audit_finding(r, c, r->root, 0, f);
    else
        vs__audit_finding(r, c, NULL, 0, f);
}

void vs__audit_finish(vs__audit_run *r, vs_finding *f, const char *evidence, const char *explain,
                      const char *advice)
{
    if (evidence)
        vs_finding_set(f->evidence, sizeof f->evidence, evidence);
    if (explain)
        vs_finding_set(f->explain, sizeof f->explain, explain);
    if (advice)
        vs_finding_set(f->advice, sizeof f->advice, advice);
    vs__audit_emit(r, f);
}

bool vs__audit_prefix(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}

bool vs__audit_list_has(const char *list, const char *word)
{
    if (!list)
        return false;
    size_t wl = strlen(word);
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        const char *q = p;
        while (*q && *q != ',' && *q != ' ' && *q != '\t')
            q++;
        if ((size_t)(q - p) == wl && strncasecmp(p, word, wl) == 0)
            return true;
        p = q;
    }
    return false;
}

bool vs__audit_sec_is(const vs_conf_section *s, const char *name)
{
    return strcasecmp(s->name, name) == 0;
}

bool vs__audit_type_is(const vs_conf *c, const vs_conf_section *s, const char *type)
{
    const char *t = vs_conf_value(c, s, "type");
    return t && strcasecmp(t, type) == 0;
}

const vs_conf_section *vs__audit_next_of_type(const vs_conf *c, const char *type, size_t *it)
{
    while (c && *it < vs_conf_section_count(c)) {
        const vs_conf_section *s = vs_conf_section_at(c, (*it)++);
        if (!s->is_template && vs__audit_type_is(c, s, type))
            return s;
    }
    return NULL;
}

const vs_conf_entry *vs__audit_ast_get(const vs__audit_run *r, const char *file,
                                       const char *section, const char *key,
                                       const vs_conf_section **sec)
{
    const vs_conf *c = vs__audit_ast(r, file);
    const vs_conf_section *s = c ? vs_conf_find(c, section) : NULL;
    *sec = s;
    return s ? vs_conf_get(c, s, key) : NULL;
}

void vs__audit_ast_flag(vs__audit_run *r, const vs__audit_check *c, const char *file,
                        const char *section, const char *key, bool bad, const char *explain,
                        const char *advice)
{
    const vs_conf_section *s;
    const vs_conf_entry *e = vs__audit_ast_get(r, file, section, key, &s);
    if (!e || !(bad ? vs__conf_true(e->value) : vs__conf_false(e->value)))
        return;
    vs_finding f;
    vs__audit_start(r, c, e, s, &f);
    vs_evidence_str(f.evidence, sizeof f.evidence, key, e->value);
    vs__audit_finish(r, &f, NULL, explain, advice);
}

bool vs__audit_addr_any(const char *v)
{
    if (!v)
        return false;
    return !*v || !strncmp(v, "0.0.0.0", 7) || !strcmp(v, "::") || !strncmp(v, "[::]", 4);
}

bool vs__audit_addr_loopback(const char *v)
{
    return v && (!strncmp(v, "127.", 4) || !strcmp(v, "::1") || !strncmp(v, "[::1]", 5) ||
                 !strcasecmp(v, "localhost"));
}
