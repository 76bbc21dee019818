/* Helpers shared by the configuration reader tests (tests/unit/audit/test_*_conf.c). */
#ifndef VS_CONF_TEST_UTIL_H
#define VS_CONF_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <voipsec/conf.h>

#define FIXTURES VS_SOURCE_DIR "/tests/fixtures/readers/"

/* A reader's loader of a path (vs_conf_asterisk_load and the like). */
typedef vs_rc (*conf_load_fn)(const char *path, const vs_conf_limits *lim, vs_conf **out, char *err,
                              size_t errlen);
/* A reader's loader of text in memory (vs_conf_asterisk_load_mem and the like). */
typedef vs_rc (*conf_load_mem_fn)(const char *name, const char *buf, size_t len,
                                  const vs_conf_limits *lim, vs_conf **out, char *err,
                                  size_t errlen);

/* Loads path with load and default limits; fails the test unless that succeeds. */
static inline vs_conf *load_ok(conf_load_fn load, const char *path)
{
    char err[512] = "";
    vs_conf *c = NULL;
    vs_rc rc = load(path, NULL, &c, err, sizeof err);
    if (rc != VS_OK)
        fprintf(stderr, "load: %s\n", err);
    assert_int_equal(rc, VS_OK);
    return c;
}

/* Loads text as the file name with load_mem and default limits; fails the test unless that
 * returns want. Returns the model (NULL on error); the message goes to err. */
static inline vs_conf *load_mem_want(conf_load_mem_fn load_mem, const char *name, const char *text,
                                     vs_rc want, char *err, size_t errlen)
{
    vs_conf *c = NULL;
    vs_rc rc = load_mem(name, text, strlen(text), NULL, &c, err, errlen);
    if (rc != want)
        fprintf(stderr, "mem: rc %d (%s), want %d\n", rc, err ? err : "", want);
    assert_int_equal(rc, want);
    return c;
}

/* Whole file in a malloc'd NUL-terminated buffer (NULL when unreadable). */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = '\0';
    if (len)
        *len = (size_t)n;
    fclose(f);
    return b;
}

/* true when the raw text of e's value in its file is exactly raw. */
static inline int raw_is(const vs_conf_entry *e, const char *raw)
{
    size_t n = 0;
    char *b = slurp(e->file, &n);
    int ok = b && e->value_off <= n && e->value_len <= n - e->value_off &&
             e->value_len == strlen(raw) && memcmp(b + e->value_off, raw, e->value_len) == 0;
    if (!ok)
        fprintf(stderr, "raw_is: %s:%u off %zu len %zu: want '%s', have '%.*s'\n", e->file, e->line,
                e->value_off, e->value_len, raw,
                b && e->value_off <= n
                    ? (int)(e->value_len < n - e->value_off ? e->value_len : n - e->value_off)
                    : 0,
                b && e->value_off <= n ? b + e->value_off : "");
    free(b);
    return ok;
}

/* true when s ends with suffix. */
static inline int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* true when no entry of c has a value or text containing needle. */
static inline int nowhere(const vs_conf *c, const char *needle)
{
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (strstr(s->name, needle))
            return 0;
        for (size_t j = 0; j < s->n_entries; j++)
            if (strstr(s->entries[j].value, needle) || strstr(s->entries[j].text, needle) ||
                strstr(s->entries[j].key, needle))
                return 0;
    }
    return 1;
}

/* Writes text to dir/name. */
static inline void put(const char *dir, const char *name, const char *text)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Removes the files of a flat temporary directory made by a test, then the directory. */
static inline void rmtree_flat(const char *dir)
{
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

#endif
