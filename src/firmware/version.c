/* Version numbers as vendors write them, compared and tested against catalogue ranges.
 *
 * A version is cut into tokens: runs of digits (numbers, compared by value however long) and runs
 * of letters (words); every other byte ('.', '-', '_', '(', ')', ...) only separates. So
 * "11-3-7SR1" and "11.3.7.SR.1" are the same version, and "7.6.2c" is 7 6 2 "c". Tokens compare
 * left to right: number with number by value, word with word by pre-release rank (dev < alpha <
 * beta < rc) and otherwise alphabetically ("c" > "b"), a number after a word. When one version
 * runs out, the other's extra zeros do not count ("1.10" == "1.10.0"); its next token decides
 * otherwise: a pre-release word makes it older ("1.0-rc1" < "1.0"), a number or any other word
 * makes it newer ("7.6.2c" > "7.6.2", "11-3-7SR1" > "11-3-7"). Build metadata after a space, '~'
 * or '+' is ignored, and so are the words "release", "final", "stable", "ga" and "notls".
 *
 * Vendor quirks, kept in one table below: FreeSWITCH counts only its leading digits and dots
 * ("1.10.7-release~64bit" is 1.10.7); Cisco ignores an "MPP" build marker and what follows it;
 * Asterisk drops a "certified/" prefix and keeps certified releases ("18.9-cert11") in their own
 * train "cert". Text that does not start with a digit (after an optional "v" or "r") is not a
 * version: it sorts before every version and is inside no range.
 *
 * Everything here works on the caller's strings and the stack: no allocation, no state, safe from
 * any thread. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "firmware/firmware_internal.h"

typedef enum scheme {
    SCHEME_GENERIC,
    SCHEME_CISCO,
    SCHEME_ASTERISK,
    SCHEME_FREESWITCH,
} scheme;

static const struct alias {
    const char *alias;
    const char *canon;
} aliases[] = {
    {"Polycom", "Poly"},
    {"Aastra", "Mitel"},
    {"Linksys", "Cisco"},
    {"OpenSER", "Kamailio"},
};

static const struct vendor_scheme {
    const char *vendor; /* canonical name */
    scheme s;
} schemes[] = {
    {"Cisco", SCHEME_CISCO},
    {"Asterisk", SCHEME_ASTERISK},
    {"FreeSWITCH", SCHEME_FREESWITCH},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *vs__vendor_canon(const char *name)
{
    if (!name)
        return "";
    for (size_t i = 0; i < ARRAY_LEN(aliases); i++)
        if (strcasecmp(name, aliases[i].alias) == 0)
            return aliases[i].canon;
    return name;
}

bool vs__vendor_is_alias(const char *name)
{
    return name && vs__vendor_canon(name) != name;
}

bool vs__vendor_same(const char *a, const char *b)
{
    return strcasecmp(vs__vendor_canon(a), vs__vendor_canon(b)) == 0;
}

static scheme scheme_of(const char *vendor)
{
    const char *canon = vs__vendor_canon(vendor);
    for (size_t i = 0; i < ARRAY_LEN(schemes); i++)
        if (strcasecmp(canon, schemes[i].vendor) == 0)
            return schemes[i].s;
    return SCHEME_GENERIC;
}

/* ---- tokens ---------------------------------------------------------------------------------- */

enum { TOK_NUM, TOK_WORD };
#define MAX_TOKENS 32 /* later parts of absurdly long versions are not compared */

typedef struct vtok {
    unsigned char kind;
    unsigned char pre; /* words: pre-release rank, 0 for other words */
    const char *p;
    size_t n;
} vtok;

typedef struct vparsed {
    bool valid;
    size_t n;
    vtok t[MAX_TOKENS];
} vparsed;

static bool word_is(const vtok *t, const char *w)
{
    return t->kind == TOK_WORD && strlen(w) == t->n && strncasecmp(t->p, w, t->n) == 0;
}

static unsigned char prerelease_rank(const vtok *t)
{
    static const struct {
        const char *word;
        unsigned char rank;
    } pre[] = {{"dev", 1}, {"snapshot", 1}, {"alpha", 2}, {"beta", 3}, {"pre", 4}, {"rc", 4}};
    for (size_t i = 0; i < ARRAY_LEN(pre); i++)
        if (word_is(t, pre[i].word))
            return pre[i].rank;
    return 0;
}

static bool ignorable(const vtok *t)
{
    static const char *const words[] = {"release", "final", "stable", "ga", "notls"};
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
        if (word_is(t, words[i]))
            return true;
    return false;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return isalpha((unsigned char)c) != 0;
}

static bool ends_version(char c)
{
    return c == '\0' || c == ' ' || c == '\t' || c == '~' || c == '+' || c == '\r' || c == '\n';
}

static void parse(scheme s, const char *text, vparsed *out)
{
    const char *p = text ? text : "";
    out->valid = false;
    out->n = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (s == SCHEME_ASTERISK && strncasecmp(p, "certified", 9) == 0 && (p[9] == '/' || p[9] == '-'))
        p += 10;
    if ((*p == 'v' || *p == 'V' || *p == 'r' || *p == 'R') && is_digit(p[1]))
        p++;
    if (!is_digit(*p))
        return;
    out->valid = true;

    const char *end = p;
    if (s == SCHEME_FREESWITCH) {
        while (is_digit(*end) || *end == '.')
            end++;
    } else {
        while (!ends_version(*end))
            end++;
    }

    const char *q = p;
    while (q < end && out->n < MAX_TOKENS) {
        vtok t = {0};
        if (is_digit(*q)) {
            t.kind = TOK_NUM;
            t.p = q;
            while (q < end && is_digit(*q))
                q++;
        } else if (is_alpha(*q)) {
            t.kind = TOK_WORD;
            t.p = q;
            while (q < end && is_alpha(*q))
                q++;
        } else {
            q++;
            continue;
        }
        t.n = (size_t)(q - t.p);
        if (t.kind == TOK_WORD) {
            if (s == SCHEME_CISCO && word_is(&t, "MPP"))
                break;
            if (ignorable(&t))
                continue;
            t.pre = prerelease_rank(&t);
        }
        out->t[out->n++] = t;
    }
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

static int num_cmp(const vtok *a, const vtok *b)
{
    const char *pa = a->p, *pb = b->p;
    size_t na = a->n, nb = b->n;
    while (na > 1 && *pa == '0')
        pa++, na--;
    while (nb > 1 && *pb == '0')
        pb++, nb--;
    if (na != nb)
        return na < nb ? -1 : 1;
    return sign(memcmp(pa, pb, na));
}

static bool num_is_zero(const vtok *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->p[i] != '0')
            return false;
    return true;
}

static int word_cmp(const vtok *a, const vtok *b)
{
    if (a->pre || b->pre) {
        if (a->pre && b->pre)
            return sign((int)a->pre - (int)b->pre);
        return a->pre ? -1 : 1; /* pre-release before any other word */
    }
    size_t n = a->n < b->n ? a->n : b->n;
    int c = strncasecmp(a->p, b->p, n);
    if (c)
        return sign(c);
    return a->n == b->n ? 0 : (a->n < b->n ? -1 : 1);
}

static int tok_cmp(const vtok *a, const vtok *b)
{
    if (a->kind == TOK_NUM && b->kind == TOK_NUM)
        return num_cmp(a, b);
    if (a->kind == TOK_WORD && b->kind == TOK_WORD)
        return word_cmp(a, b);
    return a->kind == TOK_NUM ? 1 : -1; /* a number sorts after a word */
}

static int parsed_cmp(const vparsed *a, const vparsed *b)
{
    size_t i = 0;
    for (; i < a->n && i < b->n; i++) {
        int c = tok_cmp(&a->t[i], &b->t[i]);
        if (c)
            return c;
    }
    if (a->n == b->n)
        return 0;
    const vparsed *longer = a->n > b->n ? a : b;
    int longer_sign = longer == a ? 1 : -1;
    while (i < longer->n && longer->t[i].kind == TOK_NUM && num_is_zero(&longer->t[i]))
        i++;
    if (i == longer->n)
        return 0;
    if (longer->t[i].kind == TOK_WORD && longer->t[i].pre)
        return -longer_sign;
    return longer_sign;
}

static void train_of(scheme s, const vparsed *v, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    buf[0] = '\0';
    if (s != SCHEME_ASTERISK || !v->valid)
        return;
    for (size_t i = 0; i + 1 < v->n; i++)
        if (word_is(&v->t[i], "cert") && v->t[i + 1].kind == TOK_NUM) {
            snprintf(buf, size, "cert");
            return;
        }
}

/* ---- public: comparison and trains --------------------------------------------------------- */

int vs_version_cmp(const char *vendor, const char *a, const char *b)
{
    scheme s = scheme_of(vendor);
    vparsed pa, pb;
    parse(s, a, &pa);
    parse(s, b, &pb);
    if (!pa.valid || !pb.valid) {
        if (pa.valid != pb.valid)
            return pa.valid ? 1 : -1;
        return sign(strcmp(a ? a : "", b ? b : ""));
    }
    return parsed_cmp(&pa, &pb);
}

void vs_version_train(const char *vendor, const char *version, char *buf, size_t size)
{
    scheme s = scheme_of(vendor);
    vparsed v;
    parse(s, version, &v);
    train_of(s, &v, buf, size);
}

bool vs__version_valid(const char *vendor, const char *text)
{
    vparsed v;
    parse(scheme_of(vendor), text, &v);
    return v.valid;
}

/* ---- ranges ---------------------------------------------------------------------------------- */

#define TRAIN_MAX 16
/* What a bound may be written with ("18.9-cert11", "1.4.1(SR5)", "certified/18.9-cert2"). */
#define BOUND_CHARS "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-()/~+"

typedef struct range_ctx {
    scheme s;
    const vparsed *ver; /* the version tested (valid or not) */
    const char *ver_train;
    char *why;
    size_t whylen;
} range_ctx;

__attribute__((format(printf, 2, 3))) static int fail(range_ctx *rc, const char *fmt, ...)
{
    if (rc->why && rc->whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rc->why, rc->whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool valid_train_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= TRAIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]))
            return false;
    return true;
}

