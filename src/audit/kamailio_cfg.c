/* Kamailio configuration reader: what a static read of kamailio.cfg (and tls.cfg) can tell.
 *
 * Two passes. The first applies the preprocessor as Kamailio's lexer does, line by line:
 * "#!define NAME [value]" (also #!def, #!trydef, #!redefine; "!!" may stand for "#!"),
 * "#!ifdef", "#!ifndef", "#!else", "#!endif" (nested; a line is active when every enclosing
 * condition holds), "#!include_file"/"#!import_file" and the bare "include_file"/"import_file"
 * statements (the file is spliced in; a missing include_file is an error, a missing import_file is
 * not). Active lines are copied verbatim to one text, inactive and directive lines become empty
 * lines, and every line of that text remembers its file, line and byte offset, so positions found
 * in the text map back to the real files. "#!ifexp", "#!subst*" and "#!defexp" are recorded but
 * not evaluated ("#!ifexp" counts as false).
 *
 * The second pass blanks comments ('#' to end of line, '//', block comments; not inside strings)
 * and reads the top-level statements of the active text:
 *   loadmodule "x.so"          -> section "modules", directive entry "loadmodule" = "x.so"
 *   modparam("m", "p", v)      -> section "modparam:m", entry p = v (strings unquoted; a
 *                                 #!define'd name is replaced by its value)
 *   name = value               -> section "core", entry name = rest of the line (listen=...)
 *   route[X] { ... }, request_route, reply_route, onreply_route[X], failure_route[X],
 *   branch_route[X], event_route[X], onsend_route
 *                              -> section "request_route" (also route, route[0], route[main]) or
 *                                 "<kind>:<X>", with a call entry per function called in the
 *                                 block (key = function name, value = argument text)
 *   #!define NAME value        -> section "defines" (only the active ones)
 *   directives                 -> section "preprocess" (key = "#!include_file" ...)
 * tls.cfg (modparam("tls", "config", path), else tls.cfg beside the main file) is read as an INI
 * file: "[server:default]" becomes section "tls:server:default" with its "key = value" entries. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "audit/conf_internal.h"

#define MAX_IFDEF 64

typedef struct k_src {
    const char *path;
    char *buf;
    size_t len;
    dev_t dev;
    ino_t ino;
} k_src;

typedef struct k_line {
    size_t src, off, out_off;
    unsigned line;
} k_line;

typedef struct k_ctx {
    vs_conf *c;
    const vs_conf_limits *lim;
    char *err;
    size_t errlen;
    bool follow;
    char root[PATH_MAX];
    k_src *srcs;
    size_t nsrcs, capsrcs;
    size_t stack[64];
    unsigned depth;
    char *out;
    size_t outlen, outcap;
    k_line *map;
    size_t nmap, capmap;
    long s_core, s_modules, s_defines, s_pre;
    size_t total;
} k_ctx;

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (q == NULL)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static vs_rc nomem(k_ctx *x)
{
    return vs__conf_err(x->err, x->errlen, VS_E_NOMEM, "out of memory");
}

static long lazy_section(k_ctx *x, long *slot, const char *name, const char *file, unsigned line)
{
    if (*slot < 0)
        *slot = vs__conf_add_section(x->c, name, strlen(name), file, line);
    return *slot;
}

static vs_rc entry(k_ctx *x, long sec, const char *key, size_t kl, const char *val, size_t vl,
                   vs_conf_op op, const char *file, unsigned line, size_t off, size_t raw)
{
    vs_rc rc;
    if (sec < 0)
        return vs__conf_err(x->err, x->errlen, (vs_rc)sec, "%s:%u: %s", file, line,
                            sec == VS_E_LIMIT ? "too many sections" : "out of memory");
    if (vs__conf_add_entry(x->c, (size_t)sec, key, kl, val, vl, op, file, line, off, raw, &rc) ==
        NULL)
        return vs__conf_err(x->err, x->errlen, rc, "%s:%u: %s", file, line,
                            rc == VS_E_LIMIT ? "too many entries" : "out of memory");
    return VS_OK;
}

static bool is_ident_start(char ch)
{
    return isalpha((unsigned char)ch) || ch == '_';
}

static bool is_ident(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

/* Value of an active #!define, or NULL. */
static const vs_conf_entry *define_get(k_ctx *x, const char *name, size_t n)
{
    if (x->s_defines < 0)
        return NULL;
    size_t ne;
    vs_conf_entry *e = vs__conf_entries(x->c, (size_t)x->s_defines, &ne);
    for (size_t i = ne; i-- > 0;)
        if (strlen(e[i].key) == n && memcmp(e[i].key, name, n) == 0 && !e[i].merged)
            return &e[i];
    return NULL;
}

