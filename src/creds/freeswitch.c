/* FreeSWITCH directory accounts for `voipsec creds`: which users hold which secret (import and
 * rotate), and what rotate needs to replace one attribute value in place.
 *
 * Accounts. The model that src/audit/freeswitch_conf.c builds has one section "user:<id>" per
 * directory user, inheriting its domain ("domain:<name>") then its group; audit's checks
 * (checks_freeswitch.c) read a user's "password" and "vm-password" params through that
 * inheritance and skip pointer users (type="pointer"), and so does this file:
 *   password     -> kind sip, "ID@DOMAIN"; not when the user has an "a1-hash" param: FreeSWITCH
 *                   then authenticates SIP with the hash, not a clear secret (like pjsip md5)
 *   vm-password  -> kind voicemail, "ID@DOMAIN" (the mailbox is the user at the domain)
 * The secret is the value after $${var} expansion, so a user whose password is
 * $${default_password} is fingerprinted with the value vars.xml gives it.
 *
 * Rewriting. rotate never re-serialises the XML: it replaces the bytes between the quotes of the
 * value attribute and nothing else. The reader records where that text is (value_off/value_len,
 * found from libxml2's line numbers); before trusting it, this file scans the raw file itself —
 * comments, CDATA sections, processing instructions and declarations skipped, quotes of either
 * style honoured — and requires a <param> start tag whose value attribute begins exactly there and
 * whose name attribute is the parameter. The raw text must then be the current secret: with
 * entity and character references decoded and attribute whitespace normalised as XML does, or
 * exactly one $${NAME} reference to a preprocessor variable whose value is the secret. In the
 * second case the new secret replaces the reference in this user's param only: vars.xml is never
 * rewritten, since every user that says $${NAME} would get the new secret too. The new value is
 * written with & < > " ' as entity references; '$' is refused (the preprocessor would expand
 * $${...}), and so is "X-PRE-PROCESS" (the preprocessor takes a line holding it as a command). */
#define _GNU_SOURCE /* strcasestr */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sodium.h>

#include "creds/creds_internal.h"

static bool has(const char *dir, const char *name, bool want_dir)
{
    char p[PATH_MAX];
    struct stat sb;
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, name) >= sizeof p)
        return false;
    return stat(p, &sb) == 0 && (want_dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode));
}

bool vs__creds_is_freeswitch(const char *dir)
{
    struct stat sb;
    if (!dir || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return false;
    vs_conf_product p = vs_conf_detect(dir);
    if (p == VS_CONF_PRODUCT_FREESWITCH)
        return true;
    return p == VS_CONF_PRODUCT_UNKNOWN && has(dir, "vars.xml", false) &&
           has(dir, "directory", true);
}

/* ---- accounts ---------------------------------------------------------------------------- */

static const char *user_domain(const vs_conf *c, const vs_conf_section *s)
{
    for (size_t i = 0; i < s->n_inherits; i++) {
        const vs_conf_section *d = vs_conf_section_at(c, s->inherits[i]);
        if (d && !strncmp(d->name, "domain:", 7))
            return d->name + 7;
    }
    return "";
}

static vs_rc add(vs__cred_accts *a, vs_cred_kind kind, const vs_conf_section *s, const char *id,
                 const char *domain, const char *alias, const vs_conf_entry *e, char *err,
                 size_t errlen)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 16;
        vs__cred_acct *nv = realloc(a->v, nc * sizeof *nv);
        if (!nv)
            goto nomem;
        a->v = nv;
        a->cap = nc;
    }
    vs__cred_acct *d = &a->v[a->n];
    memset(d, 0, sizeof *d);
    d->kind = kind;
    int w = domain[0] ? snprintf(d->account, sizeof d->account, "%s@%s", id, domain)
                      : snprintf(d->account, sizeof d->account, "%s", id);
    if (w < 0 || (size_t)w >= sizeof d->account) {
        snprintf(err, errlen, "%s:%u: user '%.64s' at '%.64s': name longer than %zu characters",
                 e->file ? e->file : "", e->line, id, domain, sizeof d->account - 1);
        return VS_E_LIMIT;
    }
    snprintf(d->user, sizeof d->user, "%s", id);
    snprintf(d->extension, sizeof d->extension, "%s", alias ? alias : "");
    snprintf(d->file, sizeof d->file, "%s", e->file ? e->file : "");
    d->line = e->line;
    size_t len = strlen(e->value);
    d->secret = malloc(len + 1);
    if (!d->secret)
        goto nomem;
    memcpy(d->secret, e->value, len + 1);
    d->e = e;
    d->sec = s;
    a->n++;
    return VS_OK;
