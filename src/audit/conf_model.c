/* The generic configuration model of include/voipsec/conf.h: storage, lookups with inheritance,
 * sets of configurations and product recognition.
 *
 * Design: every string lives in one arena (64 KiB chunks, freed at once); sections are a growable
 * array and each section's entries another, so that a reader appends in file order and lookups
 * walk contiguous arrays. Inheritance is stored as section indices and resolved at lookup time:
 * the readers only let a section inherit from sections defined before it, so there is no cycle,
 * and the depth of the walk is capped anyway (VS_CONF_MAX_INHERIT_DEPTH). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/conf_internal.h"

#define ARENA_CHUNK 65536u
#define MAX_WARNINGS 1000u
#define VS_CONF_MAX_INHERIT_DEPTH 32

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    _Alignas(16) char data[];
} arena_chunk;

typedef struct section_rec {
    vs_conf_section pub;
    vs_conf_entry *entries;
    size_t cap;
} section_rec;

struct vs_conf {
    vs_conf_product product;
    vs_conf_limits lim;
    arena_chunk *arena;
    const char **files;
    size_t nfiles, capfiles;
    section_rec *secs;
    size_t nsecs, capsecs;
    const char **warnings;
    size_t nwarn, capwarn;
    size_t items; /* sections + entries, against lim.max_entries */
};

/* ---------------------------------------------------------------- arena and builder */

void *vs__conf_alloc(vs_conf *c, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0)
        n = 16;
    arena_chunk *ch = c->arena;
    if (ch == NULL || ch->cap - ch->used < n) {
        size_t cap = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
        arena_chunk *nc = malloc(sizeof *nc + cap);
        if (nc == NULL)
            return NULL;
        nc->used = 0;
        nc->cap = cap;
        if (cap == n && ch != NULL) {
            /* Large block: keep it behind the current chunk so that the latter stays in use. */
            nc->next = ch->next;
            ch->next = nc;
            nc->used = n;
            return nc->data;
        }
        nc->next = ch;
        c->arena = nc;
        ch = nc;
    }
    void *p = ch->data + ch->used;
    ch->used += n;
    return p;
}

