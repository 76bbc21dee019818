/* The audit checks' interface (private to src/audit).
 *
 * A check is a const vs__audit_check: its catalogue entry (id, product, practice, severity,
 * title, rationale) and a run function that reads the loaded configuration and reports problems
 * through vs__audit_report. Checks are grouped by file area (checks_pjsip.c, checks_dialplan.c,
 * checks_freeswitch.c, ...), each file exporting one NULL-terminated array that
 * check_registry.c lists. Rules for a check:
 *   - one problem, one finding, pointing at the file and line of the value (or of the section
 *     when the problem is that a key is absent);
 *   - never put a secret in a finding: vs_secret_mask it (evidence "secret": "1*** (4 characters)");
 *   - title, explain and advice in plain words for a person who is not a VoIP expert;
 *   - a commented-out value is not a value: the readers never return it. */
#ifndef VS_AUDIT_CHECK_H
#define VS_AUDIT_CHECK_H

#include <voipsec/audit.h>
#include <voipsec/conf.h>

typedef struct vs__audit_run {
    const vs_policy *policy;
    const vs_blocklist *blocklist;
    vs_conf_product product;
    const char *root;            /* the path being audited */
    const vs_conf_set *asterisk; /* Asterisk: one configuration per file (NULL otherwise) */
    const vs_conf *freeswitch;   /* FreeSWITCH (NULL otherwise) */
    const vs_conf *kamailio;     /* Kamailio (NULL otherwise) */
    vs_finding_fn emit;
    void *emit_ctx;
    unsigned long reported;
} vs__audit_run;

typedef struct vs__audit_check vs__audit_check;
struct vs__audit_check {
    vs_audit_check_info info;
    void (*run)(vs__audit_run *r, const vs__audit_check *self);
};

/* The areas' check lists (NULL-terminated arrays), from check_registry.c. */
typedef const vs__audit_check *const *vs__check_list;
size_t vs__audit_areas(vs__check_list *out, size_t cap);

/* Starts a finding of check c about file:line (line 0 when not tied to a line): rule, practice,
 * severity, file and line are filled; the caller fills title, explain, advice, user, evidence and
 * may raise or lower severity, then calls vs__audit_emit. */
void vs__audit_finding(const vs__audit_run *r, const vs__audit_check *c, const char *file,
                       unsigned line, vs_finding *f);
/* Same, at an entry's file and line. */
void vs__audit_finding_at(const vs__audit_run *r, const vs__audit_check *c,
                          const vs_conf_entry *e, vs_finding *f);
void vs__audit_emit(vs__audit_run *r, const vs_finding *f);

/* ---- Helpers shared by the check files (check_util.c) ---- */

/* Starts a finding of c at entry e; when e is NULL at section s; when both are NULL at the
 * product's main file (Kamailio's first file, the FreeSWITCH path audited, no file for Asterisk).
 * The caller fills the rest, then calls vs__audit_finish or vs__audit_emit. */
void vs__audit_start(const vs__audit_run *r, const vs__audit_check *c, const vs_conf_entry *e,
                     const vs_conf_section *s, vs_finding *f);
/* Sets f's evidence, explain and advice (each left as it is when NULL) and emits f. */
void vs__audit_finish(vs__audit_run *r, vs_finding *f, const char *evidence, const char *explain,
                      const char *advice);
/* s starts with p (ASCII case-insensitive). */
bool vs__audit_prefix(const char *s, const char *p);
/* word is one of the comma (or blank) separated items of list (case-insensitive); list may be
 * NULL. */
bool vs__audit_list_has(const char *list, const char *word);
/* The section's name is name (case-insensitive). */
bool vs__audit_sec_is(const vs_conf_section *s, const char *name);
/* The section has type=<type> (case-insensitive). */
bool vs__audit_type_is(const vs_conf *c, const vs_conf_section *s, const char *type);
/* The next section from index *it on (start with *it = 0) that is not a template and has
 * type=<type>, or NULL at the end (c may be NULL). Advances *it past it. */
const vs_conf_section *vs__audit_next_of_type(const vs_conf *c, const char *type, size_t *it);
/* Asterisk: the entry key of [section] in file, or NULL; *sec gets the section (or NULL). */
const vs_conf_entry *vs__audit_ast_get(const vs__audit_run *r, const char *file,
                                       const char *section, const char *key,
                                       const vs_conf_section **sec);
/* Asterisk: when [section] key of file has a true value (bad == true) or a false value (bad ==
 * false), reports c at that line with evidence key=value and the texts given. */
