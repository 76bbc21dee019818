/* voipsec creds: the lifecycle of VoIP secrets (SIP and trunk secrets, voicemail PINs, AMI and
 * portal passwords) under the credential policy that `audit` reads (vs_policy, audit.h).
 *
 *   import    reads the accounts of an Asterisk or FreeSWITCH configuration directory into the
 *             store with a salted Argon2id fingerprint (libsodium crypto_pwhash_str,
 *             OPSLIMIT/MEMLIMIT INTERACTIVE) of the current secret, never the secret itself;
 *   status    every account with its age, due date, strength verdict and reuse, as rows and as
 *             findings (creds.rotation-overdue, creds.weak-secret, creds.secret-reuse);
 *   check     whether a proposed secret for an account passes the policy, its history and the
 *             other accounts' secrets;
 *   generate  a policy-compliant secret from libsodium's CSPRNG;
 *   rotate    a new secret written into the configuration file in place (atomically, with a
 *             backup) and recorded in the store, the old fingerprint moved to the history.
 *
 * Kinds (docs/cli/creds.md): pjsip.conf type=auth (userpass) and sip.conf peers -> sip, or trunk
 * when the section is a trunk (pjsip: named by an endpoint's outbound_auth or a registration;
 * sip.conf/iax.conf: a host other than dynamic); iax.conf -> sip/trunk named "iax/NAME";
 * voicemail.conf -> voicemail "MAILBOX@CONTEXT"; manager.conf -> ami; ari.conf (plain) -> portal.
 * FreeSWITCH directory users: password -> sip, vm-password -> voicemail, both "ID@DOMAIN" (a user
 * with an a1-hash has no clear SIP secret and is skipped; pointer users are not accounts).
 *
 * Thread-safety: functions taking a vs_store follow the store's rule (one vs_store per thread);
 * the rest are reentrant. Secrets passed in are never stored, logged or copied into outputs. */
#ifndef VOIPSEC_CREDS_H
#define VOIPSEC_CREDS_H

#include <voipsec/audit.h>
#include <voipsec/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vs_cred_kind {
    VS_CRED_SIP = 0,
    VS_CRED_TRUNK,
    VS_CRED_VOICEMAIL,
    VS_CRED_AMI,
    VS_CRED_PORTAL,
    VS_CRED__COUNT
} vs_cred_kind;

/* "sip", "trunk", "voicemail", "ami", "portal". */
VS_EXPORT const char *vs_cred_kind_id(vs_cred_kind k);
/* VS_OK or VS_E_INVAL. */
VS_EXPORT vs_rc vs_cred_kind_parse(const char *text, vs_cred_kind *out);

typedef struct vs_creds_import_stats {
    unsigned long accounts;  /* found in the configuration */
    unsigned long added;     /* new in the store */
    unsigned long changed;   /* secret changed since the last import (old one to history) */
    unsigned long unchanged; /* same secret (verified against the stored fingerprint) */
    unsigned long reused;    /* accounts sharing their secret with another account */
    unsigned long weak;      /* accounts whose secret fails the policy */
} vs_creds_import_stats;

/* Imports the accounts of the Asterisk or FreeSWITCH configuration directory dir into st, in one
 * transaction: nothing is written on failure. A FreeSWITCH secret written as $${var} is taken
 * after expansion (its fingerprint is that of the variable's value). bl may be NULL (no
 * blocklist). VS_OK; VS_E_NOTFOUND when dir holds neither configuration or no account; VS_E_IO
 * (store or file error), VS_E_PARSE (a file that holds secrets does not load), VS_E_NOMEM; err says
 * which. */
VS_EXPORT vs_rc vs_creds_import(vs_store *st, const vs_policy *p, const vs_blocklist *bl,
                                const char *dir, vs_creds_import_stats *stats, char *err,
                                size_t errlen);

/* One account as `status` shows it. */
typedef struct vs_cred_status {
    vs_cred_kind kind;
    char account[128];
    char file[256];
    unsigned line;
    int64_t set_at_us; /* when the current secret was first seen */
    int64_t age_days;  /* whole days since set_at */
    bool has_due;      /* the policy rotates (max_age_days > 0) */
    int64_t due_us;    /* set_at + max_age_days */
    bool overdue;      /* has_due and now is past due */
    bool weak;         /* failed the policy at import */
    char weak_reason[256];
    int64_t reuse_group; /* 0: not shared; accounts with the same value share a secret */
} vs_cred_status;

/* Calls fn for every account in st (by kind, then account) as seen at now_us under p. Stops when
 * fn returns false. VS_OK or VS_E_IO / VS_E_NOMEM (err set). */
typedef bool (*vs_creds_status_fn)(void *ctx, const vs_cred_status *s);
VS_EXPORT vs_rc vs_creds_status(vs_store *st, const vs_policy *p, int64_t now_us,
                                vs_creds_status_fn fn, void *ctx, char *err, size_t errlen);