nomem:
    snprintf(err, errlen, "out of memory collecting accounts");
    return VS_E_NOMEM;
}

vs_rc vs__creds_fs_collect(const vs_conf *c, vs__cred_accts *a, char *err, size_t errlen)
{
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (strncmp(s->name, "user:", 5) || !s->name[5])
            continue;
        const char *type = vs_conf_value(c, s, "@type");
        if (type && !strcasecmp(type, "pointer"))
            continue;
        const char *id = s->name + 5;
        const char *domain = user_domain(c, s);
        const char *alias = vs_conf_value(c, s, "@number-alias");
        if (alias && !*alias)
            alias = NULL;
        const vs_conf_entry *pw = vs_conf_get(c, s, "password");
        vs_rc rc;
        if (pw && !vs_conf_get(c, s, "a1-hash")) {
            rc = add(a, VS_CRED_SIP, s, id, domain, alias, pw, err, errlen);
            if (rc != VS_OK)
                return rc;
        }
        const vs_conf_entry *vm = vs_conf_get(c, s, "vm-password");
        if (vm) {
            rc = add(a, VS_CRED_VOICEMAIL, s, id, domain, alias, vm, err, errlen);
            if (rc != VS_OK)
                return rc;
        }
    }
    return VS_OK;
}

vs_rc vs__creds_fs_rewritable(const vs__cred_acct *ac, char *err, size_t errlen)
{
    const vs_conf_entry *e = ac->e;
    const vs_conf_section *s = ac->sec;
    const char *param = ac->kind == VS_CRED_VOICEMAIL ? "vm-password" : "password";
    const char *why = NULL;
    struct stat sb;
    if (!e || !s || !e->file || stat(e->file, &sb) != 0 || !S_ISREG(sb.st_mode))
        why = "it is not in a file on disk";
    else if (!(s->n_entries && e >= s->entries && e < s->entries + s->n_entries))
        why = "it is inherited from the user's group or domain, shared with other users";
    else if (e->op != VS_CONF_OP_SET)
        why = "it is not a <param> value";
    if (why) {
        snprintf(err, errlen, "%s:%u: cannot rewrite the %s of %s:%s in place: %s",
                 e && e->file ? e->file : "?", e ? e->line : 0, param, vs_cred_kind_id(ac->kind),
                 ac->account, why);
        return VS_E_PARSE;
    }
    return VS_OK;
}

/* ---- the raw attribute --------------------------------------------------------------------- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *find(const char *b, size_t from, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    return from <= len ? memmem(b + from, len - from, needle, n) : NULL;
}

static bool starts(const char *b, size_t i, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return i + n <= len && !memcmp(b + i, lit, n);
}

typedef struct xml_attr {
    size_t name, name_len; /* offsets in the buffer */
    size_t val, val_len;   /* the text between the quotes */
} xml_attr;

#define MAX_ATTRS 32

typedef struct xml_tag {
    size_t name, name_len;
    xml_attr at[MAX_ATTRS];
    size_t n;
} xml_tag;

/* The start tag of b[0..len) that has an attribute value starting at off, with comments, CDATA
 * sections, processing instructions, declarations and end tags skipped. false when off is not
 * the start of an attribute value in markup. */
