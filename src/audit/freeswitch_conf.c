/* FreeSWITCH XML configuration reader.
 *
 * FreeSWITCH does not hand its files to an XML parser directly: its preprocessor
 * (switch_xml.c: preprocess) first rewrites them line by line, and this reader does the same:
 *   - "$${name}" is replaced by the preprocessor variable's value (empty when undefined);
 *     "${name}" is a runtime channel variable and stays as is;
 *   - a line holding "<include>", "</include>" or "<?" is dropped whole;
 *   - a line holding "<X-PRE-PROCESS cmd=... data=.../>" is consumed: "set" defines a variable
 *     ("name=value"), "include" splices the files matching a path or glob (relative to the
 *     directory of the file being read), "exec", "exec-set", "env-set", "stun-set" are recorded
 *     and never run. As in FreeSWITCH, this happens even inside an XML comment: such a "commented"
 *     set is live, and so it is reported;
 *   - the old "<!--#cmd "arg"-->" form is handled the same way.
 * Each output line remembers the file and line it came from. The output, wrapped in one root
 * element, goes to libxml2 with XML_PARSE_NONET and without XML_PARSE_NOENT/DTDLOAD; a document
 * type declaration is refused outright, so no entity is ever expanded. The tree is then mapped
 * onto the model of conf.h (docs/internals/conf-readers.md):
 *   "vars"                        X-PRE-PROCESS set (key = variable name)
 *   "preprocess"                  other X-PRE-PROCESS commands (directive entries)
 *   "conf:<name>"                 <configuration name="<name>.conf">: every <param> under it
 *                                 except the sofia profiles and the acl lists below
 *   "profile:<name>"              a sofia profile's params
 *   "gateway:<profile>/<name>"    a sofia gateway's params
 *   "acl:<name>"                  an acl.conf list: "default", then "allow"/"deny" = cidr
 *                                 ("allow-domain"/"deny-domain" = domain) per node
 *   "domain:<name>", "group:<domain>/<name>", "user:<id>"
 *                                 directory entries: params by name, variables as
 *                                 "var:<name>", attributes of <user> as "@<attr>"; a user
 *                                 inherits its domain then its group (FreeSWITCH's merge order).
 * Value positions: libxml2 gives the line of an element; the reader finds the element's tag in
 * the source file and the attribute inside it, so value_off/value_len cover the raw attribute text
 * (before entity decoding and $${} expansion). */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "audit/conf_internal.h"

typedef struct line_src {
    size_t file;   /* index into ctx.srcs */
    unsigned line; /* 1-based line in that file */
    size_t off;    /* offset of the line's first byte in that file */
} line_src;

typedef struct src_file {
    const char *path; /* owned by the conf */
    char *buf;
    size_t len;
    dev_t dev;
    ino_t ino;
} src_file;

typedef struct fs_ctx {
    vs_conf *c;
    const vs_conf_limits *lim;
    char *err;
    size_t errlen;
    bool follow;
    src_file *srcs;
    size_t nsrcs, capsrcs;
    size_t stack[64]; /* srcs indices of the files being read */
    unsigned depth;
    char *out;
    size_t outlen, outcap;
    line_src *map;
    size_t nmap, capmap;
    long vars, pre; /* sections "vars", "preprocess" (-1 until needed) */
    char *eb;       /* expanded line */
    size_t ebcap;
    size_t total;
} fs_ctx;

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

static vs_rc nomem(fs_ctx *x)
{
    return vs__conf_err(x->err, x->errlen, VS_E_NOMEM, "out of memory");
}

static const char *stristr_n(const char *h, size_t hl, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl > hl)
        return NULL;
    for (size_t i = 0; i + nl <= hl; i++)
        if (strncasecmp(h + i, needle, nl) == 0)
            return h + i;
    return NULL;
}

static const char *memstr(const char *h, size_t hl, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl > hl)
        return NULL;
    for (size_t i = 0; i + nl <= hl; i++)
        if (h[i] == needle[0] && memcmp(h + i, needle, nl) == 0)
            return h + i;
    return NULL;
}

static long section(fs_ctx *x, long *slot, const char *name, const char *file, unsigned line)
{
    if (*slot < 0)
        *slot = vs__conf_add_section(x->c, name, strlen(name), file, line);
    return *slot;
}