/* The findings of one account (zero to three): creds.rotation-overdue (medium), creds.weak-secret
 * (high), creds.secret-reuse (high), practice credentials, with file, line and user. */
VS_EXPORT void vs_creds_findings(const vs_cred_status *s, const vs_policy *p, vs_finding_fn fn,
                                 void *ctx);

/* The verdict on a proposed secret for one account. */
typedef struct vs_creds_verdict {
    bool ok;
    vs_strength strength; /* length, classes, blocklist, strength, equal to user/extension */
    bool in_history;      /* the current secret or one of the last policy.history ones */
    bool used_elsewhere;  /* the secret of another account in the store */
    char other[160];      /* that account ("kind:name") */
    char reason[256];     /* the first failed rule in plain words; never the secret */
} vs_creds_verdict;

/* Judges secret as the next secret of account ("NAME" or "KIND:NAME"). VS_OK with *out filled;
 * VS_E_NOTFOUND (unknown account), VS_E_IO; err says which. Nothing is written. */
VS_EXPORT vs_rc vs_creds_check(vs_store *st, const vs_policy *p, const vs_blocklist *bl,
                               const char *account, const char *secret, vs_creds_verdict *out,
                               char *err, size_t errlen);

/* Generates a secret for kind into buf (NUL-terminated): sip/trunk/ami/portal: max(min_length,
 * 20) characters of an unambiguous alphabet, with all four classes when the policy asks for
 * classes; voicemail: a PIN of pin_min_length digits without repeats, runs or pairs, both
 * accepted by vs_strength_check under p and bl. VS_OK, VS_E_LIMIT (buf too small), VS_E_IO
 * (libsodium could not start). */
VS_EXPORT vs_rc vs_creds_generate(const vs_policy *p, const vs_blocklist *bl, vs_cred_kind kind,
                                  char *buf, size_t size);

/* What vs_creds_rotate did. */
typedef struct vs_creds_rotate_result {
    bool rotated;             /* the file was rewritten and the store updated */
    vs_creds_verdict verdict; /* the verdict on the new secret (not ok: refused, nothing written) */
    char file[1024];          /* the file that holds the secret */
    unsigned line;            /* its line */
    char backup[1040];        /* FILE.voipsec-bak, the previous file (when rotated) */
    /* FreeSWITCH, when rotated: the preprocessor variable NAME when the value was the reference
     * $${NAME} (e.g. default_password): the reference was replaced by the new secret in this
     * user's param only, and the variable, and every other user that names it, kept their value.
     * "" otherwise. */
    char replaced_var[128];
} vs_creds_rotate_result;

/* Rotates the secret of account ("NAME" or "KIND:NAME", as in vs_creds_check) found in the
 * Asterisk configuration directory dir (pjsip.conf auth password, sip.conf/iax.conf secret,
 * voicemail.conf PIN, manager.conf secret, ari.conf plain password) or the FreeSWITCH one
 * (directory XML: a user's password or vm-password param; the new secret is written with XML
 * entity references for & < > " '; a $${var} reference is replaced by the new value in that
 * user's param, see res->replaced_var).
 *
 * secret: the new secret, or NULL to generate one (vs_creds_generate for the account's kind).
 * It must pass vs_creds_check (policy, history, other accounts); otherwise VS_OK is returned with
 * res->rotated false and res->verdict saying why, and nothing is written. When rotated, the new
 * secret is copied into out[0..outsize) (NUL-terminated), the only place it leaves this function.
 *
 * Only the bytes of the secret's value change in the file; the file is replaced atomically
 * (temporary file in the same directory, fsync, FILE.voipsec-bak backup, rename, fsync of the
 * directory) with its mode and owner kept, then the store records the new fingerprint and moves
 * the old one to the history in one transaction. Refusals (nothing written): VS_E_NOTFOUND (the
 * account is not in the store or no longer in the configuration), VS_E_PARSE (the configuration
 * changed since the last import: the current secret does not verify against the stored
 * fingerprint; or the value cannot be rewritten in place: inherited from a template, in an
 * included file, continued with +=, written with escapes; FreeSWITCH: inherited from the user's
 * group or domain, or a value mixing a $${var} with other text), VS_E_INVAL (a given secret holds a
 * character the file cannot hold), VS_E_IO (store locked or unusable, a file error), VS_E_NOMEM,
 * VS_E_LIMIT (out too small); err says which.
 *
 * A crash at any point leaves the old or the new file, never a torn one (src/creds/rotate.c
 * explains each step; the unit tests stop the process at each through a private entry point:
 * no environment variable or other outside switch exists). */
VS_EXPORT vs_rc vs_creds_rotate(vs_store *st, const vs_policy *p, const vs_blocklist *bl,
                                const char *dir, const char *account, const char *secret, char *out,
                                size_t outsize, vs_creds_rotate_result *res, char *err,
                                size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