/* Does a comparison result c (version against bound) satisfy operator op? */
static bool holds(int op, int c)
{
    switch (op) {
    case -2:
        return c < 0;
    case -1:
        return c <= 0;
    case 0:
        return c == 0;
    case 1:
        return c >= 0;
    default:
        return c > 0;
    }
}

/* One interval, words separated by blanks (modified in place). -1 malformed, 0 outside, 1 in. */
static int interval_eval(range_ctx *rc, char *iv)
{
    char train[TRAIN_MAX] = "";
    bool star = false, constraint = false, inside = true;
    size_t nwords = 0;
    char *p = iv;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';

        if (nwords++ == 0 && strncmp(w, "train:", 6) == 0) {
            if (!valid_train_name(w + 6))
                return fail(rc, "bad train name in '%.40s' (letters and digits, 1 to 15)", w);
            snprintf(train, sizeof train, "%s", w + 6);
            continue;
        }
        if (strcmp(w, "*") == 0) {
            if (star || constraint)
                return fail(rc, "'*' must stand alone in its interval (near '%.40s')", w);
            star = true;
            continue;
        }
        if (star)
            return fail(rc, "'*' must stand alone in its interval (near '%.40s')", w);
        if (strncmp(w, "train:", 6) == 0)
            return fail(rc, "'%.40s' must come first in its interval", w);

        int op; /* -2 <, -1 <=, 0 =, 1 >=, 2 > */
        const char *v;
        if (w[0] == '<' && w[1] == '=')
            op = -1, v = w + 2;
        else if (w[0] == '>' && w[1] == '=')
            op = 1, v = w + 2;
        else if (w[0] == '<')
            op = -2, v = w + 1;
        else if (w[0] == '>')
            op = 2, v = w + 1;
        else if (w[0] == '=')
            op = 0, v = w + 1;
        else
            return fail(rc, "'%.40s' is not a constraint (<V, <=V, >V, >=V, =V or *)", w);
        if (!*v)
            return fail(rc, "'%.40s' has no version after its operator (no space allowed)", w);
        if (v[strspn(v, BOUND_CHARS)] != '\0')
            return fail(rc, "'%.40s' has a character no version uses", v);
        vparsed bound;
        parse(rc->s, v, &bound);
        if (!bound.valid)
            return fail(rc, "'%.40s' is not a version", v);
        char bound_train[TRAIN_MAX];
        train_of(rc->s, &bound, bound_train, sizeof bound_train);
        if (!train[0] && bound_train[0])
            return fail(rc,
                        "%.40s belongs to another release train: lead the interval with "
                        "train:NAME",
                        v);
        constraint = true;
        if (rc->ver->valid) {
            int c = parsed_cmp(rc->ver, &bound);
            if (!holds(op, c))
                inside = false;
        }
    }
    if (nwords == 0)
        return fail(rc, "empty interval");
    if (!constraint && !star)
        return fail(rc, "interval '%.40s' has no constraint", iv);
    if (!rc->ver->valid)
        return 0;
    if (star && !train[0])
        return 1; /* a bare "*": every version of every train */
    if (strcasecmp(train, rc->ver_train) != 0)
        return 0;
    return inside ? 1 : 0;
}