char *vs__conf_strndup(vs_conf *c, const char *s, size_t n)
{
    char *p = vs__conf_alloc(c, n + 1);
    if (p == NULL)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vs__conf_strdup(vs_conf *c, const char *s)
{
    return vs__conf_strndup(c, s, strlen(s));
}

vs_conf *vs__conf_new(vs_conf_product product, const vs_conf_limits *lim)
{
    vs_conf *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->product = product;
    if (lim)
        c->lim = *lim;
    if (!c->lim.max_file_size)
        c->lim.max_file_size = VS_CONF_DEFAULT_MAX_FILE_SIZE;
    if (!c->lim.max_line)
        c->lim.max_line = VS_CONF_DEFAULT_MAX_LINE;
    if (!c->lim.max_entries)
        c->lim.max_entries = VS_CONF_DEFAULT_MAX_ENTRIES;
    if (!c->lim.max_include_depth)
        c->lim.max_include_depth = VS_CONF_DEFAULT_MAX_INCLUDE_DEPTH;
    if (!c->lim.max_files)
        c->lim.max_files = VS_CONF_DEFAULT_MAX_FILES;
    if (!c->lim.max_total)
        c->lim.max_total = VS_CONF_DEFAULT_MAX_TOTAL;
    return c;
}

const vs_conf_limits *vs__conf_limits(const vs_conf *c)
{
    return &c->lim;
}

void vs_conf_free(vs_conf *c)
{
    if (c == NULL)
        return;
    for (arena_chunk *ch = c->arena, *next; ch; ch = next) {
        next = ch->next;
        free(ch);
    }
    for (size_t i = 0; i < c->nsecs; i++)
        free(c->secs[i].entries);
    free(c->secs);
    free(c->files);
    free(c->warnings);
    free(c);
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, ncap * elem);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

const char *vs__conf_add_file(vs_conf *c, const char *path, size_t *idx)
{
    for (size_t i = 0; i < c->nfiles; i++) {
        if (strcmp(c->files[i], path) == 0) {
            if (idx)
                *idx = i;
            return c->files[i];
        }
    }
    if (!grow((void **)&c->files, &c->capfiles, c->nfiles + 1, sizeof *c->files))
        return NULL;
    char *p = vs__conf_strdup(c, path);
    if (p == NULL)
        return NULL;
    if (idx)
        *idx = c->nfiles;
    c->files[c->nfiles++] = p;
    return p;
}

long vs__conf_add_section(vs_conf *c, const char *name, size_t name_len, const char *file,
                          unsigned line)
{
    if (c->items >= c->lim.max_entries)
        return VS_E_LIMIT;
    if (!grow((void **)&c->secs, &c->capsecs, c->nsecs + 1, sizeof *c->secs))
        return VS_E_NOMEM;
    char *n = vs__conf_strndup(c, name, name_len);
    if (n == NULL)
        return VS_E_NOMEM;
    section_rec *s = &c->secs[c->nsecs];
    memset(s, 0, sizeof *s);
    s->pub.name = n;
    s->pub.file = file;
    s->pub.line = line;
    c->items++;
    return (long)c->nsecs++;
}

void vs__conf_section_set_template(vs_conf *c, size_t sec, bool is_template)
{
    c->secs[sec].pub.is_template = is_template;
}

vs_rc vs__conf_section_set_inherits(vs_conf *c, size_t sec, const size_t *idx, size_t n)
{
    size_t *p = NULL;
    if (n) {
        p = vs__conf_alloc(c, n * sizeof *p);
        if (p == NULL)
            return VS_E_NOMEM;
        memcpy(p, idx, n * sizeof *p);
    }
    c->secs[sec].pub.inherits = p;
    c->secs[sec].pub.n_inherits = n;
    return VS_OK;
}

vs_conf_entry *vs__conf_entries(vs_conf *c, size_t sec, size_t *n)
{
    *n = c->secs[sec].pub.n_entries;
    return c->secs[sec].entries;
}

vs_conf_entry *vs__conf_add_entry(vs_conf *c, size_t sec, const char *key, size_t key_len,
                                  const char *value, size_t value_len, vs_conf_op op,
                                  const char *file, unsigned line, size_t value_off, size_t raw_len,
                                  vs_rc *rc)
{
    section_rec *s = &c->secs[sec];
    if (c->items >= c->lim.max_entries) {
        *rc = VS_E_LIMIT;
        return NULL;
    }
    if (!grow((void **)&s->entries, &s->cap, s->pub.n_entries + 1, sizeof *s->entries)) {
        *rc = VS_E_NOMEM;
        return NULL;
    }
    s->pub.entries = s->entries;
    char *k = vs__conf_strndup(c, key, key_len);
    char *v = vs__conf_strndup(c, value, value_len);
    if (k == NULL || v == NULL) {
        *rc = VS_E_NOMEM;
        return NULL;
    }
    vs_conf_entry *e = &s->entries[s->pub.n_entries++];
    e->key = k;
    e->value = v;
    e->text = v;
    e->op = op;
    e->file = file;
    e->line = line;
    e->value_off = value_off;
    e->value_len = raw_len;
    e->merged = false;
    c->items++;
    *rc = VS_OK;
    return e;
}

void vs__conf_warn(vs_conf *c, const char *file, unsigned line, const char *fmt, ...)
{
    if (c->nwarn >= MAX_WARNINGS)
        return;
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s:%u: ", file ? file : "?", line);
    if (n < 0 || (size_t)n >= sizeof buf)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    if (!grow((void **)&c->warnings, &c->capwarn, c->nwarn + 1, sizeof *c->warnings))
        return;
    const char *w = vs__conf_strdup(c, buf);
    if (w)
        c->warnings[c->nwarn++] = w;
}

vs_rc vs__conf_err(char *err, size_t errlen, vs_rc rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

vs_rc vs__conf_read_file(const char *path, size_t max, char **buf, size_t *len, char *err,
                         size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    if (f == NULL)
        return vs__conf_err(err, errlen, VS_E_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return vs__conf_err(err, errlen, VS_E_IO, "%s: not a regular file", path);
    }
    size_t cap = st.st_size > 0 && (size_t)st.st_size <= max ? (size_t)st.st_size + 1 : 4096;
    size_t n = 0;
    vs_rc rc = VS_OK;
    b = malloc(cap + 1);
    if (b == NULL) {
        rc = VS_E_NOMEM;
        goto fail;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                rc = vs__conf_err(err, errlen, VS_E_LIMIT, "%s: larger than %zu bytes", path, max);
                goto fail;
            }
            size_t ncap = cap * 2;
            char *nb = realloc(b, ncap + 1);
            if (nb == NULL) {
                rc = VS_E_NOMEM;
                goto fail;
            }
            b = nb;
            cap = ncap;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                rc = vs__conf_err(err, errlen, VS_E_IO, "%s: read error", path);
                goto fail;
            }
            break;
        }
    }
    if (n > max) {
        rc = vs__conf_err(err, errlen, VS_E_LIMIT, "%s: larger than %zu bytes", path, max);
        goto fail;
    }
    const char *nul = memchr(b, '\0', n);
    if (nul) {
        rc = vs__conf_err(err, errlen, VS_E_PARSE, "%s:%u: binary content (NUL byte)", path,
                          vs__conf_line_of(b, n, (size_t)(nul - b)));
        goto fail;
    }
    b[n] = '\0';
    fclose(f);
    *buf = b;
    *len = n;
    return VS_OK;
