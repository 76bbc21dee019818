/* Asterisk configuration reader (pjsip.conf, sip.conf, extensions.conf, manager.conf ...).
 *
 * Follows main/config.c of Asterisk: a file is read line by line; ';' starts a comment unless
 * escaped as "\;" (the backslash is dropped); ";--" opens a block comment (nested up to 10, may
 * span lines) that "--;" closes, and the text around it on the same line is joined; blanks are
 * trimmed. A line is then "[name]" with optional "(options)" ('!' template, '+' add to an existing
 * section, other names: templates to inherit from, which must exist earlier), "#directive arg"
 * (include, tryinclude, exec; the argument may be quoted with "" or <>), or "key = value",
 * "key => value", "key += value" (appends to the last value of key in the section, as Asterisk).
 *
 * Differences from Asterisk, on purpose: #exec is recorded as a directive entry and never run; an
 * include cycle is an error naming the chain (Asterisk only stops at its depth limit); an overlong
 * line, a key before any section, an inheritance from an unknown section are errors; a relative
 * include that is not found in the configuration directory is also looked up in the including
 * file's directory.
 *
 * Every character of a processed line keeps its byte offset in the file, so that an entry's value
 * offset/length cover its raw text (escapes and joined block comments included). */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/conf_internal.h"

#define MAX_NESTED_COMMENTS 10
#define MAX_INHERITS 16

typedef struct inc_frame {
    dev_t dev;
    ino_t ino;
    const char *path; /* owned by the conf */
    unsigned line;    /* line of the #include in this file (while including) */
} inc_frame;

typedef struct ast_ctx {
    vs_conf *c;
    const vs_conf_limits *lim;
    char *err;
    size_t errlen;
    long cur;    /* current section, -1 before the first */
    long top;    /* pseudo-section "" for directives before any section, -1 until needed */
    bool follow; /* follow #include (false for in-memory loads) */
    char root[PATH_MAX];
    inc_frame stack[64];
    unsigned depth;
    size_t total;
    char *lb;     /* processed line */
    size_t *lpos; /* file offset of each char of lb */
} ast_ctx;

static vs_rc parse_buffer(ast_ctx *x, const char *path, const char *buf, size_t len);

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

static vs_rc add_entry(ast_ctx *x, long sec, const char *file, unsigned line, const char *key,
                       size_t klen, const char *val, size_t vlen, vs_conf_op op, size_t off,
                       size_t raw)
{
    vs_rc rc;
    if (vs__conf_add_entry(x->c, (size_t)sec, key, klen, val, vlen, op, file, line, off, raw,
                           &rc) == NULL)
        return vs__conf_err(x->err, x->errlen, rc, "%s:%u: %s", file, line,
                            rc == VS_E_LIMIT ? "too many entries" : "out of memory");
    return VS_OK;
}

static long directive_section(ast_ctx *x, const char *file, unsigned line)
{
    if (x->cur >= 0)
        return x->cur;
    if (x->top < 0)
        x->top = vs__conf_add_section(x->c, "", 0, file, line);
    return x->top;
}

/* Loads one included file (already resolved to a path). */
static vs_rc include_file(ast_ctx *x, const char *from, unsigned line, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return vs__conf_err(x->err, x->errlen, VS_E_IO, "%s:%u: include \"%s\": %s", from, line,
                            path, strerror(errno));
    for (unsigned i = 0; i < x->depth; i++) {
        if (x->stack[i].dev == st.st_dev && x->stack[i].ino == st.st_ino) {
            char chain[1024];
            size_t n = 0;
            for (unsigned j = i; j < x->depth && n < sizeof chain; j++) {
                int w = snprintf(chain + n, sizeof chain - n, "%s:%u -> ", x->stack[j].path,
                                 x->stack[j].line);
                if (w < 0)
                    break;
                n += (size_t)w;
            }
            if (n >= sizeof chain)
                n = sizeof chain - 1;
            chain[n] = '\0';
            return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: include cycle: %s%s", from,
                                line, chain, path);
        }
    }
    if (x->depth >= x->lim->max_include_depth + 1 || x->depth >= 64)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT,
                            "%s:%u: include depth limit (%u) exceeded including \"%s\"", from, line,
                            x->lim->max_include_depth, path);
    if (vs_conf_file_count(x->c) >= x->lim->max_files)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: more than %zu files", from, line,
                            x->lim->max_files);
    char *buf = NULL;
    size_t len = 0;
    char msg[512];
    vs_rc rc = vs__conf_read_file(path, x->lim->max_file_size, &buf, &len, msg, sizeof msg);
    if (rc != VS_OK)
        return vs__conf_err(x->err, x->errlen, rc, "%s:%u: include: %s", from, line, msg);
    rc = parse_buffer(x, path, buf, len);
    free(buf);
    return rc;
}

