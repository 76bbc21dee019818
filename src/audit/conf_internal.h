/* Private builder interface of the configuration model (include/voipsec/conf.h), shared by the
 * three readers (asterisk_conf.c, freeswitch_conf.c, kamailio_cfg.c) and conf_model.c. */
#ifndef VS_AUDIT_CONF_INTERNAL_H
#define VS_AUDIT_CONF_INTERNAL_H

#include <stdarg.h>
#include <voipsec/conf.h>

/* New empty configuration with lim's bounds (defaults filled in); NULL on out-of-memory. */
vs_conf *vs__conf_new(vs_conf_product product, const vs_conf_limits *lim);
/* The effective bounds (no zero field). */
const vs_conf_limits *vs__conf_limits(const vs_conf *c);

/* Copy of s[0..n) with a NUL, owned by c; NULL on out-of-memory. */
char *vs__conf_strndup(vs_conf *c, const char *s, size_t n);
char *vs__conf_strdup(vs_conf *c, const char *s);
/* Raw arena memory (8-byte aligned), owned by c. */
void *vs__conf_alloc(vs_conf *c, size_t n);

/* Registers a file read (path as opened); returns the path string owned by c (an existing one
 * when the same path was registered before) or NULL (out of memory). *idx gets its index. */
const char *vs__conf_add_file(vs_conf *c, const char *path, size_t *idx);

/* Appends a section; returns its index or a negative vs_rc (VS_E_LIMIT, VS_E_NOMEM). */
long vs__conf_add_section(vs_conf *c, const char *name, size_t name_len, const char *file,
                          unsigned line);
void vs__conf_section_set_template(vs_conf *c, size_t sec, bool is_template);
/* Sets the inherited sections of sec (copied). VS_OK or VS_E_NOMEM. */
vs_rc vs__conf_section_set_inherits(vs_conf *c, size_t sec, const size_t *idx, size_t n);
/* Mutable entry list of a section during a load (pointer valid until the next add). */
vs_conf_entry *vs__conf_entries(vs_conf *c, size_t sec, size_t *n);

/* Appends an entry to section sec; key and value are copied. text defaults to value.
 * Returns the new entry (valid until the next add to that section) or NULL with *rc set. */
vs_conf_entry *vs__conf_add_entry(vs_conf *c, size_t sec, const char *key, size_t key_len,
                                  const char *value, size_t value_len, vs_conf_op op,
                                  const char *file, unsigned line, size_t value_off, size_t raw_len,
                                  vs_rc *rc);

/* Records a warning "file:line: text" (silently dropped past 1000). */
void vs__conf_warn(vs_conf *c, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes an error message into err (when not NULL) and returns rc. */
vs_rc vs__conf_err(char *err, size_t errlen, vs_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reads a whole regular file into a malloc'd buffer (*buf, caller frees; one extra NUL byte is
 * appended after len). Errors: VS_E_IO (open/read, not a regular file), VS_E_LIMIT (larger than
 * max), VS_E_PARSE (contains a NUL byte: binary), each with a message naming the file. */
vs_rc vs__conf_read_file(const char *path, size_t max, char **buf, size_t *len, char *err,
                         size_t errlen);

/* Loads one source file of a reader that follows includes: a copy of mem[0..memlen) when mem is
 * not NULL (checked for size and NUL bytes), else the file at path (vs__conf_read_file; an error
 * is prefixed "from:from_line: include: " when from is not NULL). *total, the bytes loaded so
 * far, is checked against lim->max_total and increased. On VS_OK *buf (malloc'd, NUL-terminated,
 * caller frees) and *len are set; on error they are untouched and err holds the message. */
vs_rc vs__conf_load_source(const vs_conf_limits *lim, const char *path, const char *mem,
                           size_t memlen, const char *from, unsigned from_line, size_t *total,
                           char **buf, size_t *len, char *err, size_t errlen);

/* Line number (1-based) of byte offset off in buf. */
unsigned vs__conf_line_of(const char *buf, size_t len, size_t off);

/* Directory part of path into out ("." when none). */
void vs__conf_dirname(const char *path, char *out, size_t outsz);

/* ASCII case-insensitive equality of NUL-terminated strings. */
bool vs__conf_caseeq(const char *a, const char *b);

#endif
