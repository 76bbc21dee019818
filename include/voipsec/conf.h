/* voipsec configuration readers: a generic, read-only model of PBX configuration files.
 *
 * `voipsec audit` reads Asterisk (*.conf), FreeSWITCH (XML) and Kamailio (kamailio.cfg, tls.cfg)
 * configurations into one model, so that checks need not know each dialect:
 *
 *   vs_conf      the configuration loaded from one entry file and everything it included: the list
 *                of files read, the sections, and warnings (things the product itself would only
 *                log, e.g. a line without '='). Opaque; created by a loader, freed by
 * vs_conf_free(). section      a name ("6001", "profile:internal", "modparam:auth"), where it was
 * opened (file, line), template flags (Asterisk "[name](!)" is a template; "[x](a,b)" inherits from
 * a then b) and its entries in file order. entry        key, value, operator (=, =>, +=, or a
 * directive/call, see vs_conf_op), file, line, and the byte offset and length of the value text in
 * that file, so that a later tool can rewrite a value in place.
 *
 * Lookups resolve inheritance: the entries seen through a section are those of the sections it
 * inherits from (recursively, in the order listed) followed by its own, so for a single-valued key
 * the last one wins (own values override templates) and a multi-valued key (allow, permit, deny,
 * listen ...) yields every value in order. Keys and section names compare ignoring ASCII case.
 *
 * How each dialect is mapped onto the model (section names, directive entries) is documented in
 * docs/internals/conf-readers.md.
 *
 * Ownership: every string and struct reachable from a vs_conf belongs to it and lives until
 * vs_conf_free(). A loaded vs_conf is immutable: concurrent readers need no locking; loaders are
 * thread-safe with respect to each other (no global state besides libxml2's own initialisation).
 *
 * Errors: loaders return a vs_rc and, when err is not NULL, write a one-line NUL-terminated message
 * naming the file and line ("sip.conf:12: #include \"users.conf\": No such file or directory")
 * into err[0..errlen). On error *out is left untouched. */
#ifndef VOIPSEC_CONF_H
#define VOIPSEC_CONF_H

#include <voipsec/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vs_conf_product {
    VS_CONF_PRODUCT_UNKNOWN = 0,
    VS_CONF_PRODUCT_ASTERISK,
    VS_CONF_PRODUCT_FREESWITCH,
    VS_CONF_PRODUCT_KAMAILIO,
} vs_conf_product;

/* What an entry's line said. */
typedef enum vs_conf_op {
    VS_CONF_OP_SET = 0,   /* key = value; XML <param name= value=>; Kamailio name=value, modparam */
    VS_CONF_OP_OBJECT,    /* Asterisk key => value */
    VS_CONF_OP_APPEND,    /* Asterisk key += value */
    VS_CONF_OP_DIRECTIVE, /* a directive, key names it: "#include", "#tryinclude", "#exec" (never
                           * executed), FreeSWITCH "include"/"exec"/"exec-set"/"env-set",
                           * Kamailio "loadmodule", "#!include_file" ... value = its argument */
    VS_CONF_OP_CALL,      /* Kamailio: a function called in a route block; key = function name,
                           * value = the argument text between the parentheses */
} vs_conf_op;

typedef struct vs_conf_entry {
    const char *key;
    /* Effective value. Asterisk: comments removed, "\;" unescaped, blanks trimmed, and with the
     * text of later "key += more" lines of the same section appended as Asterisk does.
     * FreeSWITCH: attribute value after $${var} expansion. */
    const char *value;
    const char *text; /* this line's own value (value before any += was folded in) */
    vs_conf_op op;
    const char *file; /* path of the file holding the line, as opened */
    unsigned line;    /* 1-based line in that file */
    size_t value_off; /* byte offset of the value's raw text in file */
    size_t value_len; /* length of that raw text (before unescaping/expansion; 0 when empty) */
    bool merged;      /* a "+=" line folded into an earlier entry's value: lookups skip it */
} vs_conf_entry;

typedef struct vs_conf_section {
    const char *name;
    const char *file; /* where the section was opened */
    unsigned line;
    bool is_template; /* Asterisk "(!)": not an object itself, only inherited from */
    size_t n_inherits;
    const size_t *inherits; /* indices (vs_conf_section_at) of the sections inherited from */
    size_t n_entries;
    const vs_conf_entry *entries; /* own entries in file order */
} vs_conf_section;