static bool has_magic(const char *p)
{
    return strpbrk(p, "*?[{") != NULL;
}

/* Expands pattern with glob(3); NOMATCH leaves *g empty. */
static int do_glob(const char *pattern, glob_t *g)
{
    memset(g, 0, sizeof *g);
    return glob(pattern, GLOB_BRACE, NULL, g);
}

static vs_rc handle_include(ast_ctx *x, const char *file, unsigned line, const char *arg,
                            bool try_only)
{
    char pat[2 * PATH_MAX + 2];
    glob_t g;
    int grc;
    if (arg[0] == '/') {
        snprintf(pat, sizeof pat, "%s", arg);
        grc = do_glob(pat, &g);
    } else {
        snprintf(pat, sizeof pat, "%s/%s", x->root, arg);
        grc = do_glob(pat, &g);
        char incdir[PATH_MAX];
        vs__conf_dirname(file, incdir, sizeof incdir);
        if (grc == GLOB_NOMATCH && strcmp(incdir, x->root) != 0) {
            globfree(&g);
            snprintf(pat, sizeof pat, "%s/%s", incdir, arg);
            grc = do_glob(pat, &g);
        }
    }
    if (grc == GLOB_NOMATCH) {
        globfree(&g);
        if (try_only)
            return VS_OK;
        if (has_magic(arg)) {
            vs__conf_warn(x->c, file, line, "#include \"%s\": no file matches", arg);
            return VS_OK;
        }
        return vs__conf_err(x->err, x->errlen, VS_E_IO, "%s:%u: #include \"%s\": %s", file, line,
                            arg, strerror(ENOENT));
    }
    if (grc != 0) {
        globfree(&g);
        return vs__conf_err(x->err, x->errlen, VS_E_IO, "%s:%u: #include \"%s\": cannot expand",
                            file, line, arg);
    }
    vs_rc rc = VS_OK;
    for (size_t i = 0; i < g.gl_pathc && rc == VS_OK; i++) {
        struct stat st;
        if (try_only && stat(g.gl_pathv[i], &st) != 0)
            continue;
        rc = include_file(x, file, line, g.gl_pathv[i]);
    }
    globfree(&g);
    return rc;
}

/* Index of the first section called name (Asterisk's category lookup), or -1. */
static long find_section(ast_ctx *x, const char *name, size_t n)
{
    size_t count = vs_conf_section_count(x->c);
    for (size_t i = 0; i < count; i++) {
        const vs_conf_section *s = vs_conf_section_at(x->c, i);
        if (strlen(s->name) == n && strncasecmp(s->name, name, n) == 0 && (long)i != x->top)
            return (long)i;
    }
    return -1;
}

static vs_rc section_line(ast_ctx *x, const char *file, unsigned line, const char *s, size_t n)
{
    const char *rb = memchr(s, ']', n);
    if (rb == NULL)
        return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: no closing ']'", file, line);
    const char *name = s + 1;
    size_t nlen = (size_t)(rb - name);
    const char *p = rb + 1;
    const char *end = s + n;
    bool is_tpl = false, add = false;
    size_t inh[MAX_INHERITS];
    size_t ninh = 0;
    if (p < end && *p == '(') {
        const char *rp = memchr(p, ')', (size_t)(end - p));
        if (rp == NULL)
            return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: no closing ')'", file, line);
        const char *o = p + 1;
        while (o <= rp) {
            const char *comma = memchr(o, ',', (size_t)(rp - o));
            const char *oe = comma ? comma : rp;
            const char *a = o, *b = oe;
            while (a < b && is_blank(*a))
                a++;
            while (b > a && is_blank(b[-1]))
                b--;
            if (b - a == 1 && *a == '!') {
                is_tpl = true;
            } else if (b > a && *a == '+') {
                add = true;
            } else if (b > a && *a == '?') {
                /* filter: irrelevant for a static read */
            } else if (b > a) {
                long base = find_section(x, a, (size_t)(b - a));
                if (base < 0)
                    return vs__conf_err(x->err, x->errlen, VS_E_PARSE,
                                        "%s:%u: inheritance from unknown section '%.*s'", file,
                                        line, (int)(b - a), a);
                if (ninh == MAX_INHERITS)
                    return vs__conf_err(x->err, x->errlen, VS_E_LIMIT,
                                        "%s:%u: more than %d templates", file, line, MAX_INHERITS);
                inh[ninh++] = (size_t)base;
            }
            o = oe + 1;
        }
    }
    if (add) {
        long ex = -1;
        size_t count = vs_conf_section_count(x->c);
        for (size_t i = count; i-- > 0;) {
            const vs_conf_section *sec = vs_conf_section_at(x->c, i);
            if ((long)i != x->top && strlen(sec->name) == nlen &&
                strncasecmp(sec->name, name, nlen) == 0) {
                ex = (long)i;
                break;
            }
        }
        if (ex < 0)
            return vs__conf_err(x->err, x->errlen, VS_E_PARSE,
                                "%s:%u: addition to unknown section '%.*s'", file, line, (int)nlen,
                                name);
        x->cur = ex;
        return VS_OK;
    }
    long idx = vs__conf_add_section(x->c, name, nlen, file, line);
    if (idx < 0)
        return vs__conf_err(x->err, x->errlen, (vs_rc)idx, "%s:%u: %s", file, line,
                            idx == VS_E_LIMIT ? "too many sections" : "out of memory");
    vs__conf_section_set_template(x->c, (size_t)idx, is_tpl);
    if (ninh && vs__conf_section_set_inherits(x->c, (size_t)idx, inh, ninh) != VS_OK)
        return vs__conf_err(x->err, x->errlen, VS_E_NOMEM, "%s:%u: out of memory", file, line);
    x->cur = idx;
    return VS_OK;
}