fail:
    free(b);
    fclose(f);
    if (rc == VS_E_NOMEM)
        vs__conf_err(err, errlen, rc, "%s: out of memory", path);
    return rc;
}

unsigned vs__conf_line_of(const char *buf, size_t len, size_t off)
{
    unsigned line = 1;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

void vs__conf_dirname(const char *path, char *out, size_t outsz)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(out, outsz, ".");
    } else if (slash == path) {
        snprintf(out, outsz, "/");
    } else {
        snprintf(out, outsz, "%.*s", (int)(slash - path), path);
    }
}

bool vs__conf_caseeq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
        if (x == 0)
            return true;
    }
}

/* ---------------------------------------------------------------- lookups */

vs_conf_product vs_conf_product_of(const vs_conf *c)
{
    return c->product;
}

size_t vs_conf_file_count(const vs_conf *c)
{
    return c->nfiles;
}

const char *vs_conf_file_path(const vs_conf *c, size_t i)
{
    return i < c->nfiles ? c->files[i] : NULL;
}

size_t vs_conf_warning_count(const vs_conf *c)
{
    return c->nwarn;
}

const char *vs_conf_warning(const vs_conf *c, size_t i)
{
    return i < c->nwarn ? c->warnings[i] : NULL;
}

size_t vs_conf_section_count(const vs_conf *c)
{
    return c->nsecs;
}

const vs_conf_section *vs_conf_section_at(const vs_conf *c, size_t i)
{
    return i < c->nsecs ? &c->secs[i].pub : NULL;
}

const vs_conf_section *vs_conf_find_next(const vs_conf *c, const char *name, size_t *iter)
{
    if (c == NULL || name == NULL || iter == NULL)
        return NULL;
    for (size_t i = *iter; i < c->nsecs; i++) {
        if (vs__conf_caseeq(c->secs[i].pub.name, name)) {
            *iter = i + 1;
            return &c->secs[i].pub;
        }
    }
    *iter = c->nsecs;
    return NULL;
}

const vs_conf_section *vs_conf_find(const vs_conf *c, const char *name)
{
    size_t it = 0;
    return vs_conf_find_next(c, name, &it);
}

/* Calls fn for every non-merged entry seen through s (inherited first), matching key when key is
 * not NULL. fn returns false to stop. */
typedef bool (*walk_fn)(const vs_conf_entry *e, void *ud);

static bool walk(const vs_conf *c, const vs_conf_section *s, const char *key, walk_fn fn, void *ud,
                 int depth)
{
    if (depth > VS_CONF_MAX_INHERIT_DEPTH)
        return true;
    for (size_t i = 0; i < s->n_inherits; i++) {
        if (s->inherits[i] < c->nsecs && &c->secs[s->inherits[i]].pub != s &&
            !walk(c, &c->secs[s->inherits[i]].pub, key, fn, ud, depth + 1))
            return false;
    }
    for (size_t i = 0; i < s->n_entries; i++) {
        const vs_conf_entry *e = &s->entries[i];
        if (e->merged)
            continue;
        if (key && !vs__conf_caseeq(e->key, key))
            continue;
        if (!fn(e, ud))
            return false;
    }
    return true;
}

typedef struct collect {
    const vs_conf_entry **out;
    size_t cap, n;
    const vs_conf_entry *last;
} collect;

static bool collect_fn(const vs_conf_entry *e, void *ud)
{
    collect *k = ud;
    if (k->n < k->cap)
        k->out[k->n] = e;
    k->n++;
    k->last = e;
    return true;
}

