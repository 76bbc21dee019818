/* Private to src/creds/: the accounts found in an Asterisk configuration (discover.c) or in a
 * FreeSWITCH directory (freeswitch.c), and rotate's test entry point. */
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
    /* FreeSWITCH, while the vs_conf the account came from lives (rotate): the entry holding the
     * secret and the user section; NULL otherwise. */
    const vs_conf_entry *e;
    const vs_conf_section *sec;
} vs__cred_acct;

typedef struct vs__cred_accts {
    vs__cred_acct *v;
    size_t n, cap;
} vs__cred_accts;

/* Loads the Asterisk or FreeSWITCH configuration directory dir and collects every account with a
 * secret (the same places audit's credential checks look, src/audit/checks_credentials.c and
 * checks_freeswitch.c). VS_OK (a->n may be 0), VS_E_NOTFOUND (neither an Asterisk file nor a
 * FreeSWITCH configuration), VS_E_PARSE / VS_E_IO (a file with secrets failed to load),
 * VS_E_NOMEM; err set. The e/sec fields of the accounts are NULL. */
vs_rc vs__creds_discover(const char *dir, vs__cred_accts *a, char *err, size_t errlen);
void vs__creds_accts_free(vs__cred_accts *a);

/* sodium_init() once; false when libsodium cannot start. */
bool vs__creds_sodium(void);

/* ---- FreeSWITCH (freeswitch.c) ---- */

/* dir is a FreeSWITCH configuration directory: vs_conf_detect says so (freeswitch.xml, or vars.xml
 * and sip_profiles/), or it holds vars.xml and directory/. */
bool vs__creds_is_freeswitch(const char *dir);
/* Appends the directory accounts of the loaded FreeSWITCH configuration c to a (which may be
 * empty, not uninitialised): for each user that is not a pointer, "password" -> sip (skipped when
 * the user has an "a1-hash": its SIP secret is a hash) and "vm-password" -> voicemail, both named
 * "ID@DOMAIN" (the domain name after $${var} expansion; "ID" for a user outside a domain), with
 * the value after $${var} expansion as the secret and e/sec pointing into c. VS_OK, VS_E_NOMEM,
 * VS_E_LIMIT (a name longer than the store holds); err set. */
vs_rc vs__creds_fs_collect(const vs_conf *c, vs__cred_accts *a, char *err, size_t errlen);
/* Whether rotate may rewrite ac's value (an entry of the user's own params in a file on disk, not
 * inherited from the group or domain). VS_OK or VS_E_PARSE with err set ("...: why"). */
vs_rc vs__creds_fs_rewritable(const vs__cred_acct *ac, char *err, size_t errlen);
/* In buf[0..len), the raw bytes of ac->e->file, checks that the value attribute of the user's
 * <param> starts at e->value_off (outside comments, in a <param> tag naming the parameter) and
 * that its raw text is the secret: entity references decoded, or exactly one $${NAME} reference
 * to a variable of c whose value is the secret. Sets [*off, *off + *rawlen) to the raw text
 * between the quotes, and var to NAME ("" when the text is not a reference). VS_OK, VS_E_PARSE
 * (err says why), VS_E_NOMEM. */
vs_rc vs__creds_fs_range(const vs_conf *c, const vs__cred_acct *ac, const char *buf, size_t len,
                         size_t *off, size_t *rawlen, char *var, size_t varsize, char *err,
                         size_t errlen);
/* A secret FreeSWITCH XML can hold as an attribute value once escaped: valid UTF-8 without
 * control characters, no blanks at the ends, no '$' (the preprocessor expands $${...}) and not
 * "X-PRE-PROCESS" (a line holding it is taken by the preprocessor). */
bool vs__creds_xml_writable(const char *s);
/* s with & < > " ' written as entity references, into out[0..size) (NUL-terminated). VS_OK or
 * VS_E_LIMIT. */
vs_rc vs__creds_xml_escape(const char *s, char *out, size_t size);

/* ---- rotate's fault injection (tests only) ---- */

/* The steps of rotate (rotate.c explains why a crash at each one is safe), in order. */
#define VS__ROTATE_STEPS                                                                           \
    "after-temp-write", "after-temp-fsync", "after-backup", "after-rename", "before-store-commit"

/* vs_creds_rotate with a hook called at each step by name (NULL: none). A test's hook stops the
 * process there (raise(SIGKILL)) to check what a crash leaves behind. Release and debug builds
 * alike have no other way in: no environment variable is read. */
typedef void (*vs__rotate_hook)(void *ctx, const char *step);
vs_rc vs__creds_rotate_hooked(vs_store *st, const vs_policy *p, const vs_blocklist *bl,
                              const char *dir, const char *account, const char *secret, char *out,
                              size_t outsize, vs_creds_rotate_result *res, char *err, size_t errlen,
                              vs__rotate_hook hook, void *hook_ctx);

#endif