static bool tag_at(const char *b, size_t len, size_t off, xml_tag *t)
{
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(b + i, '<', len - i);
        if (!lt || (size_t)(lt - b) >= off)
            return false;
        i = (size_t)(lt - b);
        const char *skip_to = NULL;
        size_t skip_len = 0;
        if (starts(b, i, len, "<!--")) {
            skip_to = find(b, i + 4, len, "-->");
            skip_len = 3;
        } else if (starts(b, i, len, "<![CDATA[")) {
            skip_to = find(b, i + 9, len, "]]>");
            skip_len = 3;
        } else if (starts(b, i, len, "<?")) {
            skip_to = find(b, i + 2, len, "?>");
            skip_len = 2;
        } else if (starts(b, i, len, "<!") || starts(b, i, len, "</")) {
            skip_to = memchr(b + i, '>', len - i);
            skip_len = 1;
        }
        if (skip_len) {
            if (!skip_to)
                return false;
            i = (size_t)(skip_to - b) + skip_len;
            continue;
        }
        /* a start tag: its name, then name="value" pairs up to > or /> */
        memset(t, 0, sizeof *t);
        size_t p = i + 1;
        t->name = p;
        while (p < len && !is_ws(b[p]) && b[p] != '/' && b[p] != '>')
            p++;
        t->name_len = p - t->name;
        bool holds = false;
        for (;;) {
            while (p < len && is_ws(b[p]))
                p++;
            if (p >= len)
                return false;
            if (b[p] == '>') {
                p++;
                break;
            }
            if (b[p] == '/') {
                p++;
                continue;
            }
            size_t an = p;
            while (p < len && !is_ws(b[p]) && b[p] != '=' && b[p] != '>' && b[p] != '/')
                p++;
            size_t al = p - an;
            while (p < len && is_ws(b[p]))
                p++;
            if (p >= len || b[p] != '=')
                continue; /* a name without a value: not well-formed; the reader said otherwise */
            p++;
            while (p < len && is_ws(b[p]))
                p++;
            if (p >= len || (b[p] != '"' && b[p] != '\''))
                return false;
            char q = b[p++];
            const char *qe = memchr(b + p, q, len - p);
            if (!qe)
                return false;
            if (t->n < MAX_ATTRS)
                t->at[t->n++] = (xml_attr){an, al, p, (size_t)(qe - b) - p};
            holds |= p == off;
            p = (size_t)(qe - b) + 1;
        }
        if (holds)
            return true;
        if (p > off)
            return false; /* off is inside this tag, but not where a value starts */
        i = p;
    }
    return false;
}

static void put_utf8(unsigned long cp, char *out, size_t *o)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* The attribute value raw[0..n) as an XML parser gives it: the five predefined entities and
 * character references decoded, CR LF, CR, LF and TAB each read as a space. out has room for n
 * bytes plus a NUL (decoding never grows the text). false on anything else (another entity, a
 * '<', a malformed reference). */
static bool xml_decode(const char *raw, size_t n, char *out)
{
    static const struct {
        const char *name;
        char c;
    } ents[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        char c = raw[i];
        if (c == '<')
            return false;
        if (c == '\r' || c == '\n' || c == '\t') {
            out[o++] = ' ';
            i += c == '\r' && i + 1 < n && raw[i + 1] == '\n' ? 2 : 1;
            continue;
        }
        if (c != '&') {
            out[o++] = c;
            i++;
            continue;
        }
        const char *semi = memchr(raw + i, ';', n - i);
        if (!semi)
            return false;
        size_t rl = (size_t)(semi - raw) - i + 1; /* "&...;" */
        bool done = false;
        for (size_t k = 0; k < sizeof ents / sizeof ents[0] && !done; k++)
            if (rl == strlen(ents[k].name) + 1 && !memcmp(raw + i + 1, ents[k].name, rl - 1)) {
                out[o++] = ents[k].c;
                done = true;
            }
        if (!done) {
            if (rl < 4 || raw[i + 1] != '#')
                return false;
            bool hex = raw[i + 2] == 'x';
            unsigned long cp = 0;
            size_t d = i + (hex ? 3 : 2);
            if (d == i + rl - 1)
                return false;
            for (; d < i + rl - 1; d++) {
                char h = raw[d];
                int v = h >= '0' && h <= '9'          ? h - '0'
                        : hex && h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : hex && h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                      : -1;
                if (v < 0 || cp > 0x10ffff)
                    return false;
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
            }
            if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return false;
            put_utf8(cp, out, &o); /* never longer than the reference it replaces */
        }
        i += rl;
    }
    out[o] = '\0';
    return true;
}

