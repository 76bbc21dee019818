/* `creds check`: may this secret become the account's next one?
 *
 * Design: the policy rules first (vs_strength_check: length, classes, blocklist, strength, equal
 * to user or extension; a PIN for voicemail), then the history — the current fingerprint and the
 * policy.history - 1 previous ones, so that "no reuse of the last N" counts the current secret —
 * then every other account's fingerprint (hashes are salted: each is verified, not compared).
 * Read-only: nothing is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "creds/creds_internal.h"
#include "store/creds_rows.h"

static bool verify(const char *fingerprint, const char *secret)
{
    return fingerprint[0] && crypto_pwhash_str_verify(fingerprint, secret, strlen(secret)) == 0;
}

vs_rc vs_creds_check(vs_store *st, const vs_policy *p, const vs_blocklist *bl, const char *account,
                     const char *secret, vs_creds_verdict *out, char *err, size_t errlen)
{
    if (!st || !p || !account || !secret || !out) {
        snprintf(err, errlen, "invalid arguments");
        return VS_E_INVAL;
    }
    if (!vs__creds_sodium()) {
        snprintf(err, errlen, "libsodium could not be initialised");
        return VS_E_IO;
    }
    vs_creds_verdict v;
    memset(&v, 0, sizeof v);
    vs__cred_row row;
    vs_rc rc = vs__store_cred_find(st, account, &row);
    if (rc != VS_OK) {
        snprintf(err, errlen, "%s", vs_store_error(st));
        return rc;
    }
    bool pin = !strcmp(row.kind, "voicemail");
    vs_strength_check(p, bl, secret, row.user, row.extension[0] ? row.extension : NULL, pin,
                      &v.strength);
    v.ok = v.strength.ok;
    if (!v.ok)
        snprintf(v.reason, sizeof v.reason, "%s", v.strength.reason);

    if (p->history) {
        v.in_history = verify(row.fingerprint, secret);
        if (!v.in_history && p->history > 1) {
            size_t cap = p->history - 1;
            char(*fps)[160] = calloc(cap, sizeof *fps);
            if (!fps) {
                snprintf(err, errlen, "out of memory");
                return VS_E_NOMEM;
            }
            long n = vs__store_cred_history(st, row.id, fps, cap);
            if (n < 0) {
                snprintf(err, errlen, "%s", vs_store_error(st));
                free(fps);
                return (vs_rc)n;
            }
            for (long i = 0; i < n && !v.in_history; i++)
                v.in_history = verify(fps[i], secret);
            free(fps);
        }
        if (v.in_history && v.ok) {
            v.ok = false;
            snprintf(v.reason, sizeof v.reason,
                     "it is the current %s or one of the last %u of this account",
                     pin ? "PIN" : "secret", p->history);
        }
    }

    vs__cred_row *rows = NULL;
    size_t n = 0;
    rc = vs__store_cred_list(st, &rows, &n);
    if (rc != VS_OK) {
        snprintf(err, errlen, "%s", vs_store_error(st));
        return rc;
    }
    for (size_t i = 0; i < n && !v.used_elsewhere; i++) {
        if (rows[i].id == row.id || !verify(rows[i].fingerprint, secret))
            continue;
        v.used_elsewhere = true;
        snprintf(v.other, sizeof v.other, "%s:%s", rows[i].kind, rows[i].account);
    }
    free(rows);
    if (v.used_elsewhere && v.ok) {
        v.ok = false;
        snprintf(v.reason, sizeof v.reason, "another account (%s) uses this secret", v.other);
    }
    *out = v;
    return VS_OK;
}