const vs_conf_entry *vs_conf_get(const vs_conf *c, const vs_conf_section *s, const char *key)
{
    if (c == NULL || s == NULL || key == NULL)
        return NULL;
    /* Own entries first (last one wins), then the templates from the last listed. */
    for (size_t i = s->n_entries; i-- > 0;) {
        const vs_conf_entry *e = &s->entries[i];
        if (!e->merged && vs__conf_caseeq(e->key, key))
            return e;
    }
    collect k = {NULL, 0, 0, NULL};
    walk(c, s, key, collect_fn, &k, 0);
    return k.last;
}

const char *vs_conf_value(const vs_conf *c, const vs_conf_section *s, const char *key)
{
    const vs_conf_entry *e = vs_conf_get(c, s, key);
    return e ? e->value : NULL;
}

size_t vs_conf_get_all(const vs_conf *c, const vs_conf_section *s, const char *key,
                       const vs_conf_entry **out, size_t cap)
{
    if (c == NULL || s == NULL || key == NULL)
        return 0;
    collect k = {out, out ? cap : 0, 0, NULL};
    walk(c, s, key, collect_fn, &k, 0);
    return k.n;
}

size_t vs_conf_resolve(const vs_conf *c, const vs_conf_section *s, const vs_conf_entry **out,
                       size_t cap)
{
    if (c == NULL || s == NULL)
        return 0;
    collect k = {out, out ? cap : 0, 0, NULL};
    walk(c, s, NULL, collect_fn, &k, 0);
    return k.n;
}

/* ---------------------------------------------------------------- sets */

static const char *const asterisk_files[] = {
    "pjsip.conf", "sip.conf", "iax.conf",      "extensions.conf", "manager.conf", "voicemail.conf",
    "http.conf",  "ari.conf", "asterisk.conf", "rtp.conf",        "logger.conf",
};
#define N_ASTERISK_FILES (sizeof asterisk_files / sizeof asterisk_files[0])

typedef struct set_member {
    const char *name;
    vs_conf *conf;
    vs_rc rc;
    char error[512];
} set_member;

struct vs_conf_set {
    set_member m[N_ASTERISK_FILES];
    size_t n;
};

vs_rc vs_conf_asterisk_load_dir(const char *dir, const vs_conf_limits *lim, vs_conf_set **out,
                                char *err, size_t errlen)
{
    if (dir == NULL || out == NULL)
        return vs__conf_err(err, errlen, VS_E_INVAL, "invalid argument");
    struct stat st;
    if (stat(dir, &st) != 0)
        return vs__conf_err(err, errlen, VS_E_IO, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return vs__conf_err(err, errlen, VS_E_IO, "%s: not a directory", dir);
    DIR *d = opendir(dir);
    if (d == NULL)
        return vs__conf_err(err, errlen, VS_E_IO, "%s: %s", dir, strerror(errno));
    closedir(d);
    vs_conf_set *set = calloc(1, sizeof *set);
    if (set == NULL)
        return vs__conf_err(err, errlen, VS_E_NOMEM, "%s: out of memory", dir);
    char path[4096];
    for (size_t i = 0; i < N_ASTERISK_FILES; i++) {
        int n = snprintf(path, sizeof path, "%s/%s", dir, asterisk_files[i]);
        if (n < 0 || (size_t)n >= sizeof path)
            continue;
        if (stat(path, &st) != 0)
            continue;
        set_member *m = &set->m[set->n++];
        m->name = asterisk_files[i];
        m->rc = vs_conf_asterisk_load(path, lim, &m->conf, m->error, sizeof m->error);
        if (m->rc != VS_OK)
            m->conf = NULL;
        else
            m->error[0] = '\0';
    }
    if (set->n == 0) {
        free(set);
        return vs__conf_err(err, errlen, VS_E_NOTFOUND, "%s: no known Asterisk configuration file",
                            dir);
    }
    *out = set;
    return VS_OK;
}

size_t vs_conf_set_count(const vs_conf_set *s)
{
    return s ? s->n : 0;
}

const char *vs_conf_set_name(const vs_conf_set *s, size_t i)
{
    return s && i < s->n ? s->m[i].name : NULL;
}

const vs_conf *vs_conf_set_conf(const vs_conf_set *s, size_t i)
{
    return s && i < s->n ? s->m[i].conf : NULL;
}

vs_rc vs_conf_set_rc(const vs_conf_set *s, size_t i)
{
    return s && i < s->n ? s->m[i].rc : VS_E_INVAL;
}

const char *vs_conf_set_error(const vs_conf_set *s, size_t i)
{
    return s && i < s->n ? s->m[i].error : "";
}

const vs_conf *vs_conf_set_get(const vs_conf_set *s, const char *name)
{
    if (s == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->m[i].name, name) == 0)
            return s->m[i].conf;
    return NULL;
}