void vs__audit_ast_flag(vs__audit_run *r, const vs__audit_check *c, const char *file,
                        const char *section, const char *key, bool bad, const char *explain,
                        const char *advice);
/* A bind address meaning every interface ("", "0.0.0.0...", "::", "[::]..."); false for NULL. */
bool vs__audit_addr_any(const char *v);
/* A loopback bind address ("127.*", "::1", "[::1]...", "localhost"); false for NULL. */
bool vs__audit_addr_loopback(const char *v);

/* Asterisk: the configuration of one file of the set ("pjsip.conf"), or NULL. */
const vs_conf *vs__audit_ast(const vs__audit_run *r, const char *file);

/* ---- Asterisk accounts with a secret (accounts.c), shared with `voipsec creds` ---- */
typedef enum vs__ast_area {
    VS__AST_PJSIP,
    VS__AST_SIP,
    VS__AST_IAX,
    VS__AST_VOICEMAIL,
    VS__AST_MANAGER,
    VS__AST_ARI
} vs__ast_area;

typedef struct vs__ast_account {
    vs__ast_area where;
    const char *name;       /* section name, or the mailbox for voicemail */
    const char *context;    /* voicemail: the context section; NULL otherwise */
    char label[160];        /* "pjsip.conf [6001-auth]" */
    const char *user;       /* user name word for the strength check */
    char extension[64];     /* extension word (section name, mailbox) */
    const vs_conf_entry *e; /* the entry holding the secret */
    char *secret;           /* owned copy (PIN cut out of the voicemail value) */
    size_t order;           /* discovery order, for stable grouping */
    bool trunk;             /* pjsip: named by an outbound_auth; sip/iax: host not dynamic */
} vs__ast_account;

typedef struct vs__ast_accounts {
    vs__ast_account *v;
    size_t n, cap;
    bool failed; /* out of memory: the list is incomplete */
} vs__ast_accounts;

/* Collects the accounts of one area (or of all when only is NULL) from set (NULL: none), in
 * pjsip, sip, iax, manager, ari, voicemail order. Pointers into set stay valid while set lives;
 * free with vs__ast_accounts_free, which scrubs the secrets. */
void vs__ast_accounts_collect(const vs_conf_set *set, vs__ast_accounts *a,
                              const vs__ast_area *only);
void vs__ast_accounts_free(vs__ast_accounts *a);

/* ---- Dialplan analysis (dialplan.c), shared by the checks that ask "where can a caller who
 * lands in this context get to?" ---- */
typedef struct vs__dial_reach {
    bool outbound;       /* something reachable dials out through a trunk or gateway */
    bool international;  /* ... with a number that can be international (00/011/+ or a pattern
                            broad enough to match one) */
    bool unfiltered;     /* ... passing ${EXTEN} (or part of it) without FILTER() from a broad
                            pattern (. or !) */
    const vs_conf_entry *where; /* the dialplan line that proves it (for file:line) */
} vs__dial_reach;
/* Follows context's extensions and include => chains (bounded, cycle-safe) in extensions.conf
 * (ext may be NULL: nothing is reachable). */
void vs__dialplan_reach(const vs_conf *ext, const char *context, vs__dial_reach *out);

/* Calls fn for every dialplan step reachable from context (NULL: every context), following the
 * same includes and Goto/Gosub/Macro/Local chains as vs__dialplan_reach. pattern is the
 * extension pattern of the step, number the literal extension it was reached with (or the
 * pattern), carried_unfiltered whether an unfiltered ${EXTEN} reached it through an argument. */
typedef void (*vs__dialplan_step_fn)(void *ctx, const vs_conf_entry *e, const char *context,
                                     const char *pattern, const char *number,
                                     bool carried_unfiltered, const char *app, const char *args);
void vs__dialplan_walk(const vs_conf *ext, const char *context, vs__dialplan_step_fn fn, void *ctx);
/* A pattern that matches numbers of any length ('.' or '!', or _X. style). */
bool vs__dialplan_pattern_broad(const char *pattern);
/* A pattern that can match an international number (00, +, open-ended 011/9011/900). */
bool vs__dialplan_pattern_international(const char *pattern);
/* text uses ${var} (or ${var:n}) outside FILTER(). */
bool vs__dialplan_unfiltered(const char *text, const char *var);

/* True for "yes", "true", "on", "1" (Asterisk's ast_true); false otherwise. */
bool vs__conf_true(const char *v);
/* True for "no", "false", "off", "0" (ast_false). */
bool vs__conf_false(const char *v);

#endif