static vs_rc directive_line(ast_ctx *x, const char *file, unsigned line, const char *s,
                            const size_t *pos, size_t n)
{
    size_t i = 1;
    while (i < n && (unsigned char)s[i] > 32)
        i++;
    const char *name = s + 1;
    size_t nlen = i - 1;
    while (i < n && is_blank(s[i]))
        i++;
    size_t a = i, b = n;
    if (a < b && (s[a] == '"' || s[a] == '<')) {
        char q = s[a] == '<' ? '>' : '"';
        if (b - a >= 2 && s[b - 1] == q) {
            a++;
            b--;
        }
    }
    char key[40];
    snprintf(key, sizeof key, "#%.*s", (int)(nlen > 30 ? 30 : nlen), name);
    for (char *k = key + 1; *k; k++)
        if (*k >= 'A' && *k <= 'Z')
            *k = (char)(*k + 32);
    bool inc = strcmp(key, "#include") == 0, tryinc = strcmp(key, "#tryinclude") == 0;
    if (!inc && !tryinc && strcmp(key, "#exec") != 0)
        vs__conf_warn(x->c, file, line, "unknown directive '%s'", key);
    long sec = directive_section(x, file, line);
    if (sec < 0)
        return vs__conf_err(x->err, x->errlen, (vs_rc)sec, "%s:%u: %s", file, line,
                            sec == VS_E_LIMIT ? "too many sections" : "out of memory");
    size_t off = a < n ? pos[a] : pos[n - 1] + 1;
    size_t raw = a < b ? pos[b - 1] + 1 - pos[a] : 0;
    vs_rc rc = add_entry(x, sec, file, line, key, strlen(key), s + a, b - a, VS_CONF_OP_DIRECTIVE,
                         off, raw);
    if (rc != VS_OK)
        return rc;
    if (a >= b) {
        vs__conf_warn(x->c, file, line, "directive '%s' needs an argument", key);
        return VS_OK;
    }
    if ((inc || tryinc) && x->follow) {
        char arg[PATH_MAX];
        if (b - a >= sizeof arg)
            return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: include path too long", file,
                                line);
        memcpy(arg, s + a, b - a);
        arg[b - a] = '\0';
        if (x->depth > 0)
            x->stack[x->depth - 1].line = line;
        return handle_include(x, file, line, arg, tryinc);
    }
    return VS_OK;
}

