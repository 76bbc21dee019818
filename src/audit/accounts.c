/* Where Asterisk keeps its secrets: the accounts of a loaded Asterisk configuration set, shared
 * by audit's credential checks (checks_credentials.c) and `voipsec creds import` (src/creds/).
 *
 * Where the secrets are (Asterisk's sample configs):
 *   pjsip.conf     type=auth sections: password (auth_type userpass, the default), username;
 *                  a trunk's when an endpoint's or registration's outbound_auth names it
 *   sip.conf       peer/user/friend sections: secret (defaultuser or the section name is the
 *                  user); a trunk's when host is set and not "dynamic"
 *   iax.conf       user/peer/friend sections: secret (the same)
 *   manager.conf   every section but [general] is an AMI user: secret
 *   ari.conf       type=user sections: password, when password_format is plain (the default)
 *   voicemail.conf context sections of "mailbox => pin,name,email,...": the PIN is the first field
 *                  (a leading '-' only stops the user from changing it)
 * Templates are not accounts; their secrets are judged through the sections that inherit them.
 * Each secret is copied once and scrubbed when the list is freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/check.h"

void vs__ast_accounts_free(vs__ast_accounts *a)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->v[i].secret) {
            /* scrub the copy before freeing it */
            memset(a->v[i].secret, 0, strlen(a->v[i].secret));
            free(a->v[i].secret);
        }
    }
    free(a->v);
    memset(a, 0, sizeof *a);
}

static vs__ast_account *acc_add(vs__ast_accounts *a, vs__ast_area where, const char *name,
                                const char *file_name, const char *user, const char *extension,
                                const vs_conf_entry *e, const char *secret, size_t secret_len)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 64;
        vs__ast_account *nv = realloc(a->v, nc * sizeof *nv);
        if (!nv) {
            a->failed = true;
            return NULL;
        }
        a->v = nv;
        a->cap = nc;
    }
    char *copy = malloc(secret_len + 1);
    if (!copy) {
        a->failed = true;
        return NULL;
    }
    memcpy(copy, secret, secret_len);
    copy[secret_len] = '\0';
    vs__ast_account *ac = &a->v[a->n];
    memset(ac, 0, sizeof *ac);
    ac->where = where;
    ac->name = name;
    snprintf(ac->label, sizeof ac->label, "%s [%s]", file_name, name);
    ac->user = user;
    snprintf(ac->extension, sizeof ac->extension, "%s", extension ? extension : "");
    ac->e = e;
    ac->secret = copy;
    ac->order = a->n;
    a->n++;
    return ac;
}

/* The extension an auth section belongs to: its name without a "-auth"/"_auth"/"auth" suffix
 * ("6001-auth" -> "6001"); the name itself otherwise. */
static void auth_extension(const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s", name);
    size_t n = strlen(out);
    static const char *const suffixes[] = {"-auth", "_auth", ".auth", "auth"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcasecmp(out + n - k, suffixes[i]) == 0) {
            out[n - k] = '\0';
            return;
        }
    }
}

/* Some endpoint or registration names auth in its outbound_auth list: the auth is a trunk's. */
static bool is_outbound_auth(const vs_conf *c, const char *auth)
{
    size_t n = strlen(auth);
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (s->is_template ||
            !(vs__audit_type_is(c, s, "endpoint") || vs__audit_type_is(c, s, "registration")))
            continue;
        const char *v = vs_conf_value(c, s, "outbound_auth");
        for (const char *p = v; p && *p;) {
            p += strspn(p, " ,\t");
            size_t w = strcspn(p, " ,\t");
            if (w == n && !strncasecmp(p, auth, n))
                return true;
            p += w;
        }
    }
    return false;
}

static void collect_pjsip(const vs_conf_set *set, vs__ast_accounts *a)
{
    const vs_conf *c = vs_conf_set_get(set, "pjsip.conf");
    if (!c)
        return;
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "auth", &it));) {
        const char *at = vs_conf_value(c, s, "auth_type");
        if (at && strcasecmp(at, "userpass")) /* md5 (a hash), google_oauth: nothing to judge */
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "password");
        if (!e)
            continue;
        const char *user = vs_conf_value(c, s, "username");
        char ext[64];
        auth_extension(s->name, ext, sizeof ext);
        vs__ast_account *ac =
            acc_add(a, VS__AST_PJSIP, s->name, "pjsip.conf", user && *user ? user : s->name, ext, e,
                    e->value, strlen(e->value));
        if (ac)
            ac->trunk = is_outbound_auth(c, s->name);
    }
}