static vs_rc emit_line(k_ctx *x, size_t src, unsigned line, size_t off, const char *s, size_t n)
{
    if (x->outlen + n + 1 > x->lim->max_total)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT,
                            "%s:%u: configuration larger than %zu"
                            " bytes",
                            x->srcs[src].path, line, x->lim->max_total);
    if (!grow((void **)&x->out, &x->outcap, x->outlen + n + 2, 1) ||
        !grow((void **)&x->map, &x->capmap, x->nmap + 1, sizeof *x->map))
        return nomem(x);
    x->map[x->nmap++] = (k_line){src, off, x->outlen, line};
    if (n)
        memcpy(x->out + x->outlen, s, n);
    x->outlen += n;
    x->out[x->outlen++] = '\n';
    return VS_OK;
}

static vs_rc load_file(k_ctx *x, const char *path, const char *mem, size_t memlen, const char *from,
                       unsigned from_line);

static vs_rc include(k_ctx *x, size_t src, unsigned line, const char *arg, size_t al, bool import)
{
    const char *file = x->srcs[src].path;
    char a[PATH_MAX], p[PATH_MAX * 2];
    if (al >= sizeof a)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: include path too long", file,
                            line);
    memcpy(a, arg, al);
    a[al] = '\0';
    struct stat st;
    bool found = false;
    if (a[0] == '/') {
        snprintf(p, sizeof p, "%s", a);
        found = stat(p, &st) == 0;
    } else {
        char dir[PATH_MAX];
        vs__conf_dirname(file, dir, sizeof dir);
        snprintf(p, sizeof p, "%s/%s", dir, a);
        found = stat(p, &st) == 0;
        if (!found) {
            snprintf(p, sizeof p, "%s/%s", x->root, a);
            found = stat(p, &st) == 0;
        }
    }
    if (!found) {
        if (import)
            return VS_OK;
        return vs__conf_err(x->err, x->errlen, VS_E_IO, "%s:%u: include_file \"%s\": %s", file,
                            line, a, strerror(ENOENT));
    }
    return load_file(x, p, NULL, 0, file, line);
}

/* The argument of an include directive: a quoted string or the rest of the line. */
static void directive_arg(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t i = *a;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t e = n;
    while (e > i && isspace((unsigned char)s[e - 1]))
        e--;
    if (i < e && (s[i] == '"' || s[i] == '\'')) {
        const char *q = memchr(s + i + 1, s[i], e - i - 1);
        if (q) {
            *a = i + 1;
            *b = (size_t)(q - s);
            return;
        }
    }
    *a = i;
    *b = e;
}

typedef struct ifstate {
    bool parent, cond, in_else;
    unsigned line;
} ifstate;

