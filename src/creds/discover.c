/* Account discovery for `voipsec creds import`: the accounts audit's credential checks find
 * (src/audit/accounts.c, vs__ast_accounts_collect), each given a kind and a store name:
 *   pjsip.conf auth      -> trunk when an outbound_auth names it, else sip; the section name
 *   sip.conf             -> trunk when host is set and not "dynamic", else sip; the section name
 *   iax.conf             -> the same, named "iax/NAME"
 *   voicemail.conf       -> voicemail, "MAILBOX@CONTEXT"
 *   manager.conf         -> ami
 *   ari.conf (plain)     -> portal
 * or, for a FreeSWITCH configuration directory (vs__creds_is_freeswitch), the directory users
 * (freeswitch.c): password -> sip and vm-password -> voicemail, "ID@DOMAIN".
 * A file that holds secrets and fails to load stops the import: a partial list would make the
 * accounts it holds look deleted. FreeSWITCH is one configuration: any error stops it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/check.h"
#include "creds/creds_internal.h"

bool vs__creds_sodium(void)
{
    return sodium_init() >= 0;
}

void vs__creds_accts_free(vs__cred_accts *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].secret) {
            sodium_memzero(a->v[i].secret, strlen(a->v[i].secret));
            free(a->v[i].secret);
        }
    free(a->v);
    memset(a, 0, sizeof *a);
}

static vs_cred_kind kind_of(const vs__ast_account *ac)
{
    switch (ac->where) {
    case VS__AST_PJSIP:
    case VS__AST_SIP:
    case VS__AST_IAX:
        return ac->trunk ? VS_CRED_TRUNK : VS_CRED_SIP;
    case VS__AST_VOICEMAIL:
        return VS_CRED_VOICEMAIL;
    case VS__AST_MANAGER:
        return VS_CRED_AMI;
    case VS__AST_ARI:
        return VS_CRED_PORTAL;
    }
    return VS_CRED_PORTAL;
}

static const char *const secret_files[] = {"pjsip.conf",   "sip.conf", "iax.conf",
                                           "manager.conf", "ari.conf", "voicemail.conf"};

/* FreeSWITCH: the users of the directory, with their secrets copied (the configuration is
 * freed before returning). */
static vs_rc discover_freeswitch(const char *dir, vs__cred_accts *a, char *err, size_t errlen)
{
    vs_conf *c = NULL;
    vs_rc rc = vs_conf_freeswitch_load(dir, NULL, &c, err, errlen);
    if (rc != VS_OK)
        return rc;
    rc = vs__creds_fs_collect(c, a, err, errlen);
    for (size_t i = 0; i < a->n; i++) {
        a->v[i].e = NULL; /* they point into c */
        a->v[i].sec = NULL;
    }
    vs_conf_free(c);
    if (rc != VS_OK)
        vs__creds_accts_free(a);
    return rc;
}

vs_rc vs__creds_discover(const char *dir, vs__cred_accts *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (vs__creds_is_freeswitch(dir))
        return discover_freeswitch(dir, a, err, errlen);
    vs_conf_set *set = NULL;
    vs__ast_accounts found;
    memset(&found, 0, sizeof found);
    vs_rc rc = vs_conf_asterisk_load_dir(dir, NULL, &set, err, errlen);
    if (rc == VS_E_NOTFOUND)
        snprintf(err, errlen,
                 "%s: neither an Asterisk configuration (pjsip.conf, sip.conf, manager.conf, ...) "
                 "nor a FreeSWITCH one (freeswitch.xml, or vars.xml and directory/)",
                 dir);
    if (rc != VS_OK)
        return rc;
    for (size_t i = 0; i < vs_conf_set_count(set); i++) {
        const char *name = vs_conf_set_name(set, i);
        for (size_t k = 0; k < sizeof secret_files / sizeof secret_files[0]; k++)
            if (!strcmp(name, secret_files[k]) && !vs_conf_set_conf(set, i)) {
                snprintf(err, errlen, "%s", vs_conf_set_error(set, i));
                rc = vs_conf_set_rc(set, i);
                goto fail;
            }
    }
    vs__ast_accounts_collect(set, &found, NULL);
    if (found.failed)
        goto nomem;
    a->v = calloc(found.n ? found.n : 1, sizeof *a->v);
    if (!a->v)
        goto nomem;
    a->cap = found.n;
    for (size_t i = 0; i < found.n; i++) {
        const vs__ast_account *ac = &found.v[i];
        vs__cred_acct *d = &a->v[a->n];
        d->kind = kind_of(ac);
        if (ac->where == VS__AST_VOICEMAIL)
            snprintf(d->account, sizeof d->account, "%s@%s", ac->name,
                     ac->context ? ac->context : "default");
        else
            snprintf(d->account, sizeof d->account, "%s%s", ac->where == VS__AST_IAX ? "iax/" : "",
                     ac->name);
        snprintf(d->user, sizeof d->user, "%s", ac->user ? ac->user : "");
        snprintf(d->extension, sizeof d->extension, "%s", ac->extension);
        snprintf(d->file, sizeof d->file, "%s", ac->e->file ? ac->e->file : "");
        d->line = ac->e->line;
        size_t len = strlen(ac->secret);
        d->secret = malloc(len + 1);
        if (!d->secret)
            goto nomem;
        memcpy(d->secret, ac->secret, len + 1);
        a->n++;
    }
    vs__ast_accounts_free(&found);
    vs_conf_set_free(set);
    return VS_OK;
nomem:
    snprintf(err, errlen, "out of memory collecting accounts");
    rc = VS_E_NOMEM;
fail:
    vs__ast_accounts_free(&found);
    vs_conf_set_free(set);
    vs__creds_accts_free(a);
    return rc;
}