/* Bounds of a load. Zero fields (or a NULL pointer) take the defaults below. Hitting one is an
 * error VS_E_LIMIT naming the file and line. */
typedef struct vs_conf_limits {
    size_t max_file_size;       /* bytes per file (default 8 MiB) */
    size_t max_line;            /* bytes per line (default 8192, as Asterisk's line buffer) */
    size_t max_entries;         /* sections + entries per configuration (default 1,000,000) */
    unsigned max_include_depth; /* nested includes (default 10, as Asterisk) */
    size_t max_files;           /* files read per configuration (default 1024) */
    size_t max_total;           /* bytes read (and preprocessed) per configuration (64 MiB) */
} vs_conf_limits;

#define VS_CONF_DEFAULT_MAX_FILE_SIZE ((size_t)8 << 20)
#define VS_CONF_DEFAULT_MAX_LINE ((size_t)8192)
#define VS_CONF_DEFAULT_MAX_ENTRIES ((size_t)1000000)
#define VS_CONF_DEFAULT_MAX_INCLUDE_DEPTH 10u
#define VS_CONF_DEFAULT_MAX_FILES ((size_t)1024)
#define VS_CONF_DEFAULT_MAX_TOTAL ((size_t)64 << 20)

typedef struct vs_conf vs_conf;

/* ---- Loaders. Each returns VS_OK and sets *out, or an error (VS_E_IO unreadable, VS_E_PARSE
 * malformed or binary, VS_E_LIMIT a bound, VS_E_NOMEM, VS_E_INVAL bad arguments) with err set. */

/* Asterisk: loads path (a .conf file) and what it #includes. Relative include paths are taken
 * from the directory of path (Asterisk's config directory), then from the including file's own
 * directory. */
VS_EXPORT vs_rc vs_conf_asterisk_load(const char *path, const vs_conf_limits *lim, vs_conf **out,
                                      char *err, size_t errlen);
/* Asterisk: parses buf[0..len) as one file named name (used in messages and entry->file).
 * Includes are not followed: they are recorded as directive entries only. buf is not kept. */
VS_EXPORT vs_rc vs_conf_asterisk_load_mem(const char *name, const char *buf, size_t len,
                                          const vs_conf_limits *lim, vs_conf **out, char *err,
                                          size_t errlen);

/* FreeSWITCH: path is the conf directory (freeswitch.xml, or without it vars.xml +
 * autoload_configs/ + directory/) or one XML file. X-PRE-PROCESS is applied as FreeSWITCH does,
 * then the result is parsed with libxml2 (no network, no external entities, no DTD). */
VS_EXPORT vs_rc vs_conf_freeswitch_load(const char *path, const vs_conf_limits *lim, vs_conf **out,
                                        char *err, size_t errlen);
/* FreeSWITCH: one in-memory XML file; X-PRE-PROCESS include/exec are recorded, not followed. */
VS_EXPORT vs_rc vs_conf_freeswitch_load_mem(const char *name, const char *buf, size_t len,
                                            const vs_conf_limits *lim, vs_conf **out, char *err,
                                            size_t errlen);

/* Kamailio: path is kamailio.cfg or a directory holding it; #!define/#!ifdef are evaluated,
 * include_file/import_file followed, and tls.cfg (modparam("tls","config",...) or next to the
 * cfg) read as well. */
VS_EXPORT vs_rc vs_conf_kamailio_load(const char *path, const vs_conf_limits *lim, vs_conf **out,
                                      char *err, size_t errlen);
/* Kamailio: one in-memory cfg; includes and tls.cfg are not followed. */
VS_EXPORT vs_rc vs_conf_kamailio_load_mem(const char *name, const char *buf, size_t len,
                                          const vs_conf_limits *lim, vs_conf **out, char *err,
                                          size_t errlen);

/* Frees c and everything it owns; NULL is fine. */
VS_EXPORT void vs_conf_free(vs_conf *c);

/* ---- Reading a loaded configuration. c must not be NULL. */

VS_EXPORT vs_conf_product vs_conf_product_of(const vs_conf *c);
/* Files read, in the order first read; index 0 is the entry file. */
VS_EXPORT size_t vs_conf_file_count(const vs_conf *c);
VS_EXPORT const char *vs_conf_file_path(const vs_conf *c, size_t i); /* NULL when out of range */
/* Non-fatal problems, "file:line: text" (at most 1000 kept). */
VS_EXPORT size_t vs_conf_warning_count(const vs_conf *c);
VS_EXPORT const char *vs_conf_warning(const vs_conf *c, size_t i);