static vs_rc preprocess(k_ctx *x, size_t src)
{
    const char *file = x->srcs[src].path;
    const char *buf = x->srcs[src].buf;
    size_t len = x->srcs[src].len;
    ifstate st[MAX_IFDEF];
    int nst = 0;
    bool active = true, in_comment = false;
    unsigned line = 0;
    vs_rc rc = VS_OK;
    for (size_t i = 0; i < len && rc == VS_OK;) {
        line++;
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t le = nl ? (size_t)(nl - buf) : len;
        const char *s = buf + i;
        size_t n = le - i, off = i;
        i = nl ? le + 1 : len;
        if (n > x->lim->max_line)
            return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: line longer than %zu bytes",
                                file, line, x->lim->max_line);
        size_t t = 0;
        while (t < n && (s[t] == ' ' || s[t] == '\t'))
            t++;
        bool directive = !in_comment && t + 1 < n &&
                         ((s[t] == '#' && s[t + 1] == '!') || (s[t] == '!' && s[t + 1] == '!'));
        bool bare_inc = false;
        if (!directive && !in_comment &&
            (strncmp(s + t, "include_file", 12) == 0 || strncmp(s + t, "import_file", 11) == 0)) {
            size_t k = t + (s[t + 1] == 'n' ? 12 : 11);
            bare_inc = k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '"');
        }
        if (!directive && !bare_inc) {
            /* Track block comments so that a directive inside one is not taken. */
            bool q = false;
            char qc = 0;
            for (size_t k = 0; k < n; k++) {
                if (in_comment) {
                    if (s[k] == '*' && k + 1 < n && s[k + 1] == '/') {
                        in_comment = false;
                        k++;
                    }
                } else if (q) {
                    if (s[k] == '\\')
                        k++;
                    else if (s[k] == qc)
                        q = false;
                } else if (s[k] == '"' || s[k] == '\'') {
                    q = true;
                    qc = s[k];
                } else if (s[k] == '#' || (s[k] == '/' && k + 1 < n && s[k + 1] == '/')) {
                    break;
                } else if (s[k] == '/' && k + 1 < n && s[k + 1] == '*') {
                    in_comment = true;
                    k++;
                }
            }
            rc = emit_line(x, src, line, off, active ? s : "", active ? n : 0);
            continue;
        }
        rc = emit_line(x, src, line, off, "", 0);
        if (rc != VS_OK)
            break;
        size_t k = bare_inc ? t : t + 2;
        size_t ks = k;
        while (k < n && (is_ident(s[k]) || s[k] == '-'))
            k++;
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(k - ks > 31 ? 31 : k - ks), s + ks);
        size_t a = k, b;
        directive_arg(s, n, &a, &b);
        if (!strcmp(name, "ifdef") || !strcmp(name, "ifndef") || !strcmp(name, "ifexp")) {
            if (nst == MAX_IFDEF)
                return vs__conf_err(x->err, x->errlen, VS_E_LIMIT,
                                    "%s:%u: #!ifdef nested deeper than %d", file, line, MAX_IFDEF);
            size_t ne = a;
            while (ne < b && !isspace((unsigned char)s[ne]))
                ne++;
            bool def = define_get(x, s + a, ne - a) != NULL;
            bool cond = !strcmp(name, "ifdef") ? def : !strcmp(name, "ifndef") ? !def : false;
            if (!strcmp(name, "ifexp"))
                vs__conf_warn(x->c, file, line, "#!ifexp not evaluated: taken as false");
            st[nst++] = (ifstate){active, cond, false, line};
            active = active && cond;
            continue;
        }
        if (!strcmp(name, "else")) {
            if (nst == 0 || st[nst - 1].in_else)
                return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: #!else without #!ifdef",
                                    file, line);
            st[nst - 1].in_else = true;
            active = st[nst - 1].parent && !st[nst - 1].cond;
            continue;
        }
        if (!strcmp(name, "endif")) {
            if (nst == 0)
                return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: #!endif without #!ifdef",
                                    file, line);
            active = st[--nst].parent;
            continue;
        }
        if (!active)
            continue;
        if (!strcmp(name, "define") || !strcmp(name, "def") || !strcmp(name, "trydef") ||
            !strcmp(name, "redefine") || !strcmp(name, "redef")) {
            size_t ne = a;
            while (ne < n && is_ident(s[ne]))
                ne++;
            if (ne == a) {
                vs__conf_warn(x->c, file, line, "#!%s without a name", name);
                continue;
            }
            size_t va = ne, vb = n;
            while (va < vb && isspace((unsigned char)s[va]))
                va++;
            while (vb > va && isspace((unsigned char)s[vb - 1]))
                vb--;
            const vs_conf_entry *old = define_get(x, s + a, ne - a);
            if (old && !strcmp(name, "trydef"))
                continue;
            if (old && (!strcmp(name, "define") || !strcmp(name, "def")))
                vs__conf_warn(x->c, file, line, "%.*s redefined", (int)(ne - a), s + a);
            long sec = lazy_section(x, &x->s_defines, "defines", file, line);
            rc = entry(x, sec, s + a, ne - a, s + va, vb - va, VS_CONF_OP_SET, file, line, off + va,
                       vb - va);
            continue;
        }
        char key[40];
        snprintf(key, sizeof key, "%s%s", bare_inc ? "" : "#!", name);
        long sec = lazy_section(x, &x->s_pre, "preprocess", file, line);
        rc = entry(x, sec, key, strlen(key), s + a, b - a, VS_CONF_OP_DIRECTIVE, file, line,
                   off + a, b - a);
        if (rc != VS_OK)
            break;
        bool imp = !strcmp(name, "import_file");
        if (!strcmp(name, "include_file") || imp) {
            if (x->follow)
                rc = include(x, src, line, s + a, b - a, imp);
        } else if (strcmp(name, "KAMAILIO") && strcmp(name, "SER") && strcmp(name, "MAXCOMPAT") &&
                   strcmp(name, "ALL")) {
            vs__conf_warn(x->c, file, line, "preprocessor directive #!%s not evaluated", name);
        }
    }
    if (rc == VS_OK && nst > 0)
        vs__conf_warn(x->c, file, st[nst - 1].line, "#!ifdef not closed by #!endif");
    return rc;
}