static int range_eval(const char *vendor, const char *version, const char *range, char *why,
                      size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    scheme s = scheme_of(vendor);
    vparsed ver;
    parse(s, version, &ver);
    char ver_train[TRAIN_MAX];
    train_of(s, &ver, ver_train, sizeof ver_train);
    range_ctx rc = {s, &ver, ver_train, why, whylen};

    if (!range)
        return fail(&rc, "no range");
    size_t len = strlen(range);
    if (len > VS__RANGE_MAX)
        return fail(&rc, "range longer than %d bytes", VS__RANGE_MAX);
    char buf[VS__RANGE_MAX + 1];
    memcpy(buf, range, len + 1);

    bool any = false;
    char *iv = buf;
    for (;;) {
        char *semi = strchr(iv, ';');
        if (semi)
            *semi = '\0';
        int r = interval_eval(&rc, iv);
        if (r < 0)
            return -1;
        if (r > 0)
            any = true;
        if (!semi)
            break;
        iv = semi + 1;
    }
    return any ? 1 : 0;
}

int vs_version_in_range(const char *vendor, const char *version, const char *range)
{
    int r = range_eval(vendor, version, range, NULL, 0);
    return r < 0 ? VS_E_PARSE : r;
}

bool vs__range_check(const char *vendor, const char *range, char *why, size_t whylen)
{
    return range_eval(vendor, "", range, why, whylen) >= 0;
}
