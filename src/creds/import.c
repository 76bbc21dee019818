/* `creds import`: accounts of an Asterisk directory into the store, with an Argon2id fingerprint
 * of each secret.
 *
 * Design: one transaction per import (nothing is written when anything fails). For each account
 * found: unchanged when crypto_pwhash_str_verify accepts the secret against the stored
 * fingerprint (fingerprint and set_at kept); otherwise a new salted fingerprint, set_at = now,
 * and the previous fingerprint moved to credential_history. Reuse is found while the secrets are
 * in memory: equal secrets within this import, and each secret verified against the fingerprints
 * of stored accounts this import did not see (hashes are salted, so they cannot be compared).
 * The weak-secret verdict (vs_strength_check) is stored as its reason text, never the secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "creds/creds_internal.h"
#include "store/creds_rows.h"

static const char *const kind_ids[VS_CRED__COUNT] = {"sip", "trunk", "voicemail", "ami", "portal"};

const char *vs_cred_kind_id(vs_cred_kind k)
{
    return (unsigned)k < VS_CRED__COUNT ? kind_ids[k] : "unknown";
}

vs_rc vs_cred_kind_parse(const char *text, vs_cred_kind *out)
{
    for (int i = 0; i < VS_CRED__COUNT; i++)
        if (text && !strcmp(text, kind_ids[i])) {
            *out = (vs_cred_kind)i;
            return VS_OK;
        }
    return VS_E_INVAL;
}

static bool verify(const char *fingerprint, const char *secret)
{
    return fingerprint[0] && crypto_pwhash_str_verify(fingerprint, secret, strlen(secret)) == 0;
}

vs_rc vs_creds_import(vs_store *st, const vs_policy *p, const vs_blocklist *bl, const char *dir,
                      vs_creds_import_stats *stats, char *err, size_t errlen)
{
    vs_creds_import_stats s;
    memset(&s, 0, sizeof s);
    if (!st || !p || !dir) {
        snprintf(err, errlen, "invalid arguments");
        return VS_E_INVAL;
    }
    if (!vs__creds_sodium()) {
        snprintf(err, errlen, "libsodium could not be initialised");
        return VS_E_IO;
    }
    vs__cred_accts a;
    vs_rc rc = vs__creds_discover(dir, &a, err, errlen);
    if (rc != VS_OK)
        return rc;
    vs__cred_row *old = NULL;
    size_t nold = 0;
    bool in_tx = false;
    if (a.n == 0) {
        snprintf(err, errlen, "%s: no account with a secret found", dir);
        rc = VS_E_NOTFOUND;
        goto out;
    }
    rc = vs__store_cred_list(st, &old, &nold);
    if (rc != VS_OK)
        goto store_fail;
    rc = vs_store_begin(st);
    if (rc != VS_OK)
        goto store_fail;
    in_tx = true;
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC) {
        ts.tv_sec = time(NULL);
        ts.tv_nsec = 0;
    }
    int64_t now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    s.accounts = a.n;
    for (size_t i = 0; i < a.n; i++) {
        vs__cred_acct *ac = &a.v[i];
        bool dup = false; /* the same name twice (sip.conf and pjsip.conf): the first counts */
        for (size_t k = 0; k < i && !dup; k++)
            dup = a.v[k].kind == ac->kind && !strcmp(a.v[k].account, ac->account);
        if (dup) {
            s.accounts--;
            sodium_memzero(ac->secret, strlen(ac->secret)); /* out of the reuse comparison */
            continue;
        }
        vs__cred_row row;
        memset(&row, 0, sizeof row);
        snprintf(row.kind, sizeof row.kind, "%s", vs_cred_kind_id(ac->kind));
        snprintf(row.account, sizeof row.account, "%s", ac->account);
        const vs__cred_row *prev = NULL;
        for (size_t k = 0; k < nold; k++)
            if (!strcmp(old[k].kind, row.kind) && !strcmp(old[k].account, row.account))
                prev = &old[k];
        bool changed = false;
        if (prev && verify(prev->fingerprint, ac->secret)) {
            snprintf(row.fingerprint, sizeof row.fingerprint, "%s", prev->fingerprint);
            row.set_at_us = prev->set_at_us;
            s.unchanged++;
        } else {
            char fp[crypto_pwhash_STRBYTES];
            if (crypto_pwhash_str(fp, ac->secret, strlen(ac->secret),
                                  crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
                snprintf(err, errlen, "out of memory computing a fingerprint");
                rc = VS_E_NOMEM;
                goto out;
            }
            snprintf(row.fingerprint, sizeof row.fingerprint, "%s", fp);
            row.set_at_us = now;
            changed = prev != NULL;
            if (prev)
                s.changed++;
            else
                s.added++;
        }
        row.imported_at_us = now;
        snprintf(row.user, sizeof row.user, "%s", ac->user);
        snprintf(row.extension, sizeof row.extension, "%s", ac->extension);
        snprintf(row.file, sizeof row.file, "%s", ac->file);
        row.line = ac->line;
        vs_strength v;
        vs_strength_check(p, bl, ac->secret, ac->user, ac->extension[0] ? ac->extension : NULL,
                          ac->kind == VS_CRED_VOICEMAIL, &v);
        if (!v.ok) {
            snprintf(row.weak, sizeof row.weak, "%s", v.reason[0] ? v.reason : "fails the policy");
            s.weak++;
        }
        rc = vs__store_cred_put(st, &row, changed);
        if (rc != VS_OK)
            goto store_fail;
        ac->id = row.id;
    }
    /* reuse within this import: the group is the smallest id sharing the secret */
    for (size_t i = 0; i < a.n; i++) {
        if (!a.v[i].secret[0])
            continue;
        for (size_t k = 0; k < a.n; k++)
            if (k != i && !strcmp(a.v[i].secret, a.v[k].secret)) {
                int64_t g = a.v[i].id < a.v[k].id ? a.v[i].id : a.v[k].id;
                if (!a.v[i].group || g < a.v[i].group)
                    a.v[i].group = g;
            }
    }
    /* reuse with stored accounts this import did not see */
    for (size_t k = 0; k < nold; k++) {
        bool seen = false;
        for (size_t i = 0; i < a.n && !seen; i++)
            seen = a.v[i].id == old[k].id;
        if (seen)
            continue;
        for (size_t i = 0; i < a.n; i++) {
            if (!a.v[i].secret[0] || !verify(old[k].fingerprint, a.v[i].secret))
                continue;
            int64_t g = old[k].reuse_group ? old[k].reuse_group : old[k].id;
            if (!a.v[i].group || g < a.v[i].group)
                a.v[i].group = g;
            rc = vs__store_cred_set_reuse(st, old[k].id, a.v[i].group);
            if (rc != VS_OK)
                goto store_fail;
        }
    }
    for (size_t i = 0; i < a.n; i++) {
        if (!a.v[i].id)
            continue; /* a duplicate name, skipped above */
        if (a.v[i].group)
            s.reused++;
        rc = vs__store_cred_set_reuse(st, a.v[i].id, a.v[i].group);
        if (rc != VS_OK)
            goto store_fail;
    }
    rc = vs_store_commit(st);
    if (rc != VS_OK)
        goto store_fail;
    in_tx = false;
    if (stats)
        *stats = s;
    rc = VS_OK;
    goto out;

store_fail:
    snprintf(err, errlen, "%s", vs_store_error(st));
    if (rc == VS_OK)
        rc = VS_E_IO;
out:
    if (in_tx)
        vs__store_rollback(st);
    free(old);
    vs__creds_accts_free(&a);
    return rc;
}