static vs_rc load_file(k_ctx *x, const char *path, const char *mem, size_t memlen, const char *from,
                       unsigned from_line)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (mem == NULL) {
        if (stat(path, &st) != 0)
            return vs__conf_err(x->err, x->errlen, VS_E_IO, "%s: %s", path, strerror(errno));
        for (unsigned i = 0; i < x->depth; i++) {
            k_src *f = &x->srcs[x->stack[i]];
            if (f->dev == st.st_dev && f->ino == st.st_ino)
                return vs__conf_err(x->err, x->errlen, VS_E_PARSE,
                                    "%s:%u: include cycle: \"%s\" is already being read", from,
                                    from_line, path);
        }
        if (x->depth > x->lim->max_include_depth || x->depth >= 64)
            return vs__conf_err(x->err, x->errlen, VS_E_LIMIT,
                                "%s:%u: include depth limit (%u) exceeded", from ? from : path,
                                from_line, x->lim->max_include_depth);
    }
    if (x->nsrcs >= x->lim->max_files)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s: more than %zu files", path,
                            x->lim->max_files);
    if (!grow((void **)&x->srcs, &x->capsrcs, x->nsrcs + 1, sizeof *x->srcs))
        return nomem(x);
    k_src *f = &x->srcs[x->nsrcs];
    memset(f, 0, sizeof *f);
    vs_rc lrc = vs__conf_load_source(x->lim, path, mem, memlen, from, from_line, &x->total, &f->buf,
                                     &f->len, x->err, x->errlen);
    if (lrc != VS_OK)
        return lrc;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->path = vs__conf_add_file(x->c, path, NULL);
    if (f->path == NULL) {
        free(f->buf);
        return nomem(x);
    }
    size_t idx = x->nsrcs++;
    x->stack[x->depth++] = idx;
    vs_rc rc = preprocess(x, idx);
    x->depth--;
    return rc;
}

/* ---------------------------------------------------------------- statements */

/* Position p of the active text: file, line, offset in that file. */
static void pos_of(k_ctx *x, size_t p, const char **file, unsigned *line, size_t *off)
{
    size_t lo = 0, hi = x->nmap;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (x->map[mid].out_off <= p)
            lo = mid;
        else
            hi = mid;
    }
    if (x->nmap == 0) {
        *file = vs_conf_file_path(x->c, 0);
        *line = 0;
        *off = 0;
        return;
    }
    const k_line *m = &x->map[lo];
    *file = x->srcs[m->src].path;
    *line = m->line;
    *off = m->off + (p - m->out_off);
}

/* Blanks comments of the active text in place (strings kept). */
static void blank_comments(char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = b[i];
        if (ch == '"' || ch == '\'') {
            for (i++; i < n && b[i] != ch && b[i] != '\n'; i++)
                if (b[i] == '\\' && i + 1 < n && b[i + 1] != '\n')
                    i++;
            continue;
        }
        if (ch == '#' || (ch == '/' && i + 1 < n && b[i + 1] == '/')) {
            while (i < n && b[i] != '\n')
                b[i++] = ' ';
            continue;
        }
        if (ch == '/' && i + 1 < n && b[i + 1] == '*') {
            b[i] = b[i + 1] = ' ';
            for (i += 2; i < n; i++) {
                if (b[i] == '*' && i + 1 < n && b[i + 1] == '/') {
                    b[i] = b[i + 1] = ' ';
                    i++;
                    break;
                }
                if (b[i] != '\n')
                    b[i] = ' ';
            }
        }
    }
}

static size_t skip_ws(const char *b, size_t n, size_t i)
{
    while (i < n && isspace((unsigned char)b[i]))
        i++;
    return i;
}

/* End of a string starting at b[i] (the quote): index after the closing quote. */
static size_t skip_string(const char *b, size_t n, size_t i)
{
    char q = b[i++];
    while (i < n && b[i] != q) {
        if (b[i] == '\\' && i + 1 < n)
            i++;
        i++;
    }
    return i < n ? i + 1 : n;
}

/* Index of the bracket matching b[i] ('(' or '{'), or n. */
static size_t match(const char *b, size_t n, size_t i)
{
    char open = b[i], close = open == '(' ? ')' : open == '{' ? '}' : ']';
    int depth = 0;
    while (i < n) {
        if (b[i] == '"' || b[i] == '\'') {
            i = skip_string(b, n, i);
            continue;
        }
        if (b[i] == open)
            depth++;
        else if (b[i] == close && --depth == 0)
            return i;
        i++;
    }
    return n;
}

static const char *const keywords[] = {"if",   "else",    "while",    "switch",  "case", "return",
                                       "exit", "drop",    "break",    "default", "and",  "or",
                                       "not",  "defined", "strempty", "selval",  NULL};

