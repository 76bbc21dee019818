/* Private to src/creds/: the accounts found in an Asterisk configuration (discover.c). */
#ifndef VS_CREDS_INTERNAL_H
#define VS_CREDS_INTERNAL_H

#include <voipsec/creds.h>

typedef struct vs__cred_acct {
    vs_cred_kind kind;
    char account[128];
    char user[128];     /* user name word for the strength check */
    char extension[64]; /* extension word ("" when none) */
    char file[256];
    unsigned line;
    char *secret;  /* owned, scrubbed by vs__creds_accts_free */
    int64_t id;    /* store id once imported */
    int64_t group; /* reuse group (import) */
} vs__cred_acct;

typedef struct vs__cred_accts {
    vs__cred_acct *v;
    size_t n, cap;
} vs__cred_accts;

/* Loads the Asterisk directory dir and collects every account with a secret (the same places
 * audit's credential checks look, src/audit/checks_credentials.c). VS_OK (a->n may be 0),
 * VS_E_NOTFOUND (no Asterisk file), VS_E_PARSE / VS_E_IO (a file with secrets failed to load),
 * VS_E_NOMEM; err set. */
vs_rc vs__creds_discover(const char *dir, vs__cred_accts *a, char *err, size_t errlen);
void vs__creds_accts_free(vs__cred_accts *a);

/* sodium_init() once; false when libsodium cannot start. */
bool vs__creds_sodium(void);

#endif