static vs_rc assign_line(ast_ctx *x, const char *file, unsigned line, const char *s,
                         const size_t *pos, size_t n)
{
    const char *eq = memchr(s, '=', n);
    if (eq == NULL) {
        vs__conf_warn(x->c, file, line, "no '=' in line, ignored");
        return VS_OK;
    }
    size_t e = (size_t)(eq - s);
    vs_conf_op op = VS_CONF_OP_SET;
    size_t kend = e, vstart = e + 1;
    if (e > 0 && s[e - 1] == '+') {
        op = VS_CONF_OP_APPEND;
        kend = e - 1;
    } else if (e + 1 < n && s[e + 1] == '>') {
        op = VS_CONF_OP_OBJECT;
        vstart = e + 2;
    }
    size_t ka = 0, kb = kend;
    while (kb > ka && is_blank(s[kb - 1]))
        kb--;
    if (kb == ka) {
        vs__conf_warn(x->c, file, line, "empty key, line ignored");
        return VS_OK;
    }
    if (x->cur < 0)
        return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: '%.*s' outside any [section]",
                            file, line, (int)(kb > 64 ? 64 : kb), s);
    size_t va = vstart, vb = n;
    while (va < vb && is_blank(s[va]))
        va++;
    while (vb > va && is_blank(s[vb - 1]))
        vb--;
    size_t off = va < n ? pos[va] : pos[vstart - 1] + 1;
    size_t raw = va < vb ? pos[vb - 1] + 1 - pos[va] : 0;

    if (op == VS_CONF_OP_APPEND) {
        size_t ne;
        vs_conf_entry *ents = vs__conf_entries(x->c, (size_t)x->cur, &ne);
        vs_conf_entry *prev = NULL;
        for (size_t i = ne; i-- > 0;) {
            if (!ents[i].merged && ents[i].op != VS_CONF_OP_DIRECTIVE &&
                strlen(ents[i].key) == kb && strncmp(ents[i].key, s, kb) == 0) {
                prev = &ents[i];
                break;
            }
        }
        if (prev) {
            /* Asterisk appends everything after '=' (leading blanks included), trailing blanks
             * trimmed. */
            size_t pl = strlen(prev->value), al = vb > vstart ? vb - vstart : 0;
            char *nv = vs__conf_alloc(x->c, pl + al + 1);
            if (nv == NULL)
                return vs__conf_err(x->err, x->errlen, VS_E_NOMEM, "%s:%u: out of memory", file,
                                    line);
            memcpy(nv, prev->value, pl);
            if (al)
                memcpy(nv + pl, s + vstart, al);
            nv[pl + al] = '\0';
            prev->value = nv;
            vs_rc rc = add_entry(x, x->cur, file, line, s, kb, s + va, vb - va, op, off, raw);
            if (rc != VS_OK)
                return rc;
            ents = vs__conf_entries(x->c, (size_t)x->cur, &ne);
            ents[ne - 1].merged = true;
            return VS_OK;
        }
    }
    return add_entry(x, x->cur, file, line, s, kb, s + va, vb - va, op, off, raw);
}

static vs_rc process_line(ast_ctx *x, const char *file, unsigned line, size_t n)
{
    const char *s = x->lb;
    const size_t *pos = x->lpos;
    size_t a = 0, b = n;
    while (a < b && is_blank(s[a]))
        a++;
    while (b > a && is_blank(s[b - 1]))
        b--;
    if (a == b)
        return VS_OK;
    if (s[a] == '[')
        return section_line(x, file, line, s + a, b - a);
    if (s[a] == '#')
        return directive_line(x, file, line, s + a, pos + a, b - a);
    return assign_line(x, file, line, s + a, pos + a, b - a);
}