static bool is_keyword(const char *s, size_t n)
{
    for (size_t i = 0; keywords[i]; i++)
        if (strlen(keywords[i]) == n && strncasecmp(keywords[i], s, n) == 0)
            return true;
    return false;
}

static vs_rc route_calls(k_ctx *x, long sec, const char *b, size_t from, size_t to)
{
    for (size_t i = from; i < to;) {
        char ch = b[i];
        if (ch == '"' || ch == '\'') {
            i = skip_string(b, to, i);
            continue;
        }
        if (ch == '$') {
            /* pseudo-variable: $var(x), $avp(s:x), $(ru{s.len}) ... */
            i++;
            while (i < to && (is_ident(b[i]) || b[i] == '.'))
                i++;
            if (i < to && (b[i] == '(' || b[i] == '{'))
                i = match(b, to, i) + 1;
            continue;
        }
        if (!is_ident_start(ch) || (i > from && (is_ident(b[i - 1]) || b[i - 1] == '.'))) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < to && is_ident(b[i]))
            i++;
        size_t e = i;
        size_t j = i;
        while (j < to && (b[j] == ' ' || b[j] == '\t'))
            j++;
        if (j >= to || b[j] != '(' || is_keyword(b + s, e - s))
            continue;
        size_t close = match(b, to, j);
        size_t aa = j + 1, ab = close < to ? close : to;
        while (aa < ab && isspace((unsigned char)b[aa]))
            aa++;
        while (ab > aa && isspace((unsigned char)b[ab - 1]))
            ab--;
        const char *file;
        unsigned line;
        size_t off;
        pos_of(x, aa, &file, &line, &off);
        unsigned fl;
        const char *ff;
        size_t fo;
        pos_of(x, s, &ff, &fl, &fo);
        vs_rc rc =
            entry(x, sec, b + s, e - s, b + aa, ab - aa, VS_CONF_OP_CALL, ff, fl, off, ab - aa);
        if (rc != VS_OK)
            return rc;
        /* Calls nested in the arguments are found too: continue inside them. */
        i = j + 1;
    }
    return VS_OK;
}

/* One argument of modparam: [a, b) trimmed; strings unquoted, define names replaced. */
static vs_rc modparam_value(k_ctx *x, const char *b, size_t a, size_t e, const char **v, size_t *vl,
                            size_t *va, size_t *vb)
{
    while (a < e && isspace((unsigned char)b[a]))
        a++;
    while (e > a && isspace((unsigned char)b[e - 1]))
        e--;
    *va = a;
    *vb = e;
    if (e - a >= 2 && (b[a] == '"' || b[a] == '\'') && b[e - 1] == b[a]) {
        *v = b + a + 1;
        *vl = e - a - 2;
        *va = a + 1;
        *vb = e - 1;
        return VS_OK;
    }
    const vs_conf_entry *d = e > a ? define_get(x, b + a, e - a) : NULL;
    if (d) {
        const char *dv = d->value;
        size_t dl = strlen(dv);
        if (dl >= 2 && (dv[0] == '"' || dv[0] == '\'') && dv[dl - 1] == dv[0]) {
            dv++;
            dl -= 2;
        }
        *v = dv;
        *vl = dl;
        return VS_OK;
    }
    *v = b + a;
    *vl = e - a;
    return VS_OK;
}

/* Splits the argument list (a, e) at top-level commas into at most 3 parts. */
static int split_args(const char *b, size_t a, size_t e, size_t *starts, size_t *ends)
{
    int n = 0;
    size_t s = a;
    for (size_t i = a; i <= e && n < 3;) {
        if (i == e || (b[i] == ',' && n < 2)) {
            starts[n] = s;
            ends[n] = i;
            n++;
            s = i + 1;
            i++;
            continue;
        }
        if (b[i] == '"' || b[i] == '\'') {
            i = skip_string(b, e, i);
            continue;
        }
        if (b[i] == '(')
            i = match(b, e, i);
        i++;
    }
    return n;
}

static bool is_route_kw(const char *s, size_t n)
{
    static const char *const kws[] = {
        "route",        "request_route", "reply_route",  "onreply_route", "failure_route",
        "branch_route", "event_route",   "onsend_route", "route_request", NULL};
    for (size_t i = 0; kws[i]; i++)
        if (strlen(kws[i]) == n && memcmp(kws[i], s, n) == 0)
            return true;
    return false;
}