static vs_rc entry(fs_ctx *x, long sec, const char *key, size_t kl, const char *val, size_t vl,
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

/* Current value of preprocessor variable name[0..n), or NULL. */
static const char *var_get(fs_ctx *x, const char *name, size_t n)
{
    if (x->vars < 0)
        return NULL;
    size_t ne;
    vs_conf_entry *e = vs__conf_entries(x->c, (size_t)x->vars, &ne);
    for (size_t i = ne; i-- > 0;)
        if (strlen(e[i].key) == n && memcmp(e[i].key, name, n) == 0)
            return e[i].value;
    return NULL;
}

/* Expands $${name} in s[0..n) into x->eb; returns its length or a negative vs_rc. */
static long expand(fs_ctx *x, const char *s, size_t n, const char *file, unsigned line)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        const char *add = s + i;
        size_t al = 1;
        size_t next = i + 1;
        if (s[i] == '$' && i + 2 < n && s[i + 1] == '$' && s[i + 2] == '{') {
            size_t j = i + 3;
            int depth = 1;
            while (j < n && depth > 0) {
                if (s[j] == '{')
                    depth++;
                else if (s[j] == '}')
                    depth--;
                if (depth > 0)
                    j++;
            }
            if (j < n) {
                const char *v = var_get(x, s + i + 3, j - (i + 3));
                if (v == NULL)
                    vs__conf_warn(x->c, file, line, "$${%.*s} is not defined",
                                  (int)(j - (i + 3) > 64 ? 64 : j - (i + 3)), s + i + 3);
                add = v ? v : "";
                al = strlen(add);
                next = j + 1;
            } else {
                vs__conf_warn(x->c, file, line, "unterminated $${");
            }
        }
        if (o + al > x->lim->max_total)
            return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: expanded line too long",
                                file, line);
        if (!grow((void **)&x->eb, &x->ebcap, o + al + 1, 1))
            return nomem(x);
        memcpy(x->eb + o, add, al);
        o += al;
        i = next;
    }
    if (!grow((void **)&x->eb, &x->ebcap, o + 1, 1))
        return nomem(x);
    x->eb[o] = '\0';
    return (long)o;
}

static vs_rc emit(fs_ctx *x, const char *s, size_t n, size_t src, unsigned line, size_t off)
{
    if (x->outlen + n + 1 > x->lim->max_total)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT,
                            "%s:%u: preprocessed configuration larger than %zu bytes",
                            x->srcs[src].path, line, x->lim->max_total);
    if (!grow((void **)&x->out, &x->outcap, x->outlen + n + 2, 1) ||
        !grow((void **)&x->map, &x->capmap, x->nmap + 1, sizeof *x->map))
        return nomem(x);
    memcpy(x->out + x->outlen, s, n);
    x->outlen += n;
    x->out[x->outlen++] = '\n';
    x->map[x->nmap++] = (line_src){src, line, off};
    return VS_OK;
}

/* In raw source line r[0..rl) (file offset roff), finds the value of the quoted attribute after
 * the first case-insensitive "attr" following position from; sets offset/length. */
static bool raw_attr(const char *r, size_t rl, size_t from, const char *attr, size_t *vo,
                     size_t *vl)
{
    const char *p = from < rl ? stristr_n(r + from, rl - from, attr) : NULL;
    if (p == NULL)
        return false;
    const char *e = r + rl;
    p += strlen(attr);
    while (p < e && *p != '=')
        p++;
    while (p < e && *p != '"')
        p++;
    if (p >= e)
        return false;
    p++;
    const char *q = memchr(p, '"', (size_t)(e - p));
    if (q == NULL)
        q = e;
    *vo = (size_t)(p - r);
    *vl = (size_t)(q - p);
    return true;
}

static vs_rc preprocess_file(fs_ctx *x, const char *path, const char *mem, size_t memlen,
                             const char *from, unsigned from_line);

static vs_rc do_include(fs_ctx *x, const char *file, unsigned line, const char *cwd,
                        const char *arg)
{
    char pat[2 * PATH_MAX + 2];
    if (arg[0] == '/')
        snprintf(pat, sizeof pat, "%s", arg);
    else
        snprintf(pat, sizeof pat, "%s/%s", cwd, arg);
    glob_t g;
    memset(&g, 0, sizeof g);
    int grc = glob(pat, 0, NULL, &g);
    if (grc == GLOB_NOMATCH) {
        globfree(&g);
        vs__conf_warn(x->c, file, line, "include \"%s\": no file matches", arg);
        return VS_OK;
    }
    if (grc != 0) {
        globfree(&g);
        return vs__conf_err(x->err, x->errlen, VS_E_IO, "%s:%u: include \"%s\": cannot expand",
                            file, line, arg);
    }
    vs_rc rc = VS_OK;
    for (size_t i = 0; i < g.gl_pathc && rc == VS_OK; i++)
        rc = preprocess_file(x, g.gl_pathv[i], NULL, 0, file, line);
    globfree(&g);
    return rc;
}