void vs_conf_set_free(vs_conf_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        vs_conf_free(s->m[i].conf);
    free(s);
}

/* ---------------------------------------------------------------- product recognition */

static bool exists_in(const char *dir, const char *name, bool want_dir)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return false;
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && vs__conf_caseeq(s + a - b, suffix);
}

vs_conf_product vs_conf_detect(const char *path)
{
    struct stat st;
    if (path == NULL || stat(path, &st) != 0)
        return VS_CONF_PRODUCT_UNKNOWN;
    if (S_ISDIR(st.st_mode)) {
        static const char *const ast[] = {"pjsip.conf", "sip.conf", "extensions.conf",
                                          "asterisk.conf"};
        for (size_t i = 0; i < sizeof ast / sizeof ast[0]; i++)
            if (exists_in(path, ast[i], false))
                return VS_CONF_PRODUCT_ASTERISK;
        if (exists_in(path, "freeswitch.xml", false) ||
            (exists_in(path, "vars.xml", false) && exists_in(path, "sip_profiles", true)))
            return VS_CONF_PRODUCT_FREESWITCH;
        if (exists_in(path, "kamailio.cfg", false))
            return VS_CONF_PRODUCT_KAMAILIO;
        return VS_CONF_PRODUCT_UNKNOWN;
    }
    if (!S_ISREG(st.st_mode))
        return VS_CONF_PRODUCT_UNKNOWN;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < N_ASTERISK_FILES; i++)
        if (strcmp(base, asterisk_files[i]) == 0)
            return VS_CONF_PRODUCT_ASTERISK;
    if (ends_with(base, ".conf"))
        return VS_CONF_PRODUCT_ASTERISK;
    if (ends_with(base, ".xml"))
        return VS_CONF_PRODUCT_FREESWITCH;
    if (ends_with(base, ".cfg"))
        return VS_CONF_PRODUCT_KAMAILIO;
    return VS_CONF_PRODUCT_UNKNOWN;
}

const char *vs_conf_product_name(vs_conf_product p)
{
    switch (p) {
    case VS_CONF_PRODUCT_ASTERISK:
        return "asterisk";
    case VS_CONF_PRODUCT_FREESWITCH:
        return "freeswitch";
    case VS_CONF_PRODUCT_KAMAILIO:
        return "kamailio";
    default:
        return "unknown";
    }
}

vs_rc vs__conf_load_source(const vs_conf_limits *lim, const char *path, const char *mem,
                           size_t memlen, const char *from, unsigned from_line, size_t *total,
                           char **buf, size_t *len, char *err, size_t errlen)
{
    char *b = NULL;
    size_t n = 0;
    if (mem) {
        if (memlen > lim->max_file_size)
            return vs__conf_err(err, errlen, VS_E_LIMIT, "%s: larger than %zu bytes", path,
                                lim->max_file_size);
        const char *nul = memchr(mem, '\0', memlen);
        if (nul)
            return vs__conf_err(err, errlen, VS_E_PARSE, "%s:%u: binary content (NUL byte)", path,
                                vs__conf_line_of(mem, memlen, (size_t)(nul - mem)));
        b = malloc(memlen + 1);
        if (b == NULL)
            return vs__conf_err(err, errlen, VS_E_NOMEM, "out of memory");
        memcpy(b, mem, memlen);
        b[memlen] = '\0';
        n = memlen;
    } else {
        char msg[512];
        vs_rc rc = vs__conf_read_file(path, lim->max_file_size, &b, &n, msg, sizeof msg);
        if (rc != VS_OK) {
            if (from)
                return vs__conf_err(err, errlen, rc, "%s:%u: include: %s", from, from_line, msg);
            return vs__conf_err(err, errlen, rc, "%s", msg);
        }
    }
    if (n > lim->max_total - *total) {
        free(b);
        return vs__conf_err(err, errlen, VS_E_LIMIT, "%s: more than %zu bytes in all", path,
                            lim->max_total);
    }
    *total += n;
    *buf = b;
    *len = n;
    return VS_OK;
}