static vs_rc statements(k_ctx *x)
{
    char *b = x->out;
    size_t n = x->outlen;
    blank_comments(b, n);
    vs_rc rc = VS_OK;
    size_t i = 0;
    while (rc == VS_OK && i < n) {
        i = skip_ws(b, n, i);
        if (i >= n)
            break;
        if (!is_ident_start(b[i])) {
            if (b[i] == '"' || b[i] == '\'')
                i = skip_string(b, n, i);
            else
                i++;
            continue;
        }
        size_t s = i;
        while (i < n && (is_ident(b[i]) || b[i] == '.'))
            i++;
        size_t e = i;
        const char *file;
        unsigned line;
        size_t off;
        pos_of(x, s, &file, &line, &off);
        if (is_route_kw(b + s, e - s)) {
            size_t j = skip_ws(b, n, i);
            size_t na = 0, nb = 0;
            if (j < n && b[j] == '[') {
                size_t close = j + 1;
                while (close < n && b[close] != ']' && b[close] != '\n')
                    close++;
                na = j + 1;
                nb = close;
                while (na < nb && (isspace((unsigned char)b[na]) || b[na] == '"'))
                    na++;
                while (nb > na && (isspace((unsigned char)b[nb - 1]) || b[nb - 1] == '"'))
                    nb--;
                j = skip_ws(b, n, close + 1);
            }
            if (j >= n || b[j] != '{') {
                vs__conf_warn(x->c, file, line, "'%.*s' not followed by a block", (int)(e - s),
                              b + s);
                continue;
            }
            size_t close = match(b, n, j);
            char name[256];
            bool main_route = (e - s == 13 && !memcmp(b + s, "request_route", 13)) ||
                              (e - s == 13 && !memcmp(b + s, "route_request", 13)) ||
                              (e - s == 5 && !memcmp(b + s, "route", 5) &&
                               (nb == na || (nb - na == 1 && b[na] == '0') ||
                                (nb - na == 4 && !strncasecmp(b + na, "main", 4))));
            if (main_route)
                snprintf(name, sizeof name, "request_route");
            else if (nb > na)
                snprintf(name, sizeof name, "%.*s:%.*s", (int)(e - s), b + s,
                         (int)(nb - na > 200 ? 200 : nb - na), b + na);
            else
                snprintf(name, sizeof name, "%.*s", (int)(e - s), b + s);
            long sec = vs__conf_add_section(x->c, name, strlen(name), file, line);
            if (sec < 0)
                return vs__conf_err(x->err, x->errlen, (vs_rc)sec, "%s:%u: %s", file, line,
                                    sec == VS_E_LIMIT ? "too many sections" : "out of memory");
            if (close >= n)
                vs__conf_warn(x->c, file, line, "block of '%s' not closed", name);
            rc = route_calls(x, sec, b, j + 1, close < n ? close : n);
            i = close < n ? close + 1 : n;
            continue;
        }
        if ((e - s == 10 && !memcmp(b + s, "loadmodule", 10)) ||
            (e - s == 8 && !memcmp(b + s, "loadpath", 8))) {
            size_t j = skip_ws(b, n, i);
            if (j < n && b[j] == '=')
                j = skip_ws(b, n, j + 1);
            size_t va = j, vb = j;
            if (j < n && (b[j] == '"' || b[j] == '\'')) {
                vb = skip_string(b, n, j);
                va = j + 1;
                i = vb;
                vb = vb > va ? vb - 1 : va;
            } else {
                while (vb < n && !isspace((unsigned char)b[vb]) && b[vb] != ';')
                    vb++;
                i = vb;
            }
            pos_of(x, va, &file, &line, &off);
            bool lm = b[s + 4] == 'm';
            long sec = lm ? lazy_section(x, &x->s_modules, "modules", file, line)
                          : lazy_section(x, &x->s_core, "core", file, line);
            rc = entry(x, sec, b + s, e - s, b + va, vb - va,
                       lm ? VS_CONF_OP_DIRECTIVE : VS_CONF_OP_SET, file, line, off, vb - va);
            continue;
        }
        if (e - s == 8 && !memcmp(b + s, "modparam", 8)) {
            size_t j = skip_ws(b, n, i);
            if (j >= n || b[j] != '(') {
                vs__conf_warn(x->c, file, line, "modparam without '('");
                continue;
            }
            size_t close = match(b, n, j);
            size_t st[3], en[3];
            int na = split_args(b, j + 1, close < n ? close : n, st, en);
            i = close < n ? close + 1 : n;
            if (na != 3) {
                vs__conf_warn(x->c, file, line, "modparam needs three arguments");
                continue;
            }
            const char *mv, *pv, *vv;
            size_t ml, pl, vl, a0, b0, a1, b1, a2, b2;
            modparam_value(x, b, st[0], en[0], &mv, &ml, &a0, &b0);
            modparam_value(x, b, st[1], en[1], &pv, &pl, &a1, &b1);
            modparam_value(x, b, st[2], en[2], &vv, &vl, &a2, &b2);
            char sname[300];
            snprintf(sname, sizeof sname, "modparam:%.*s", (int)(ml > 200 ? 200 : ml), mv);
            const vs_conf_section *ex = vs_conf_find(x->c, sname);
            long sec;
            if (ex) {
                sec = -1;
                for (size_t q = 0; q < vs_conf_section_count(x->c); q++)
                    if (vs_conf_section_at(x->c, q) == ex)
                        sec = (long)q;
            } else {
                sec = vs__conf_add_section(x->c, sname, strlen(sname), file, line);
            }
            pos_of(x, a2, &file, &line, &off);
            rc = entry(x, sec, pv, pl, vv, vl, VS_CONF_OP_SET, file, line, off, b2 - a2);
            continue;
        }
        size_t j = i;
        while (j < n && (b[j] == ' ' || b[j] == '\t'))
            j++;
        if (j < n && b[j] == '=' && (j + 1 >= n || b[j + 1] != '=')) {
            size_t va = j + 1;
            while (va < n && (b[va] == ' ' || b[va] == '\t'))
                va++;
            size_t vb = va;
            while (vb < n && b[vb] != '\n')
                vb++;
            i = vb;
            while (vb > va && (isspace((unsigned char)b[vb - 1]) || b[vb - 1] == ';'))
                vb--;
            const char *v = b + va;
            size_t vl = vb - va;
            size_t ra = va, rb = vb;
            if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
                v++;
                vl -= 2;
                ra++;
                rb--;
            } else {
                const vs_conf_entry *d = vl ? define_get(x, v, vl) : NULL;
                if (d) {
                    v = d->value;
                    vl = strlen(v);
                    if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
                        v++;
                        vl -= 2;
                    }
                }
            }
            pos_of(x, ra, &file, &line, &off);
            long sec = lazy_section(x, &x->s_core, "core", file, line);
            rc = entry(x, sec, b + s, e - s, v, vl, VS_CONF_OP_SET, file, line, off, rb - ra);
            continue;
        }
        /* Anything else (cfgengine, stray tokens): skip the rest of the line. */
        while (i < n && b[i] != '\n')
            i++;
    }
    return rc;
}