/* Handles one preprocessor command (cmd, data) found on a line of file src. */
static vs_rc command(fs_ctx *x, size_t src, unsigned line, size_t loff, const char *raw,
                     size_t rawlen, const char *cmd, size_t cl, const char *data, size_t dl)
{
    const char *file = x->srcs[src].path;
    if (cl == 3 && strncasecmp(cmd, "set", 3) == 0) {
        const char *eq = memchr(data, '=', dl);
        if (eq == NULL) {
            vs__conf_warn(x->c, file, line, "X-PRE-PROCESS set without '='");
            return VS_OK;
        }
        size_t nl = (size_t)(eq - data);
        while (nl > 0 && data[nl - 1] == ' ')
            nl--;
        const char *v = eq + 1;
        while (v < data + dl && *v == ' ')
            v++;
        size_t vl = (size_t)(data + dl - v);
        /* Position of the raw value: after '=' inside the data attribute of the raw line. */
        size_t vo = 0, vlen = 0, off = loff, rawv = 0;
        if (raw_attr(raw, rawlen, 0, "data", &vo, &vlen)) {
            const char *req = memchr(raw + vo, '=', vlen);
            if (req) {
                size_t a = (size_t)(req - raw) + 1;
                while (a < vo + vlen && raw[a] == ' ')
                    a++;
                off = loff + a;
                rawv = vo + vlen - a;
            }
        }
        long sec = section(x, &x->vars, "vars", file, line);
        return entry(x, sec, data, nl, v, vl, VS_CONF_OP_SET, file, line, off, rawv);
    }
    char key[32];
    snprintf(key, sizeof key, "%.*s", (int)(cl > 31 ? 31 : cl), cmd);
    for (char *k = key; *k; k++)
        if (*k >= 'A' && *k <= 'Z')
            *k = (char)(*k + 32);
    size_t vo = 0, vlen = 0;
    size_t off = loff, rawv = 0;
    if (raw_attr(raw, rawlen, 0, "data", &vo, &vlen)) {
        off = loff + vo;
        rawv = vlen;
    }
    long sec = section(x, &x->pre, "preprocess", file, line);
    vs_rc rc =
        entry(x, sec, key, strlen(key), data, dl, VS_CONF_OP_DIRECTIVE, file, line, off, rawv);
    if (rc != VS_OK)
        return rc;
    if (strcmp(key, "include") == 0 && x->follow) {
        char arg[PATH_MAX];
        if (dl >= sizeof arg)
            return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: include path too long", file,
                                line);
        memcpy(arg, data, dl);
        arg[dl] = '\0';
        char cwd[PATH_MAX];
        vs__conf_dirname(file, cwd, sizeof cwd);
        return do_include(x, file, line, cwd, arg);
    }
    if (strcmp(key, "include") != 0 && strcmp(key, "exec") != 0)
        vs__conf_warn(x->c, file, line, "X-PRE-PROCESS %s not run: its variable stays undefined",
                      key);
    return VS_OK;
}

/* Parses the X-PRE-PROCESS tag at t in line s[0..n) the way FreeSWITCH does (cmd="..." then
 * data="..."). */
static vs_rc x_pre_process(fs_ctx *x, size_t src, unsigned line, size_t loff, const char *raw,
                           size_t rawlen, const char *s, size_t n, const char *t)
{
    const char *e = s + n;
    const char *p = stristr_n(t, (size_t)(e - t), "cmd");
    if (p == NULL)
        return VS_OK;
    p = memchr(p, '=', (size_t)(e - p));
    if (p == NULL)
        return VS_OK;
    p = memchr(p, '"', (size_t)(e - p));
    if (p == NULL)
        return VS_OK;
    const char *cmd = ++p;
    const char *ce = memchr(p, '"', (size_t)(e - p));
    if (ce == NULL)
        ce = e;
    const char *q = ce < e ? ce + 1 : e;
    const char *d = stristr_n(q, (size_t)(e - q), "data");
    if (d == NULL)
        return VS_OK;
    d = memchr(d, '=', (size_t)(e - d));
    if (d == NULL)
        return VS_OK;
    d = memchr(d, '"', (size_t)(e - d));
    if (d == NULL)
        return VS_OK;
    d++;
    const char *de = memchr(d, '"', (size_t)(e - d));
    if (de == NULL)
        de = e;
    return command(x, src, line, loff, raw, rawlen, cmd, (size_t)(ce - cmd), d, (size_t)(de - d));
}