vs_rc vs__creds_fs_range(const vs_conf *c, const vs__cred_acct *ac, const char *buf, size_t len,
                         size_t *off, size_t *rawlen, char *var, size_t varsize, char *err,
                         size_t errlen)
{
    const vs_conf_entry *e = ac->e;
    const char *param = ac->kind == VS_CRED_VOICEMAIL ? "vm-password" : "password";
    size_t o = e->value_off, n = e->value_len;
    var[0] = '\0';
    xml_tag t;
    bool found = o < len && n <= len - o && tag_at(buf, len, o, &t) && t.name_len == 5 &&
                 !strncasecmp(buf + t.name, "param", 5);
    bool value_ok = false, name_ok = false;
    for (size_t i = 0; found && i < t.n; i++) {
        const xml_attr *a = &t.at[i];
        if (a->name_len == 5 && !memcmp(buf + a->name, "value", 5))
            value_ok = a->val == o && a->val_len == n;
        else if (a->name_len == 4 && !memcmp(buf + a->name, "name", 4))
            name_ok = a->val_len == strlen(param) && !strncasecmp(buf + a->val, param, a->val_len);
    }
    if (!found || !value_ok || !name_ok) {
        snprintf(err, errlen,
                 "%s:%u: cannot rewrite the %s of %s:%s in place: no <param name=\"%s\" "
                 "value=\"...\"> at the place the reader found (the file changed while read, or "
                 "the tag is not written plainly)",
                 e->file, e->line, param, vs_cred_kind_id(ac->kind), ac->account, param);
        return VS_E_PARSE;
    }
    const char *raw = buf + o;
    if (memmem(raw, n, "$${", 3)) {
        /* exactly "$${NAME}", NAME a variable whose value (one of its definitions) is the secret */
        const char *close = memchr(raw, '}', n);
        size_t nl = close ? (size_t)(close - raw) - 3 : 0;
        bool plain = n > 4 && close == raw + n - 1 && nl && !memchr(raw + 3, '$', nl) &&
                     !memchr(raw + 3, '{', nl);
        bool matches = false, defined = false;
        const vs_conf_section *vars = vs_conf_find(c, "vars");
        for (size_t i = 0; plain && vars && i < vars->n_entries && !matches; i++) {
            const vs_conf_entry *v = &vars->entries[i];
            if (strlen(v->key) == nl && !memcmp(v->key, raw + 3, nl)) {
                defined = true;
                matches = !strcmp(v->value, ac->secret);
            }
        }
        if (plain && !defined && !ac->secret[0])
            matches = true; /* an undefined variable expands to nothing */
        if (!plain || !matches || nl >= varsize) {
            snprintf(err, errlen, "%s:%u: cannot rewrite the %s of %s:%s in place: %s", e->file,
                     e->line, param, vs_cred_kind_id(ac->kind), ac->account,
                     !plain ? "its value mixes a $${variable} with other text"
                            : "the variable it names no longer gives the secret read by the "
                              "reader (the file changed while read)");
            return VS_E_PARSE;
        }
        memcpy(var, raw + 3, nl);
        var[nl] = '\0';
    } else {
        char *dec = malloc(n + 1);
        if (!dec) {
            snprintf(err, errlen, "out of memory");
            return VS_E_NOMEM;
        }
        bool same = xml_decode(raw, n, dec) && !strcmp(dec, ac->secret);
        sodium_memzero(dec, n + 1);
        free(dec);
        if (!same) {
            snprintf(err, errlen,
                     "%s:%u: cannot rewrite the %s of %s:%s in place: its text is written with "
                     "references this tool does not decode, or the file changed while read",
                     e->file, e->line, param, vs_cred_kind_id(ac->kind), ac->account);
            return VS_E_PARSE;
        }
    }
    *off = o;
    *rawlen = n;
    return VS_OK;
}

/* ---- the new value ------------------------------------------------------------------------- */

/* s is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
static bool utf8_ok(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        size_t k;
        unsigned long cp, min;
        if (c < 0x80) {
            s++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1;
            cp = c & 0x1f;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2;
            cp = c & 0x0f;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        for (size_t i = 1; i <= k; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
            (cp >= 0x80 && cp <= 0x9f))
            return false;
        s += k + 1;
    }
    return true;
}

bool vs__creds_xml_writable(const char *s)
{
    size_t n = strlen(s);
    if (!n || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '$')
            return false;
    return utf8_ok((const unsigned char *)s) && !strcasestr(s, "x-pre-process");
}

vs_rc vs__creds_xml_escape(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            break;
        }
        size_t k = rep ? strlen(rep) : 1;
        if (o + k + 1 > size) {
            if (size)
                sodium_memzero(out, size);
            return VS_E_LIMIT;
        }
        if (rep)
            memcpy(out + o, rep, k);
        else
            out[o] = *s;
        o += k;
    }
    if (!size)
        return VS_E_LIMIT;
    out[o] = '\0';
    return VS_OK;
}