/* tls.cfg: INI with '#' comments; sections become "tls:<name>". */
static vs_rc read_tls(k_ctx *x, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    char msg[512];
    vs_rc rc = vs__conf_read_file(path, x->lim->max_file_size, &buf, &len, msg, sizeof msg);
    if (rc != VS_OK)
        return vs__conf_err(x->err, x->errlen, rc, "%s", msg);
    const char *file = vs__conf_add_file(x->c, path, NULL);
    if (file == NULL) {
        free(buf);
        return nomem(x);
    }
    long sec = -1;
    unsigned line = 0;
    for (size_t i = 0; i < len && rc == VS_OK;) {
        line++;
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t le = nl ? (size_t)(nl - buf) : len;
        size_t a = i, b = le;
        size_t loff = i;
        i = nl ? le + 1 : len;
        if (b - a > x->lim->max_line) {
            rc = vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: line longer than %zu bytes",
                              file, line, x->lim->max_line);
            break;
        }
        const char *h = memchr(buf + a, '#', b - a);
        if (h)
            b = (size_t)(h - buf);
        while (a < b && isspace((unsigned char)buf[a]))
            a++;
        while (b > a && isspace((unsigned char)buf[b - 1]))
            b--;
        (void)loff;
        if (a == b)
            continue;
        if (buf[a] == '[') {
            const char *rb = memchr(buf + a, ']', b - a);
            if (rb == NULL) {
                rc = vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: no closing ']'", file,
                                  line);
                break;
            }
            char name[300];
            snprintf(name, sizeof name, "tls:%.*s",
                     (int)((size_t)(rb - buf) - a - 1 > 250 ? 250 : (size_t)(rb - buf) - a - 1),
                     buf + a + 1);
            sec = vs__conf_add_section(x->c, name, strlen(name), file, line);
            if (sec < 0)
                rc = vs__conf_err(x->err, x->errlen, (vs_rc)sec, "%s:%u: too many sections", file,
                                  line);
            continue;
        }
        const char *eq = memchr(buf + a, '=', b - a);
        if (eq == NULL) {
            vs__conf_warn(x->c, file, line, "no '=' in line, ignored");
            continue;
        }
        if (sec < 0) {
            rc = vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: setting outside any [profile]",
                              file, line);
            break;
        }
        size_t ke = (size_t)(eq - buf), va = ke + 1;
        while (ke > a && isspace((unsigned char)buf[ke - 1]))
            ke--;
        while (va < b && isspace((unsigned char)buf[va]))
            va++;
        rc = entry(x, sec, buf + a, ke - a, buf + va, b - va, VS_CONF_OP_SET, file, line, va,
                   b - va);
    }
    free(buf);
    return rc;
}