static vs_rc preprocess_text(fs_ctx *x, size_t src)
{
    const char *buf = x->srcs[src].buf;
    size_t len = x->srcs[src].len;
    const char *file = x->srcs[src].path;
    unsigned line = 0;
    bool ml = false;
    for (size_t i = 0; i < len;) {
        line++;
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t le = nl ? (size_t)(nl - buf) : len;
        const char *raw = buf + i;
        size_t rl = le - i;
        size_t loff = i;
        i = nl ? le + 1 : len;
        if (rl > x->lim->max_line)
            return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: line longer than %zu bytes",
                                file, line, x->lim->max_line);
        long el = expand(x, raw, rl, file, line);
        if (el < 0)
            return (vs_rc)el;
        const char *s = x->eb;
        size_t n = (size_t)el;
        if (memstr(raw, rl, "<include>") || memstr(raw, rl, "</include>") || memstr(raw, rl, "<?"))
            continue;
        if (ml) {
            const char *ce = memstr(s, n, "-->");
            if (ce == NULL)
                continue;
            ml = false;
            n -= (size_t)(ce + 3 - s);
            s = ce + 3;
        }
        const char *t = stristr_n(s, n, "X-pre-process");
        if (t) {
            if (t > s && t[-1] == '<') {
                /* x_pre_process may grow x->eb (nested include): work on a copy. */
                char *copy = malloc(n + 1);
                if (copy == NULL)
                    return nomem(x);
                memcpy(copy, s, n);
                vs_rc rc = x_pre_process(x, src, line, loff, raw, rl, copy, n, copy + (t - s));
                free(copy);
                if (rc != VS_OK)
                    return rc;
            }
            continue;
        }
        const char *oc = memstr(s, n, "<!--#");
        if (oc) {
            /* Old form: <!--#cmd "arg"-->; text around it is kept. */
            char *copy = malloc(n + 1);
            if (copy == NULL)
                return nomem(x);
            memcpy(copy, s, n);
            copy[n] = '\0';
            const char *c0 = copy + (oc - s);
            const char *cend = memstr(c0, n - (size_t)(c0 - copy), "-->");
            size_t before = (size_t)(c0 - copy);
            vs_rc rc = VS_OK;
            if (cend) {
                /* Text before and after the command form one output line. */
                size_t after = n - (size_t)(cend + 3 - copy);
                char *joined = malloc(before + after + 1);
                if (joined == NULL) {
                    free(copy);
                    return nomem(x);
                }
                memcpy(joined, copy, before);
                memcpy(joined + before, cend + 3, after);
                rc = emit(x, joined, before + after, src, line, loff);
                free(joined);
            } else {
                rc = emit(x, copy, before, src, line, loff);
                ml = true;
            }
            const char *cmd = c0 + 5;
            const char *stop = cend ? cend : copy + n;
            const char *sp = memchr(cmd, ' ', (size_t)(stop - cmd));
            if (rc == VS_OK && sp) {
                const char *arg = sp + 1, *ae = stop;
                const char *q1 = memchr(arg, '"', (size_t)(ae - arg));
                if (q1) {
                    const char *q2 = memchr(q1 + 1, '"', (size_t)(ae - q1 - 1));
                    if (q2) {
                        arg = q1 + 1;
                        ae = q2;
                    }
                }
                rc = command(x, src, line, loff, raw, 0, cmd, (size_t)(sp - cmd), arg,
                             (size_t)(ae - arg));
            }
            free(copy);
            if (rc != VS_OK)
                return rc;
            continue;
        }
        /* x->eb may have been reused by a nested include: s still points into it only when no
         * command ran on this line, which is the case here. */
        vs_rc rc = emit(x, s, n, src, line, loff);
        if (rc != VS_OK)
            return rc;
    }
    return VS_OK;
}

static vs_rc preprocess_file(fs_ctx *x, const char *path, const char *mem, size_t memlen,
                             const char *from, unsigned from_line)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (mem == NULL) {
        if (stat(path, &st) != 0) {
            if (from)
                return vs__conf_err(x->err, x->errlen, VS_E_IO, "%s:%u: include \"%s\": %s", from,
                                    from_line, path, strerror(errno));
            return vs__conf_err(x->err, x->errlen, VS_E_IO, "%s: %s", path, strerror(errno));
        }
        for (unsigned i = 0; i < x->depth; i++) {
            src_file *f = &x->srcs[x->stack[i]];
            if (f->dev == st.st_dev && f->ino == st.st_ino) {
                char chain[1024];
                size_t n = 0;
                for (unsigned j = i; j < x->depth && n < sizeof chain; j++) {
                    int w =
                        snprintf(chain + n, sizeof chain - n, "%s -> ", x->srcs[x->stack[j]].path);
                    if (w < 0)
                        break;
                    n += (size_t)w;
                }
                if (n >= sizeof chain)
                    n = sizeof chain - 1;
                chain[n] = '\0';
                return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: include cycle: %s%s",
                                    from ? from : path, from_line, chain, path);
            }
        }
        if (x->depth > x->lim->max_include_depth || x->depth >= 64)
            return vs__conf_err(x->err, x->errlen, VS_E_LIMIT,
                                "%s:%u: include depth limit (%u) exceeded including \"%s\"",
                                from ? from : path, from_line, x->lim->max_include_depth, path);
    }
    if (x->nsrcs >= x->lim->max_files)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s:%u: more than %zu files",
                            from ? from : path, from_line, x->lim->max_files);
    if (!grow((void **)&x->srcs, &x->capsrcs, x->nsrcs + 1, sizeof *x->srcs))
        return nomem(x);
    src_file *f = &x->srcs[x->nsrcs];
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
    vs_rc rc = preprocess_text(x, idx);
    x->depth--;
    return rc;
}

/* ---------------------------------------------------------------- tree walk */

typedef struct walk_ctx {
    bool in_directory;
    int conf_kind; /* 0 other, 1 sofia, 2 acl */
    char conf_name[128];
    long target;
    long domain, group;
    char profile[128];
    char domain_name[128];
} walk_ctx;

/* Finds the k-th start tag <tag ...> whose text starts on source line of output line L, then
 * attribute attr inside it: file, line and raw offset/length of the value. */
