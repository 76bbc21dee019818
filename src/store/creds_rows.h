/* Private (library-internal) access to the credential tables of the store (schema version 3,
 * docs/internals/store.md): credential_accounts and credential_history. Used by src/creds/; only
 * src/store/ includes sqlite3.h, so the rows travel as plain structs.
 *
 * The store never sees a secret: fingerprints are libsodium crypto_pwhash_str strings (Argon2id,
 * salted), computed by src/creds/ before a row is written. */
#ifndef VS_STORE_CREDS_ROWS_H
#define VS_STORE_CREDS_ROWS_H

#include <voipsec/store.h>

typedef struct vs__cred_row {
    int64_t id;
    char kind[16];      /* sip, trunk, voicemail, ami, portal */
    char account[128];  /* section name, "iax/NAME", "MAILBOX@CONTEXT" */
    char user[128];     /* the user name word (auth username, defaultuser) */
    char extension[64]; /* the extension word ("" when none) */
    char file[256];     /* source file and line of the secret */
    unsigned line;
    char fingerprint[160]; /* "$argon2id$..." */
    int64_t set_at_us;     /* when this secret was first seen (import) or set */
    int64_t imported_at_us;
    char weak[256];      /* "" when the secret met the policy at import, else the reason */
    int64_t reuse_group; /* 0: not shared; else the smallest id of the accounts sharing it */
} vs__cred_row;

/* Every account, ordered by kind then account; *rows is malloc'd (free()), *n its count.
 * VS_OK or VS_E_IO / VS_E_NOMEM (st's error set). */
vs_rc vs__store_cred_list(vs_store *st, vs__cred_row **rows, size_t *n);
/* The account named account ("KIND:NAME" picks a kind; a bare name matches any kind, the first
 * by kind order). VS_OK, VS_E_NOTFOUND, VS_E_IO. */
vs_rc vs__store_cred_find(vs_store *st, const char *account, vs__cred_row *out);
/* Inserts row (id ignored; sets row->id) or, when (kind, account) exists, updates it; when
 * changed is true and the row existed, its previous fingerprint and set_at go to
 * credential_history first. VS_OK or VS_E_IO. Call inside vs_store_begin/commit. */
vs_rc vs__store_cred_put(vs_store *st, vs__cred_row *row, bool changed);
/* Sets reuse_group of account id. VS_OK or VS_E_IO. */
vs_rc vs__store_cred_set_reuse(vs_store *st, int64_t id, int64_t group);
/* The newest up to cap previous fingerprints of account id (newest first) into fps[i]
 * (160 bytes each); returns how many, or a negative vs_rc. */
long vs__store_cred_history(vs_store *st, int64_t id, char (*fps)[160], size_t cap);
/* Rolls back the open transaction (after a failed import): nothing written. */
void vs__store_rollback(vs_store *st);

#endif