static vs_rc find_tls(k_ctx *x, const char *main_path)
{
    const vs_conf_section *mp = vs_conf_find(x->c, "modparam:tls");
    const vs_conf_entry *cfg = mp ? vs_conf_get(x->c, mp, "config") : NULL;
    char dir[PATH_MAX], p[PATH_MAX * 2];
    vs__conf_dirname(main_path, dir, sizeof dir);
    struct stat st;
    if (cfg) {
        /* The configuration tree being audited first (a copy of a production host's files keeps
         * them side by side), then the path as written. */
        const char *base = strrchr(cfg->value, '/');
        if (cfg->value[0] != '/')
            snprintf(p, sizeof p, "%s/%s", dir, cfg->value);
        else
            snprintf(p, sizeof p, "%s/%s", dir, base ? base + 1 : cfg->value);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(p, sizeof p, "%s", cfg->value);
            if (cfg->value[0] != '/' || stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
                vs__conf_warn(x->c, cfg->file, cfg->line, "TLS configuration \"%s\" not found",
                              cfg->value);
                return VS_OK;
            }
        }
        return read_tls(x, p);
    }
    snprintf(p, sizeof p, "%s/tls.cfg", dir);
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
        return read_tls(x, p);
    return VS_OK;
}

static vs_rc load(const char *path, const char *name, const char *buf, size_t len,
                  const vs_conf_limits *lim, vs_conf **out, char *err, size_t errlen)
{
    if (out == NULL || (path == NULL && buf == NULL && len))
        return vs__conf_err(err, errlen, VS_E_INVAL, "invalid argument");
    k_ctx x;
    memset(&x, 0, sizeof x);
    x.err = err;
    x.errlen = errlen;
    x.s_core = x.s_modules = x.s_defines = x.s_pre = -1;
    x.c = vs__conf_new(VS_CONF_PRODUCT_KAMAILIO, lim);
    if (x.c == NULL)
        return vs__conf_err(err, errlen, VS_E_NOMEM, "out of memory");
    x.lim = vs__conf_limits(x.c);
    vs_rc rc;
    char main_path[PATH_MAX];
    main_path[0] = '\0';
    if (path) {
        x.follow = true;
        struct stat st;
        if (stat(path, &st) != 0) {
            rc = vs__conf_err(err, errlen, VS_E_IO, "%s: %s", path, strerror(errno));
            goto done;
        }
        int w = S_ISDIR(st.st_mode) ? snprintf(main_path, sizeof main_path, "%s/kamailio.cfg", path)
                                    : snprintf(main_path, sizeof main_path, "%s", path);
        if (w < 0 || (size_t)w >= sizeof main_path) {
            rc = vs__conf_err(err, errlen, VS_E_INVAL, "%s: path too long", path);
            goto done;
        }
        vs__conf_dirname(main_path, x.root, sizeof x.root);
        rc = load_file(&x, main_path, NULL, 0, NULL, 0);
    } else {
        rc = load_file(&x, name ? name : "<memory>", buf ? buf : "", len, NULL, 0);
    }
    if (rc == VS_OK)
        rc = statements(&x);
    if (rc == VS_OK && path)
        rc = find_tls(&x, main_path);
done:
    for (size_t i = 0; i < x.nsrcs; i++)
        free(x.srcs[i].buf);
    free(x.srcs);
    free(x.out);
    free(x.map);
    if (rc != VS_OK) {
        vs_conf_free(x.c);
        return rc;
    }
    *out = x.c;
    return VS_OK;
}

vs_rc vs_conf_kamailio_load(const char *path, const vs_conf_limits *lim, vs_conf **out, char *err,
                            size_t errlen)
{
    if (path == NULL)
        return vs__conf_err(err, errlen, VS_E_INVAL, "invalid argument");
    return load(path, NULL, NULL, 0, lim, out, err, errlen);
}

vs_rc vs_conf_kamailio_load_mem(const char *name, const char *buf, size_t len,
                                const vs_conf_limits *lim, vs_conf **out, char *err, size_t errlen)
{
    return load(NULL, name, buf, len, lim, out, err, errlen);
}