static bool locate(fs_ctx *x, long L, unsigned k, const char *tag, const char *attr,
                   const char **file, unsigned *line, size_t *off, size_t *len)
{
    if (L < 2 || (size_t)(L - 2) >= x->nmap)
        return false;
    const line_src *m = &x->map[L - 2];
    const src_file *f = &x->srcs[m->file];
    *file = f->path;
    *line = m->line;
    const char *b = f->buf;
    size_t ls = m->off;
    const char *nl = memchr(b + ls, '\n', f->len - ls);
    size_t le = nl ? (size_t)(nl - b) : f->len;
    char pat[64];
    snprintf(pat, sizeof pat, "<%s", tag);
    size_t pl = strlen(pat);
    size_t start = (size_t)-1;
    unsigned seen = 0;
    for (size_t i = ls; i + pl <= le; i++) {
        if (memcmp(b + i, pat, pl) == 0 &&
            (i + pl == f->len || strchr(" \t\r\n/>", b[i + pl]) != NULL)) {
            if (seen == k) {
                start = i;
                break;
            }
            seen++;
        }
    }
    if (start == (size_t)-1) {
        /* A start tag spread over lines: libxml2 reports the line where it ends. */
        for (size_t i = ls; i-- > 0;) {
            if (i + pl <= f->len && memcmp(b + i, pat, pl) == 0) {
                start = i;
                break;
            }
            if (ls - i > 4096)
                break;
        }
    }
    if (start == (size_t)-1)
        return false;
    /* Walk the attributes of the tag. */
    size_t i = start + pl;
    size_t an = strlen(attr);
    while (i < f->len && b[i] != '>') {
        if (b[i] == '/' || b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
            i++;
            continue;
        }
        size_t ns = i;
        while (i < f->len && b[i] != '=' && b[i] != '>' && b[i] != ' ' && b[i] != '\t' &&
               b[i] != '\r' && b[i] != '\n')
            i++;
        size_t ne = i;
        while (i < f->len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
            i++;
        if (i >= f->len || b[i] != '=')
            continue;
        i++;
        while (i < f->len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
            i++;
        if (i >= f->len || (b[i] != '"' && b[i] != '\''))
            return false;
        char q = b[i++];
        size_t vs = i;
        const char *qe = memchr(b + i, q, f->len - i);
        if (qe == NULL)
            return false;
        i = (size_t)(qe - b) + 1;
        if (ne - ns == an && memcmp(b + ns, attr, an) == 0) {
            *off = vs;
            *len = (size_t)(qe - b) - vs;
            *line = vs__conf_line_of(b, f->len, vs);
            return true;
        }
    }
    return false;
}

/* Index (0-based) of node among the elements with the same tag starting on its output line. */
static unsigned same_line_index(xmlNodePtr node)
{
    long L = xmlGetLineNo(node);
    unsigned k = 0;
    /* Walk backwards in document order while on the same line. */
    xmlNodePtr p = node;
    for (int guard = 0; guard < 4096; guard++) {
        if (p->prev) {
            p = p->prev;
            while (p->last && p->type == XML_ELEMENT_NODE)
                p = p->last;
        } else if (p->parent && p->parent->type == XML_ELEMENT_NODE) {
            p = p->parent;
        } else {
            break;
        }
        if (p->type != XML_ELEMENT_NODE)
            continue;
        long pl = xmlGetLineNo(p);
        if (pl < L)
            break;
        if (pl == L && xmlStrEqual(p->name, node->name))
            k++;
    }
    return k;
}

static const char *attr_of(xmlNodePtr n, const char *name, xmlChar **hold)
{
    *hold = xmlGetProp(n, (const xmlChar *)name);
    return (const char *)*hold;
}

/* Adds entry key = value-of-attribute vattr of node n to section sec. */
static vs_rc add_attr_entry(fs_ctx *x, long sec, xmlNodePtr n, const char *key, const char *vattr)
{
    xmlChar *hv = NULL;
    const char *v = attr_of(n, vattr, &hv);
    if (v == NULL)
        return VS_OK;
    const char *file = vs_conf_file_path(x->c, 0);
    unsigned line = 0;
    size_t off = 0, len = 0;
    long L = xmlGetLineNo(n);
    if (!locate(x, L, same_line_index(n), (const char *)n->name, vattr, &file, &line, &off, &len)) {
        if (L >= 2 && (size_t)(L - 2) < x->nmap) {
            file = x->srcs[x->map[L - 2].file].path;
            line = x->map[L - 2].line;
            off = x->map[L - 2].off;
        }
        len = 0;
    }
    vs_rc rc = entry(x, sec, key, strlen(key), v, strlen(v), VS_CONF_OP_SET, file, line, off, len);
    xmlFree(hv);
    return rc;
}

static void node_pos(fs_ctx *x, xmlNodePtr n, const char **file, unsigned *line)
{
    long L = xmlGetLineNo(n);
    *file = vs_conf_file_path(x->c, 0);
    *line = 0;
    if (L >= 2 && (size_t)(L - 2) < x->nmap) {
        *file = x->srcs[x->map[L - 2].file].path;
        *line = x->map[L - 2].line;
    }
}

static long new_section(fs_ctx *x, xmlNodePtr n, const char *name)
{
    const char *file;
    unsigned line;
    node_pos(x, n, &file, &line);
    long s = vs__conf_add_section(x->c, name, strlen(name), file, line);
    if (s < 0)
        vs__conf_err(x->err, x->errlen, (vs_rc)s, "%s:%u: %s", file, line,
                     s == VS_E_LIMIT ? "too many sections" : "out of memory");
    return s;
}

static bool is(xmlNodePtr n, const char *name)
{
    return xmlStrcasecmp(n->name, (const xmlChar *)name) == 0;
}

static vs_rc walk(fs_ctx *x, xmlNodePtr first, walk_ctx w, int depth);

static vs_rc element(fs_ctx *x, xmlNodePtr n, walk_ctx w, int depth)
{
    xmlChar *h1 = NULL, *h2 = NULL;
    vs_rc rc = VS_OK;
    char name[300];
    if (is(n, "section")) {
        const char *sn = attr_of(n, "name", &h1);
        w.in_directory = sn && strcasecmp(sn, "directory") == 0;
    } else if (is(n, "configuration")) {
        const char *cn = attr_of(n, "name", &h1);
        snprintf(w.conf_name, sizeof w.conf_name, "%s", cn ? cn : "");
        size_t l = strlen(w.conf_name);
        if (l > 5 && strcasecmp(w.conf_name + l - 5, ".conf") == 0)
            w.conf_name[l - 5] = '\0';
        w.conf_kind = strcasecmp(w.conf_name, "sofia") == 0 ? 1
                      : strcasecmp(w.conf_name, "acl") == 0 ? 2
                                                            : 0;
        snprintf(name, sizeof name, "conf:%s", w.conf_name);
        w.target = new_section(x, n, name);
        if (w.target < 0)
            rc = (vs_rc)w.target;
    } else if (w.conf_kind == 1 && is(n, "profile")) {
        const char *pn = attr_of(n, "name", &h1);
        snprintf(w.profile, sizeof w.profile, "%s", pn ? pn : "");
        snprintf(name, sizeof name, "profile:%s", w.profile);
        w.target = new_section(x, n, name);
        if (w.target < 0)
            rc = (vs_rc)w.target;
    } else if (w.conf_kind == 1 && is(n, "gateway")) {
        const char *gn = attr_of(n, "name", &h1);
        snprintf(name, sizeof name, "gateway:%s/%s", w.profile, gn ? gn : "");
        w.target = new_section(x, n, name);
        if (w.target < 0)
            rc = (vs_rc)w.target;
    } else if (w.conf_kind == 2 && is(n, "list")) {
        const char *ln = attr_of(n, "name", &h1);
        snprintf(name, sizeof name, "acl:%s", ln ? ln : "");
        w.target = new_section(x, n, name);
        if (w.target < 0)
            rc = (vs_rc)w.target;
        else
            rc = add_attr_entry(x, w.target, n, "default", "default");
    } else if (w.conf_kind == 2 && is(n, "node") && w.target >= 0) {
        const char *type = attr_of(n, "type", &h1);
        char key[64];
        xmlChar *hc = xmlGetProp(n, (const xmlChar *)"cidr");
        snprintf(key, sizeof key, "%s%s", type ? type : "node", hc ? "" : "-domain");
        rc = add_attr_entry(x, w.target, n, key, hc ? "cidr" : "domain");
        xmlFree(hc);
    } else if (w.in_directory && is(n, "domain")) {
        const char *dn = attr_of(n, "name", &h1);
        snprintf(w.domain_name, sizeof w.domain_name, "%s", dn ? dn : "");
        snprintf(name, sizeof name, "domain:%s", w.domain_name);
        w.target = w.domain = new_section(x, n, name);
        w.group = -1;
        if (w.target < 0)
            rc = (vs_rc)w.target;
    } else if (w.in_directory && is(n, "group")) {
        const char *gn = attr_of(n, "name", &h1);
        snprintf(name, sizeof name, "group:%s/%s", w.domain_name, gn ? gn : "");
        w.target = w.group = new_section(x, n, name);
        if (w.target < 0)
            rc = (vs_rc)w.target;
        else if (w.domain >= 0) {
            size_t d = (size_t)w.domain;
            rc = vs__conf_section_set_inherits(x->c, (size_t)w.group, &d, 1);
        }
    } else if (w.in_directory && is(n, "user")) {
        const char *id = attr_of(n, "id", &h1);
        snprintf(name, sizeof name, "user:%s", id ? id : "");
        w.target = new_section(x, n, name);
        if (w.target < 0) {
            rc = (vs_rc)w.target;
        } else {
            size_t inh[2], ni = 0;
            if (w.domain >= 0)
                inh[ni++] = (size_t)w.domain;
            if (w.group >= 0)
                inh[ni++] = (size_t)w.group;
            rc = vs__conf_section_set_inherits(x->c, (size_t)w.target, inh, ni);
            for (xmlAttrPtr a = n->properties; a && rc == VS_OK; a = a->next) {
                if (xmlStrcasecmp(a->name, (const xmlChar *)"id") == 0)
                    continue;
                char key[128];
                snprintf(key, sizeof key, "@%s", (const char *)a->name);
                rc = add_attr_entry(x, w.target, n, key, (const char *)a->name);
            }
        }
    } else if (is(n, "param") && w.target >= 0) {
        const char *pn = attr_of(n, "name", &h1);
        if (pn)
            rc = add_attr_entry(x, w.target, n, pn, "value");
    } else if (is(n, "variable") && w.target >= 0) {
        const char *vn = attr_of(n, "name", &h1);
        if (vn) {
            char key[300];
            snprintf(key, sizeof key, "var:%s", vn);
            rc = add_attr_entry(x, w.target, n, key, "value");
        }
    }
    xmlFree(h1);
    xmlFree(h2);
    if (rc != VS_OK)
        return rc;
    return walk(x, n->children, w, depth + 1);
}

static vs_rc walk(fs_ctx *x, xmlNodePtr first, walk_ctx w, int depth)
{
    if (depth > 256)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "%s: XML nested too deeply",
                            vs_conf_file_path(x->c, 0));
    for (xmlNodePtr n = first; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        vs_rc rc = element(x, n, w, depth);
        if (rc != VS_OK)
            return rc;
    }
    return VS_OK;
}

/* Refuses a DOCTYPE (and so any entity declaration) outside comments. */
static vs_rc check_no_dtd(fs_ctx *x)
{
    const char *b = x->out;
    size_t n = x->outlen;
    unsigned L = 1;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\n') {
            L++;
            continue;
        }
        if (b[i] != '<')
            continue;
        if (i + 4 <= n && memcmp(b + i, "<!--", 4) == 0) {
            const char *e = memstr(b + i + 4, n - i - 4, "-->");
            size_t stop = e ? (size_t)(e - b) + 2 : n;
            for (size_t j = i; j < stop && j < n; j++)
                L += b[j] == '\n';
            i = stop;
            continue;
        }
        if (i + 9 <= n && strncasecmp(b + i, "<!DOCTYPE", 9) == 0) {
            const char *file = vs_conf_file_path(x->c, 0);
            unsigned line = 0;
            if (L >= 2 && L - 2 < x->nmap) {
                file = x->srcs[x->map[L - 2].file].path;
                line = x->map[L - 2].line;
            }
            return vs__conf_err(x->err, x->errlen, VS_E_PARSE,
                                "%s:%u: document type declarations are not accepted", file, line);
        }
    }
    return VS_OK;
}