/* chan_sip and IAX2 share the account layout. */
static void collect_peers(const vs_conf_set *set, vs__ast_accounts *a, const char *file,
                          vs__ast_area where)
{
    const vs_conf *c = vs_conf_set_get(set, file);
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (s->is_template || vs__audit_sec_is(s, "general") ||
            vs__audit_sec_is(s, "authentication") || vs__audit_sec_is(s, "callnumberlimits"))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "secret");
        if (!e)
            continue;
        const char *user = vs_conf_value(c, s, where == VS__AST_SIP ? "defaultuser" : "username");
        if (!user && where == VS__AST_SIP)
            user = vs_conf_value(c, s, "username"); /* older name of defaultuser */
        vs__ast_account *ac = acc_add(a, where, s->name, file, user && *user ? user : s->name,
                                      s->name, e, e->value, strlen(e->value));
        const char *host = vs_conf_value(c, s, "host");
        if (ac)
            ac->trunk = host && *host && strcasecmp(host, "dynamic") != 0;
    }
}

static void collect_manager(const vs_conf_set *set, vs__ast_accounts *a)
{
    const vs_conf *c = vs_conf_set_get(set, "manager.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (s->is_template || vs__audit_sec_is(s, "general"))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "secret");
        if (e)
            acc_add(a, VS__AST_MANAGER, s->name, "manager.conf", s->name, NULL, e, e->value,
                    strlen(e->value));
    }
}

static void collect_ari(const vs_conf_set *set, vs__ast_accounts *a)
{
    const vs_conf *c = vs_conf_set_get(set, "ari.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (s->is_template || vs__audit_sec_is(s, "general"))
            continue;
        const char *type = vs_conf_value(c, s, "type");
        if (type && strcasecmp(type, "user"))
            continue;
        const char *fmt = vs_conf_value(c, s, "password_format");
        if (fmt && strcasecmp(fmt, "plain")) /* crypt: a hash, nothing to judge */
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "password");
        if (e)
            acc_add(a, VS__AST_ARI, s->name, "ari.conf", s->name, NULL, e, e->value,
                    strlen(e->value));
    }
}

static void collect_voicemail(const vs_conf_set *set, vs__ast_accounts *a)
{
    const vs_conf *c = vs_conf_set_get(set, "voicemail.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (s->is_template || vs__audit_sec_is(s, "general") || vs__audit_sec_is(s, "zonemessages"))
            continue;
        for (size_t k = 0; k < s->n_entries; k++) {
            const vs_conf_entry *e = &s->entries[k];
            if (e->merged || (e->op != VS_CONF_OP_OBJECT && e->op != VS_CONF_OP_SET))
                continue;
            const char *v = e->value;
            size_t n = strcspn(v, ",");
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
            if (n && v[0] == '-') { /* "-1234": the user may not change it; the PIN is 1234 */
                v++;
                n--;
            }
            vs__ast_account *ac =
                acc_add(a, VS__AST_VOICEMAIL, e->key, "voicemail.conf", e->key, e->key, e, v, n);
            if (ac) {
                snprintf(ac->label, sizeof ac->label, "voicemail.conf [%s] %s", s->name, e->key);
                ac->context = s->name;
            }
        }
    }
}

void vs__ast_accounts_collect(const vs_conf_set *set, vs__ast_accounts *a, const vs__ast_area *only)
{
    memset(a, 0, sizeof *a);
    if (!set)
        return;
    if (!only || *only == VS__AST_PJSIP)
        collect_pjsip(set, a);
    if (!only || *only == VS__AST_SIP)
        collect_peers(set, a, "sip.conf", VS__AST_SIP);
    if (!only || *only == VS__AST_IAX)
        collect_peers(set, a, "iax.conf", VS__AST_IAX);
    if (!only || *only == VS__AST_MANAGER)
        collect_manager(set, a);
    if (!only || *only == VS__AST_ARI)
        collect_ari(set, a);
    if (!only || *only == VS__AST_VOICEMAIL)
        collect_voicemail(set, a);
}