VS_EXPORT size_t vs_conf_section_count(const vs_conf *c);
VS_EXPORT const vs_conf_section *vs_conf_section_at(const vs_conf *c, size_t i);
/* Next section named name at index >= *iter (start with *iter = 0); sets *iter past it.
 * NULL when no more. */
VS_EXPORT const vs_conf_section *vs_conf_find_next(const vs_conf *c, const char *name,
                                                   size_t *iter);
/* First section named name, or NULL. */
VS_EXPORT const vs_conf_section *vs_conf_find(const vs_conf *c, const char *name);

/* The entry that sets key in s with inheritance resolved (own values win, then the templates in
 * reverse order of listing); NULL when absent. Directive and call entries are found too. */
VS_EXPORT const vs_conf_entry *vs_conf_get(const vs_conf *c, const vs_conf_section *s,
                                           const char *key);
/* Its value, or NULL. */
VS_EXPORT const char *vs_conf_value(const vs_conf *c, const vs_conf_section *s, const char *key);
/* Every entry for key seen through s (inherited first, then own, in order): stores up to cap of
 * them in out (out may be NULL when cap is 0) and returns how many there are in all. */
VS_EXPORT size_t vs_conf_get_all(const vs_conf *c, const vs_conf_section *s, const char *key,
                                 const vs_conf_entry **out, size_t cap);
/* Every entry seen through s (all keys; inherited first, then own): same contract. */
VS_EXPORT size_t vs_conf_resolve(const vs_conf *c, const vs_conf_section *s,
                                 const vs_conf_entry **out, size_t cap);

/* ---- Sets of configurations: an Asterisk directory holds one configuration per file. */

typedef struct vs_conf_set vs_conf_set;

/* Loads each known Asterisk file present in dir (pjsip.conf sip.conf iax.conf extensions.conf
 * manager.conf voicemail.conf http.conf ari.conf asterisk.conf rtp.conf logger.conf) as its own
 * configuration. A file that fails does not stop the others: its error stays in the set.
 * VS_OK with *out set when at least one known file is present; VS_E_NOTFOUND when none is;
 * VS_E_IO when dir cannot be read. */
VS_EXPORT vs_rc vs_conf_asterisk_load_dir(const char *dir, const vs_conf_limits *lim,
                                          vs_conf_set **out, char *err, size_t errlen);
VS_EXPORT size_t vs_conf_set_count(const vs_conf_set *s);
/* File name ("pjsip.conf") of member i; NULL when out of range. */
VS_EXPORT const char *vs_conf_set_name(const vs_conf_set *s, size_t i);
/* Configuration of member i; NULL when it failed to load (see vs_conf_set_rc/_error). */
VS_EXPORT const vs_conf *vs_conf_set_conf(const vs_conf_set *s, size_t i);
VS_EXPORT vs_rc vs_conf_set_rc(const vs_conf_set *s, size_t i);
/* Error message of member i ("" when it loaded). */
VS_EXPORT const char *vs_conf_set_error(const vs_conf_set *s, size_t i);
/* Configuration loaded from the file called name ("sip.conf"), or NULL. */
VS_EXPORT const vs_conf *vs_conf_set_get(const vs_conf_set *s, const char *name);
VS_EXPORT void vs_conf_set_free(vs_conf_set *s);

/* ---- Product recognition. */

/* Which product a path belongs to, from the names present (no file is parsed):
 *   directory: Asterisk when it holds pjsip.conf, sip.conf, extensions.conf or asterisk.conf;
 *              else FreeSWITCH when it holds freeswitch.xml, or vars.xml and a sip_profiles/
 *              directory; else Kamailio when it holds kamailio.cfg.
 *   file:      by name: one of the Asterisk file names above or any *.conf -> Asterisk;
 *              *.xml -> FreeSWITCH; kamailio.cfg or *.cfg -> Kamailio.
 * VS_CONF_PRODUCT_UNKNOWN otherwise (also when path does not exist). */
VS_EXPORT vs_conf_product vs_conf_detect(const char *path);
/* "asterisk", "freeswitch", "kamailio" or "unknown". */
VS_EXPORT const char *vs_conf_product_name(vs_conf_product p);

#ifdef __cplusplus
}
#endif
#endif