/* First error libxml2 reports (the last one is often a mere "premature end of data"). */
typedef struct first_error {
    bool set;
    int line;
    char msg[256];
} first_error;

static void on_xml_error(void *ud, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ud;
    first_error *fe = ctxt ? ctxt->_private : NULL;
    if (fe == NULL || fe->set || e == NULL || e->level < XML_ERR_ERROR)
        return;
    fe->set = true;
    fe->line = e->line;
    snprintf(fe->msg, sizeof fe->msg, "%s", e->message ? e->message : "malformed XML");
}

/* libxml2 messages name document lines ("tag mismatch: param line 6 and settings"): rewrite
 * each "line N" with the source line it came from. */
static void fix_message_lines(fs_ctx *x, char *msg, size_t size)
{
    char out[256];
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < sizeof out;) {
        if (strncmp(p, "line ", 5) == 0 && p[5] >= '0' && p[5] <= '9') {
            char *end;
            unsigned long L = strtoul(p + 5, &end, 10);
            unsigned src = 0;
            if (L >= 2 && L - 2 < x->nmap)
                src = x->map[L - 2].line;
            int w = snprintf(out + o, sizeof out - o, "line %u", src);
            if (w < 0 || (size_t)w >= sizeof out - o)
                break;
            o += (size_t)w;
            p = end;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
    snprintf(msg, size, "%s", out);
}

static vs_rc parse_xml(fs_ctx *x)
{
    vs_rc rc = check_no_dtd(x);
    if (rc != VS_OK)
        return rc;
    /* "<vs-root>" on a line of its own: output line k is document line k + 1. */
    static const char head[] = "<vs-root>\n";
    static const char tail[] = "</vs-root>\n";
    size_t total = sizeof head - 1 + x->outlen + sizeof tail - 1;
    if (total > INT_MAX)
        return vs__conf_err(x->err, x->errlen, VS_E_LIMIT, "configuration too large");
    char *doc_text = malloc(total + 1);
    if (doc_text == NULL)
        return nomem(x);
    memcpy(doc_text, head, sizeof head - 1);
    if (x->outlen)
        memcpy(doc_text + sizeof head - 1, x->out, x->outlen);
    memcpy(doc_text + sizeof head - 1 + x->outlen, tail, sizeof tail - 1);
    doc_text[total] = '\0';

    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        free(doc_text);
        return nomem(x);
    }
    first_error fe;
    memset(&fe, 0, sizeof fe);
    ctxt->_private = &fe;
    if (ctxt->sax)
        ctxt->sax->serror = on_xml_error;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, doc_text, (int)total, "freeswitch.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    if (doc == NULL || (doc->intSubset != NULL || doc->extSubset != NULL)) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        const char *file = vs_conf_file_path(x->c, 0);
        unsigned line = 0;
        char msg[256] = "malformed XML";
        if (doc && (doc->intSubset || doc->extSubset))
            snprintf(msg, sizeof msg, "document type declarations are not accepted");
        int eline = fe.set ? fe.line : e ? e->line : 0;
        if (fe.set || e) {
            if (fe.set || e->message) {
                snprintf(msg, sizeof msg, "%s", fe.set ? fe.msg : e->message);
                size_t ml = strlen(msg);
                while (ml && (msg[ml - 1] == '\n' || msg[ml - 1] == ' '))
                    msg[--ml] = '\0';
            }
            if (eline >= 2 && (size_t)(eline - 2) < x->nmap) {
                file = x->srcs[x->map[eline - 2].file].path;
                line = x->map[eline - 2].line;
            } else if (x->nmap) {
                file = x->srcs[x->map[x->nmap - 1].file].path;
                line = x->map[x->nmap - 1].line;
            }
        }
        fix_message_lines(x, msg, sizeof msg);
        if (doc)
            xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        free(doc_text);
        return vs__conf_err(x->err, x->errlen, VS_E_PARSE, "%s:%u: XML: %s", file, line, msg);
    }
    walk_ctx w;
    memset(&w, 0, sizeof w);
    w.target = w.domain = w.group = -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    rc = root ? walk(x, root->children, w, 0) : VS_OK;
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    free(doc_text);
    return rc;
}