static vs_rc parse_buffer(ast_ctx *x, const char *path, const char *buf, size_t len)
{
    if (len > x->lim->max_total - x->total)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s: more than %zu bytes in all", path,
                            x->lim->max_total);
    x->total += len;
    const char *file = vs__conf_add_file(x->c, path, NULL);
    if (file == NULL)
        return vs__conf_err(x->err, x->errlen, VS_E_NOMEM, "%s: out of memory", path);
    const char *nul = memchr(buf, '\0', len);
    if (nul)
        return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: binary content (NUL byte)", file,
                            vs__conf_line_of(buf, len, (size_t)(nul - buf)));
    bool pushed = false;
    if (x->follow) {
        struct stat st;
        if (stat(path, &st) == 0) {
            pushed = true;
            if (x->depth >= 64)
                return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s: includes too deep", file);
            x->stack[x->depth].dev = st.st_dev;
            x->stack[x->depth].ino = st.st_ino;
            x->stack[x->depth].path = file;
            x->stack[x->depth].line = 0;
            x->depth++;
        }
    }
    int comment = 0;
    unsigned comment_line = 0;
    unsigned line = 0;
    size_t i = 0;
    vs_rc rc = VS_OK;
    while (i < len && rc == VS_OK) {
        line++;
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t le = nl ? (size_t)(nl - buf) : len;
        size_t ll = le - i;
        if (ll > x->lim->max_line) {
            rc = vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: line longer than %zu bytes",
                              file, line, x->lim->max_line);
            break;
        }
        const char *s = buf + i;
        size_t on = 0, scan = 0;
        size_t k = 0;
        while (k < ll) {
            char ch = s[k];
            if (ch != ';') {
                if (comment == 0) {
                    x->lb[on] = ch;
                    x->lpos[on++] = i + k;
                }
                k++;
                continue;
            }
            if (k > 0 && s[k - 1] == '\\') {
                /* Escaped semicolon: the backslash (already copied) becomes ';'. */
                if (comment == 0 && on > 0)
                    x->lb[on - 1] = ';';
                k++;
                scan = k;
                continue;
            }
            if (k + 2 < ll && s[k + 1] == '-' && s[k + 2] == '-' &&
                (k + 3 >= ll || s[k + 3] != '-')) {
                if (comment >= MAX_NESTED_COMMENTS) {
                    rc = vs__conf_err(x->err, x->errlen, VS_E_LIMIT,
                                      "%s:%u: block comments nested deeper than %d", file, line,
                                      MAX_NESTED_COMMENTS);
                    break;
                }
                if (comment == 0)
                    comment_line = line;
                comment++;
                k += 3;
                scan = k;
                continue;
            }
            if (comment > 0 && k >= scan + 2 && s[k - 1] == '-' && s[k - 2] == '-') {
                comment--;
                k++;
                scan = k;
                continue;
            }
            if (comment == 0)
                break; /* the rest of the line is a comment */
            k++;
            scan = k;
        }
        if (rc != VS_OK)
            break;
        rc = process_line(x, file, line, on);
        i = nl ? le + 1 : len;
    }
    if (rc == VS_OK && comment > 0)
        vs__conf_warn(x->c, file, comment_line, "unterminated block comment");
    if (pushed)
        x->depth--;
    return rc;
}

static vs_rc load(const char *path, const char *name, const char *buf, size_t len,
                  const vs_conf_limits *lim, vs_conf **out, char *err, size_t errlen)
{
    if ((path == NULL && (name == NULL || (buf == NULL && len))) || out == NULL)
        return vs__conf_err(err, errlen, VS_E_INVAL, "invalid argument");
    ast_ctx x;
    memset(&x, 0, sizeof x);
    x.err = err;
    x.errlen = errlen;
    x.cur = -1;
    x.top = -1;
    x.c = vs__conf_new(VS_CONF_PRODUCT_ASTERISK, lim);
    vs_rc rc = VS_OK;
    char *fbuf = NULL;
    if (x.c == NULL)
        return vs__conf_err(err, errlen, VS_E_NOMEM, "out of memory");
    x.lim = vs__conf_limits(x.c);
    x.lb = malloc(x.lim->max_line + 1);
    x.lpos = malloc((x.lim->max_line + 1) * sizeof *x.lpos);
    if (x.lb == NULL || x.lpos == NULL) {
        rc = vs__conf_err(err, errlen, VS_E_NOMEM, "out of memory");
        goto fail;
    }
    if (path) {
        x.follow = true;
        vs__conf_dirname(path, x.root, sizeof x.root);
        rc = vs__conf_read_file(path, x.lim->max_file_size, &fbuf, &len, err, errlen);
        if (rc != VS_OK)
            goto fail;
        rc = parse_buffer(&x, path, fbuf, len);
    } else {
        if (len > x.lim->max_file_size) {
            rc = vs__conf_err(err, errlen, VS_E_LIMIT, "%s: larger than %zu bytes", name,
                              x.lim->max_file_size);
            goto fail;
        }
        rc = parse_buffer(&x, name, buf ? buf : "", len);
    }
    if (rc != VS_OK)
        goto fail;
    free(fbuf);
    free(x.lb);
    free(x.lpos);
    *out = x.c;
    return VS_OK;
fail:
    free(fbuf);
    free(x.lb);
    free(x.lpos);
    vs_conf_free(x.c);
    return rc;
}

vs_rc vs_conf_asterisk_load(const char *path, const vs_conf_limits *lim, vs_conf **out, char *err,
                            size_t errlen)
{
    if (path == NULL)
        return vs__conf_err(err, errlen, VS_E_INVAL, "invalid argument");
    return load(path, NULL, NULL, 0, lim, out, err, errlen);
}

vs_rc vs_conf_asterisk_load_mem(const char *name, const char *buf, size_t len,
                                const vs_conf_limits *lim, vs_conf **out, char *err, size_t errlen)
{
    return load(NULL, name ? name : "<memory>", buf, len, lim, out, err, errlen);
}