/* The part of a stock freeswitch.xml that matters here, for a directory without one. */
static const char builtin_root[] =
    "<document type=\"freeswitch/xml\">\n"
    "  <X-PRE-PROCESS cmd=\"include\" data=\"vars.xml\"/>\n"
    "  <section name=\"configuration\" description=\"Various Configuration\">\n"
    "    <X-PRE-PROCESS cmd=\"include\" data=\"autoload_configs/*.xml\"/>\n"
    "  </section>\n"
    "  <section name=\"directory\" description=\"User Directory\">\n"
    "    <X-PRE-PROCESS cmd=\"include\" data=\"directory/*.xml\"/>\n"
    "  </section>\n"
    "</document>\n";

static vs_rc load(const char *path, const char *name, const char *buf, size_t len,
                  const vs_conf_limits *lim, vs_conf **out, char *err, size_t errlen)
{
    if (out == NULL || (path == NULL && buf == NULL && len))
        return vs__conf_err(err, errlen, VS_E_INVAL, "invalid argument");
    fs_ctx x;
    memset(&x, 0, sizeof x);
    x.err = err;
    x.errlen = errlen;
    x.vars = x.pre = -1;
    x.c = vs__conf_new(VS_CONF_PRODUCT_FREESWITCH, lim);
    if (x.c == NULL)
        return vs__conf_err(err, errlen, VS_E_NOMEM, "out of memory");
    x.lim = vs__conf_limits(x.c);
    vs_rc rc;
    if (path) {
        x.follow = true;
        struct stat st;
        if (stat(path, &st) != 0) {
            rc = vs__conf_err(err, errlen, VS_E_IO, "%s: %s", path, strerror(errno));
            goto done;
        }
        if (S_ISDIR(st.st_mode)) {
            char p[PATH_MAX];
            int n = snprintf(p, sizeof p, "%s/freeswitch.xml", path);
            if (n < 0 || (size_t)n >= sizeof p) {
                rc = vs__conf_err(err, errlen, VS_E_INVAL, "%s: path too long", path);
                goto done;
            }
            if (stat(p, &st) == 0) {
                rc = preprocess_file(&x, p, NULL, 0, NULL, 0);
            } else {
                snprintf(p, sizeof p, "%s/<built-in freeswitch.xml>", path);
                rc = preprocess_file(&x, p, builtin_root, sizeof builtin_root - 1, NULL, 0);
            }
        } else {
            rc = preprocess_file(&x, path, NULL, 0, NULL, 0);
        }
    } else {
        rc = preprocess_file(&x, name ? name : "<memory>", buf ? buf : "", len, NULL, 0);
    }
    if (rc == VS_OK)
        rc = parse_xml(&x);
done:
    for (size_t i = 0; i < x.nsrcs; i++)
        free(x.srcs[i].buf);
    free(x.srcs);
    free(x.out);
    free(x.map);
    free(x.eb);
    if (rc != VS_OK) {
        vs_conf_free(x.c);
        return rc;
    }
    *out = x.c;
    return VS_OK;
}

vs_rc vs_conf_freeswitch_load(const char *path, const vs_conf_limits *lim, vs_conf **out, char *err,
                              size_t errlen)
{
    if (path == NULL)
        return vs__conf_err(err, errlen, VS_E_INVAL, "invalid argument");
    return load(path, NULL, NULL, 0, lim, out, err, errlen);
}

vs_rc vs_conf_freeswitch_load_mem(const char *name, const char *buf, size_t len,
                                  const vs_conf_limits *lim, vs_conf **out, char *err,
                                  size_t errlen)
{
    return load(NULL, name, buf, len, lim, out, err, errlen);
}
