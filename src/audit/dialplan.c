/* Dialplan analysis: where can a caller who lands in a context get to?
 *
 * A best-effort static reading of extensions.conf, as a person auditing it would do by hand. It is
 * not an interpreter: no expression is evaluated, no database or AGI is consulted, and a variable
 * stays unknown unless [globals] sets it. What it follows:
 *   - every extension of the context (a caller picks the number): `exten => pattern,prio,App(args)`
 *     and `same => prio,App(args)` lines, with `hint` priorities skipped;
 *   - `include => other[,timespec]`, recursively (bounded: 512 contexts visited, depth 32; each
 *     (context, number) pair once, so include and Goto cycles end);
 *   - Goto/GotoIf/GotoIfTime/Gosub/GosubIf/Macro/MacroExclusive, Dial(Local/x@ctx) and
 *     Originate(..., exten, ctx, x) when the target context is written literally; when the target
 *     extension is literal only the extensions matching it are followed there;
 *   - Dial/Originate/Page legs (`&`-separated), with ${VAR} from [globals] substituted once.
 * A leg dials out ("trunk-looking") when it names a destination beyond a local device:
 * PJSIP/num@endpoint, PJSIP/endpoint/sip:..., SIP/peer/num, SIP/num@peer, IAX2/peer/num,
 * IAX2/user@host, DAHDI/g0/num (any DAHDI/Zap leg with a number), another technology with '@' or
 * a second '/', and a technology left in an unknown variable followed by a number (FreePBX's
 * ${OUT_1}/${EXTEN}); `switch => IAX2/...` also counts. PJSIP/${EXTEN} or SIP/1001 is a local
 * device.
 * The number a trunk leg sends is judged by the pattern of the extension that dials it (or, for
 * `s`/`i`/`t` and other named extensions, the pattern of the extension that jumped there):
 * international when that pattern can match a number starting 00 or +, or an open-ended one
 * starting 011, 9011, 900 or 9+, or one that writes 011/9011 out (so _X., _., _!, _0., _011X.
 * and _00XXXXXXXXXX qualify; _NXXNXXXXXX, _1NXXNXXXXXX and the European national
 * _0[1-9]XXXXXXXX do not), or when the leg writes such a prefix itself
 * (PJSIP/00${EXTEN}@trunk). A fixed number (Dial(PJSIP/0044...@trunk)) is a fixed call,
 * not a route. Unfiltered: ${EXTEN} (or ${EXTEN:n}), or a Gosub/Macro argument carrying it, used
 * outside FILTER() in Dial/Queue/Originate/Page/System/TrySystem or SHELL(), from a pattern with
 * '.' or '!' (which match any character, '&' and ',' included). */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/check.h"

#define DP_MAX_ITEMS 512
#define DP_MAX_DEPTH 32
#define DP_NAME 96
#define DP_ARGS 2048

/* Visits every step of the dialplan reachable from context (or, with context NULL, every step of
 * every context without following anything). pattern: the extension's own pattern ("_X.", "s",
 * "1001"; NULL for include/switch lines); number: the pattern that decides which numbers reach
 * this step (own pattern, or the caller's for named extensions); carried_unfiltered: ${ARGn} and
 * ${MACRO_EXTEN} hold an unfiltered broad number here. app: "Dial", "include", "switch" ...;
 * args: its arguments with [globals] substituted. Declared by its users (checks_ast_dialplan.c). */
typedef void (*vs__dialplan_step_fn)(void *ctx, const vs_conf_entry *e, const char *context,
                                     const char *pattern, const char *number,
                                     bool carried_unfiltered, const char *app, const char *args);
void vs__dialplan_walk(const vs_conf *ext, const char *context, vs__dialplan_step_fn fn, void *ctx);
bool vs__dialplan_pattern_broad(const char *pattern);
bool vs__dialplan_pattern_international(const char *pattern);
bool vs__dialplan_unfiltered(const char *text, const char *var);
int vs__dialplan_leg_trunk(const char *leg, const char **number);

/* ---- Patterns --------------------------------------------------------------------------- */

/* One element of a pattern at p: sets *set (256 flags) and returns the length consumed; 0 at the
 * end. '.' and '!' are reported through *wild (1 = one or more, 2 = zero or more). */
static size_t pat_elem(const char *p, bool set[256], int *wild)
{
    *wild = 0;
    if (!*p)
        return 0;
    memset(set, 0, 256);
    char ch = (char)toupper((unsigned char)*p);
    if (ch == 'X' || ch == 'Z' || ch == 'N') {
        for (int d = ch == 'X' ? '0' : ch == 'Z' ? '1' : '2'; d <= '9'; d++)
            set[d] = true;
        return 1;
    }
    if (ch == '.' || ch == '!') {
        *wild = ch == '.' ? 1 : 2;
        memset(set, 1, 256);
        return 1;
    }
    if (ch == '[') {
        const char *q = p + 1;
        while (*q && *q != ']') {
            if (q[1] == '-' && q[2] && q[2] != ']') {
                for (int c = (unsigned char)q[0]; c <= (unsigned char)q[2]; c++)
                    set[c] = true;
                q += 3;
            } else {
                set[(unsigned char)*q] = true;
                q++;
            }
        }
        return (size_t)(q - p) + (*q == ']');
    }
    set[(unsigned char)*p] = true;
    set[(unsigned char)tolower((unsigned char)*p)] = true;
    set[(unsigned char)toupper((unsigned char)*p)] = true;
    return 1;
}

static size_t skip_dashes(const char *p)
{
    size_t k = 0;
    while (p[k] == '-')
        k++;
    return k;
}

/* Does pattern (with its leading '_') match the whole of s? Literal extensions compare as text. */
static bool pat_match(const char *pattern, const char *s)
{
    if (pattern[0] != '_')
        return strcasecmp(pattern, s) == 0;
    const char *p = pattern + 1;
    bool set[256];
    int wild;
    for (;;) {
        p += skip_dashes(p);
        size_t n = pat_elem(p, set, &wild);
        if (n == 0)
            return *s == '\0';
        if (wild)
            return wild == 2 || *s != '\0';
        if (!*s || !set[(unsigned char)*s])
            return false;
        p += n;
        s++;
    }
}

/* Can pattern match a number of at least strlen(prefix)+4 characters that starts with prefix?
 * need_wild: only when a '.' or '!' follows (an open-ended number). */
static bool pat_can_start(const char *pattern, const char *prefix, bool need_wild)
{
    if (pattern[0] != '_')
        return false;
    const char *p = pattern + 1;
    bool set[256];
    int wild;
    for (const char *q = prefix; *q; q++) {
        p += skip_dashes(p);
        size_t n = pat_elem(p, set, &wild);
        if (n == 0)
            return false;
        if (wild)
            return true;
        if (!set[(unsigned char)*q])
            return false;
        p += n;
    }
    unsigned more = 0;
    for (;;) {
        p += skip_dashes(p);
        size_t n = pat_elem(p, set, &wild);
        if (n == 0)
            return !need_wild && more >= 4;
        if (wild)
            return true;
        more++;
        p += n;
    }
}

/* A pattern with '.' or '!' outside a character class: it accepts any character, '&' included. */
bool vs__dialplan_pattern_broad(const char *pattern)
{
    if (!pattern || pattern[0] != '_')
        return false;
    bool set[256];
    int wild;
    const char *p = pattern + 1;
    for (;;) {
        p += skip_dashes(p);
        size_t n = pat_elem(p, set, &wild);
        if (n == 0)
            return false;
        if (wild)
            return true;
        p += n;
    }
}

/* Can the pattern match an international number: 00 or + (followed by at least four digits), or
 * an open-ended 011, 9011, 900 or 9+ (011 and 9011 also when written out: _011XXXXXXXXX)? 011 is
 * North America's international prefix but a national one elsewhere (UK 0114...), so a closed
 * pattern that only happens to accept it (_0[1-9]XXXXXXXX) does not count, nor _900NXXXXXX (a
 * North American premium-rate number). */
bool vs__dialplan_pattern_international(const char *pattern)
{
    static const char *const fixed[] = {"00", "+"};
    static const char *const open[] = {"011", "9011", "900", "9+"};
    static const char *const written[] = {"_011", "_9011"};
    if (!pattern)
        return false;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (pat_can_start(pattern, fixed[i], false))
            return true;
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (pat_can_start(pattern, open[i], true))
            return true;
    for (size_t i = 0; i < sizeof written / sizeof written[0]; i++)
        if (!strncmp(pattern, written[i], strlen(written[i])) &&
            pat_can_start(pattern, written[i] + 1, false))
            return true;
    return false;
}

/* ---- Text helpers ------------------------------------------------------------------------ */

/* Is ${var (as "${EXTEN" or "${CALLERID") used in text outside any FILTER(...)? var is the
 * text right after "${" (e.g. "EXTEN", "CALLERID"). */
bool vs__dialplan_unfiltered(const char *text, const char *var)
{
    if (!text)
        return false;
    size_t vl = strlen(var);
    int depth = 0, filter_depth = -1;
    for (const char *p = text; *p; p++) {
        if (*p == '(') {
            if (p >= text + 6 && strncasecmp(p - 6, "FILTER", 6) == 0 && filter_depth < 0)
                filter_depth = depth;
            depth++;
        } else if (*p == ')') {
            if (depth > 0)
                depth--;
            if (filter_depth >= 0 && depth <= filter_depth)
                filter_depth = -1;
        } else if (p[0] == '$' && p[1] == '{' && strncasecmp(p + 2, var, vl) == 0) {
            char next = p[2 + vl];
            /* ${EXTEN} ${EXTEN:1}, not ${EXTENSION_STATE(...)}; ${CALLERID(num)} ${CALLERIDNUM} */
            bool word = strcasecmp(var, "EXTEN") == 0 ? (next == '}' || next == ':') : true;
            if (word && filter_depth < 0)
                return true;
        }
    }
    return false;
}

/* Splits s at top-level occurrences of sep (outside (), {}, [] and quotes), in place. Returns the
 * number of parts (at most cap); parts[] point into s. */
static size_t split_top(char *s, char sep, char **parts, size_t cap)
{
    size_t n = 0;
    int depth = 0;
    bool quote = false;
    if (cap == 0)
        return 0;
    parts[n++] = s;
    for (char *p = s; *p; p++) {
        if (*p == '"')
            quote = !quote;
        else if (quote)
            continue;
        else if (*p == '(' || *p == '{' || *p == '[')
            depth++;
        else if ((*p == ')' || *p == '}' || *p == ']') && depth > 0)
            depth--;
        else if (*p == sep && depth == 0 && n < cap) {
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    return n;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static void copy(char *dst, size_t size, const char *src, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool has_var(const char *s)
{
    return strchr(s, '$') != NULL;
}

/* Literal prefix of a number part (up to the first '$') starts an international number? */
static bool literal_intl_prefix(const char *num)
{
    if (!has_var(num))
        return false;
    if (num[0] == '+')
        return true;
    return strncmp(num, "00", 2) == 0 || strncmp(num, "011", 3) == 0;
}

/* ---- Dial legs --------------------------------------------------------------------------- */

enum { LEG_LOCAL = 0, LEG_TRUNK = 1, LEG_LOCALCHAN = 2 };

/* Classifies one dial leg "TECH/rest". *number points at the number part of a trunk leg (inside
 * leg; may be ""), or, for Local/x@ctx, at x. */
int vs__dialplan_leg_trunk(const char *leg, const char **number)
{
    static const char empty[] = "";
    *number = empty;
    while (isspace((unsigned char)*leg))
        leg++;
    const char *slash = strchr(leg, '/');
    if (leg[0] == '$' && leg[1] == '{') {
        /* technology in a variable: ${OUT_1}/${EXTEN} dials a number through whatever it names */
        const char *close = strchr(leg, '}');
        if (close && close[1] == '/' && close[2]) {
            *number = close + 2;
            return LEG_TRUNK;
        }
        return LEG_LOCAL;
    }
    if (!slash)
        return LEG_LOCAL;
    size_t tl = (size_t)(slash - leg);
    const char *rest = slash + 1;
    const char *at = strchr(rest, '@');
    const char *slash2 = strchr(rest, '/');
    if (tl == 5 && strncasecmp(leg, "Local", 5) == 0) {
        *number = rest;
        return LEG_LOCALCHAN;
    }
    bool dahdi = (tl == 5 && strncasecmp(leg, "DAHDI", 5) == 0) ||
                 (tl == 3 && strncasecmp(leg, "Zap", 3) == 0);
    if (dahdi) {
        if (slash2) {
            *number = slash2 + 1;
            return LEG_TRUNK;
        }
        return LEG_LOCAL;
    }
    if (slash2) {
        const char *sip = strstr(slash2 + 1, "sip:");
        if (!sip)
            sip = strstr(slash2 + 1, "sips:");
        *number = sip ? strchr(sip, ':') + 1 : slash2 + 1;
        return LEG_TRUNK;
    }
    if (at) {
        *number = rest; /* number@endpoint: the caller trims at '@' */
        return LEG_TRUNK;
    }
    return LEG_LOCAL;
}

/* ---- The walk ---------------------------------------------------------------------------- */

typedef struct dp_item {
    char ctx[DP_NAME];
    char filter[DP_NAME];  /* "" = every extension */
    char carried[DP_NAME]; /* the caller's number pattern, "" when none */
    bool carried_unfiltered;
    unsigned depth;
} dp_item;

typedef struct dp_walk {
    const vs_conf *ext;
    const vs_conf_section *globals;
    vs__dialplan_step_fn fn;
    void *ctx;
    dp_item *items;
    size_t n;
    bool follow;
} dp_walk;

static void push(dp_walk *w, const char *ctx, size_t ctxlen, const char *filter,
                 const char *carried, bool carried_unfiltered, unsigned depth)
{
    if (!w->follow || depth > DP_MAX_DEPTH || ctxlen == 0 || ctxlen >= DP_NAME)
        return;
    char name[DP_NAME];
    copy(name, sizeof name, ctx, ctxlen);
    if (has_var(name))
        return;
    const char *flt = filter && !has_var(filter) ? filter : "";
    for (size_t i = 0; i < w->n; i++) {
        dp_item *it = &w->items[i];
        if (strcasecmp(it->ctx, name) == 0 && (it->filter[0] == '\0' || !strcmp(it->filter, flt)) &&
            (it->carried_unfiltered || !carried_unfiltered) &&
            !strcmp(it->carried, carried ? carried : ""))
            return;
    }
    if (w->n >= DP_MAX_ITEMS)
        return;
    dp_item *it = &w->items[w->n++];
    snprintf(it->ctx, sizeof it->ctx, "%s", name);
    snprintf(it->filter, sizeof it->filter, "%s", flt);
    snprintf(it->carried, sizeof it->carried, "%s", carried ? carried : "");
    it->carried_unfiltered = carried_unfiltered;
    it->depth = depth;
}

/* One substitution pass of ${VAR} from [globals] (special variables are left alone). */
static void expand_globals(const dp_walk *w, const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < size;) {
        if (w->globals && p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            size_t vl = close ? (size_t)(close - p - 2) : 0;
            if (close && vl > 0 && vl < 64 && strcspn(p + 2, ":(}") == vl) {
                char var[64];
                copy(var, sizeof var, p + 2, vl);
                const char *val = vs_conf_value(w->ext, w->globals, var);
                if (val) {
                    for (const char *v = val; *v && o + 1 < size; v++)
                        out[o++] = *v;
                    p = close + 1;
                    continue;
                }
            }
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

/* The app name and arguments of "App(args)" (or the old "App,args"). */
static bool parse_app(const char *text, char *app, size_t appsz, char *args, size_t argsz)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t n = 0;
    while (isalnum((unsigned char)text[n]) || text[n] == '_')
        n++;
    if (n == 0)
        return false;
    copy(app, appsz, text, n);
    const char *p = text + n;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '(') {
        p++;
        const char *end = strrchr(p, ')');
        copy(args, argsz, p, end ? (size_t)(end - p) : strlen(p));
    } else if (*p == ',') {
        copy(args, argsz, p + 1, strlen(p + 1));
    } else {
        args[0] = '\0';
    }
    return true;
}

static bool app_is(const char *app, const char *name)
{
    return strcasecmp(app, name) == 0;
}

/* Does a step with this own pattern, number pattern and carried flag pass an unfiltered broad
 * number into args: ${EXTEN} from a broad own pattern, ${ARGn} carrying one, or ${MACRO_EXTEN}
 * from a broad caller? */
static bool unfiltered_step(const char *own, const char *number, bool carried_unfiltered,
                            const char *args)
{
    return (vs__dialplan_pattern_broad(own) && vs__dialplan_unfiltered(args, "EXTEN")) ||
           (carried_unfiltered && vs__dialplan_unfiltered(args, "ARG")) ||
           (vs__dialplan_pattern_broad(number) && vs__dialplan_unfiltered(args, "MACRO_EXTEN"));
}

/* Follows a Goto-style label "[[context,]exten,]priority" from the current context. */
static void follow_label(dp_walk *w, char *label, const dp_item *cur, const char *own,
                         const char *number, bool unf_here, unsigned depth)
{
    char *parts[4];
    size_t n = split_top(label, ',', parts, 4);
    if (n < 2)
        return;
    const char *ctx = n >= 3 ? trim(parts[0]) : cur->ctx;
    const char *ex = trim(parts[n >= 3 ? 1 : 0]);
    (void)own;
    push(w, ctx, strlen(ctx), ex, number, unf_here, depth);
}

static void follow_app(dp_walk *w, const dp_item *cur, const char *app, const char *args,
                       const char *own, const char *number, bool unf_number, unsigned depth)
{
    char buf[DP_ARGS];
    snprintf(buf, sizeof buf, "%s", args);
    /* does the jump hand an unfiltered broad number on (as ${ARGn})? */
    bool unf = unfiltered_step(own, number, unf_number, args);
    if (app_is(app, "Goto") || app_is(app, "Gosub")) {
        follow_label(w, buf, cur, own, number, unf, depth);
    } else if (app_is(app, "GotoIf") || app_is(app, "GosubIf") || app_is(app, "GotoIfTime")) {
        char *q = strchr(buf, '?');
        if (!q)
            return;
        char *labels[2];
        size_t n = split_top(q + 1, ':', labels, 2);
        for (size_t i = 0; i < n; i++)
            follow_label(w, labels[i], cur, own, number, unf, depth);
    } else if (app_is(app, "Macro") || app_is(app, "MacroExclusive")) {
        char *parts[2];
        split_top(buf, ',', parts, 2);
        char name[DP_NAME];
        snprintf(name, sizeof name, "macro-%s", trim(parts[0]));
        /* ${MACRO_EXTEN} is the caller's number in a macro: judged by the carried pattern */
        push(w, name, strlen(name), "s", number, unf, depth);
    } else if (app_is(app, "Dial") || app_is(app, "Originate") || app_is(app, "Page")) {
        char *parts[6];
        size_t n = split_top(buf, ',', parts, 6);
        char *legs[32];
        size_t nl = split_top(parts[0], '&', legs, 32);
        for (size_t i = 0; i < nl; i++) {
            const char *num;
            if (vs__dialplan_leg_trunk(legs[i], &num) != LEG_LOCALCHAN)
                continue;
            const char *at = strchr(num, '@');
            if (!at)
                continue;
            char ex[DP_NAME];
            copy(ex, sizeof ex, num, (size_t)(at - num));
            const char *c = at + 1;
            size_t cl = strcspn(c, "/");
            push(w, c, cl, ex, number, unf, depth);
        }
        /* Originate(chan,exten,context,exten,priority) */
        if (app_is(app, "Originate") && n >= 4 && strcasecmp(trim(parts[1]), "exten") == 0) {
            const char *c = trim(parts[2]);
            push(w, c, strlen(c), trim(parts[3]), number, unf, depth);
        }
    }
}

/* Splits an exten line "pattern,priority,app" (or same "priority,app"). */
static bool split_step(const char *value, bool same, char *pattern, size_t psz, char *prio,
                       size_t prsz, const char **app)
{
    const char *p = value;
    if (!same) {
        size_t n = strcspn(p, ",");
        if (!p[n])
            return false;
        /* "_X./_1234" matches the caller id too: keep the number part */
        size_t cid = strcspn(p, "/");
        copy(pattern, psz, p, cid < n ? cid : n);
        char *t = trim(pattern);
        memmove(pattern, t, strlen(t) + 1);
        p += n + 1;
    }
    size_t n = strcspn(p, ",");
    copy(prio, prsz, p, n);
    char *t = trim(prio);
    memmove(prio, t, strlen(t) + 1);
    *app = p[n] ? p + n + 1 : p + n;
    return true;
}

static bool is_named_exten(const char *pattern)
{
    /* s, i, t, h, a, o, e, fax, talk ... : not a number a caller dialled */
    if (pattern[0] == '_')
        return false;
    for (const char *p = pattern; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '+' && *p != '*' && *p != '#')
            return true;
    return pattern[0] == '\0';
}

static void walk_section(dp_walk *w, const vs_conf_section *s, const dp_item *cur)
{
    size_t n = vs_conf_resolve(w->ext, s, NULL, 0);
    if (n == 0)
        return;
    const vs_conf_entry **es = malloc(n * sizeof *es);
    if (!es)
        return;
    n = vs_conf_resolve(w->ext, s, es, n);
    char pattern[DP_NAME] = "", prio[32], app[64];
    char *raw = malloc(DP_ARGS), *args = malloc(DP_ARGS);
    if (!raw || !args)
        goto done;
    bool matches = false;
    for (size_t i = 0; i < n; i++) {
        const vs_conf_entry *e = es[i];
        const char *key = e->key;
        const char *value = e->value ? e->value : "";
        if (e->op == VS_CONF_OP_DIRECTIVE || e->op == VS_CONF_OP_CALL)
            continue;
        if (!strcasecmp(key, "include")) {
            size_t cl = strcspn(value, ",|");
            char name[DP_NAME];
            copy(name, sizeof name, value, cl);
            char *t = trim(name);
            if (w->fn)
                w->fn(w->ctx, e, cur->ctx, NULL, NULL, false, "include", t);
            push(w, t, strlen(t), cur->filter, cur->carried, cur->carried_unfiltered,
                 cur->depth + 1);
            continue;
        }
        if (!strcasecmp(key, "switch") || !strcasecmp(key, "eswitch") ||
            !strcasecmp(key, "lswitch")) {
            expand_globals(w, value, args, DP_ARGS);
            if (w->fn)
                w->fn(w->ctx, e, cur->ctx, NULL, NULL, false, "switch", args);
            continue;
        }
        bool same = !strcasecmp(key, "same");
        if (!same && strcasecmp(key, "exten"))
            continue;
        const char *apptext;
        char pat[DP_NAME];
        if (!split_step(value, same, pat, sizeof pat, prio, sizeof prio, &apptext))
            continue;
        if (!same) {
            snprintf(pattern, sizeof pattern, "%s", pat);
            matches = cur->filter[0] == '\0' || pat_match(pattern, cur->filter);
        } else if (pattern[0] == '\0') {
            continue;
        }
        if (!matches || !strcasecmp(prio, "hint"))
            continue;
        if (!parse_app(apptext, app, sizeof app, raw, DP_ARGS))
            continue;
        expand_globals(w, raw, args, DP_ARGS);
        /* the number that decides what this step can do */
        const char *number = pattern;
        bool unf = false;
        if (is_named_exten(pattern) && cur->carried[0]) {
            number = cur->carried;
            unf = cur->carried_unfiltered;
        }
        if (w->fn)
            w->fn(w->ctx, e, cur->ctx, pattern, number, unf, app, args);
        follow_app(w, cur, app, args, pattern, number, unf, cur->depth + 1);
    }
done:
    free(raw);
    free(args);
    free(es);
}

void vs__dialplan_walk(const vs_conf *ext, const char *context, vs__dialplan_step_fn fn, void *ctx)
{
    if (!ext)
        return;
    dp_walk w = {.ext = ext, .fn = fn, .ctx = ctx, .follow = context != NULL};
    w.globals = vs_conf_find(ext, "globals");
    if (!context) {
        dp_item all = {.depth = 0};
        for (size_t i = 0; i < vs_conf_section_count(ext); i++) {
            const vs_conf_section *s = vs_conf_section_at(ext, i);
            if (s->is_template || !s->name[0] || !strcasecmp(s->name, "general") ||
                !strcasecmp(s->name, "globals"))
                continue;
            snprintf(all.ctx, sizeof all.ctx, "%s", s->name);
            walk_section(&w, s, &all);
        }
        return;
    }
    w.items = calloc(DP_MAX_ITEMS, sizeof *w.items);
    if (!w.items)
        return;
    push(&w, context, strlen(context), NULL, NULL, false, 0);
    for (size_t k = 0; k < w.n; k++) {
        dp_item cur = w.items[k]; /* copied: push() may not move the array, but stay safe */
        size_t iter = 0;
        const vs_conf_section *s;
        while ((s = vs_conf_find_next(ext, cur.ctx, &iter)) != NULL)
            if (!s->is_template)
                walk_section(&w, s, &cur);
    }
    free(w.items);
}

/* ---- vs__dialplan_reach ------------------------------------------------------------------ */

typedef struct reach_acc {
    const vs_conf_entry *intl, *out, *unf;
} reach_acc;

static void reach_step(void *ctx, const vs_conf_entry *e, const char *context, const char *pattern,
                       const char *number, bool carried_unfiltered, const char *app,
                       const char *args)
{
    reach_acc *acc = ctx;
    (void)context;
    if (!strcmp(app, "switch")) {
        if (!acc->out)
            acc->out = e;
        return;
    }
    if (!pattern)
        return;
    bool dial = app_is(app, "Dial") || app_is(app, "Originate") || app_is(app, "Page");
    bool runs = app_is(app, "System") || app_is(app, "TrySystem") || app_is(app, "Queue") ||
                strcasestr(args, "SHELL(") != NULL;
    if ((dial || runs) && !acc->unf && unfiltered_step(pattern, number, carried_unfiltered, args))
        acc->unf = e;
    if (!dial)
        return;
    char buf[DP_ARGS];
    snprintf(buf, sizeof buf, "%s", args);
    char *parts[2];
    split_top(buf, ',', parts, 2);
    char *legs[32];
    size_t nl = split_top(parts[0], '&', legs, 32);
    for (size_t i = 0; i < nl; i++) {
        const char *num;
        if (vs__dialplan_leg_trunk(legs[i], &num) != LEG_TRUNK)
            continue;
        if (!acc->out)
            acc->out = e;
        char nb[DP_NAME];
        copy(nb, sizeof nb, num, strcspn(num, "@"));
        bool intl =
            literal_intl_prefix(nb) || (has_var(nb) && vs__dialplan_pattern_international(number));
        if (intl && !acc->intl)
            acc->intl = e;
    }
}

void vs__dialplan_reach(const vs_conf *ext, const char *context, vs__dial_reach *out)
{
    memset(out, 0, sizeof *out);
    if (!ext || !context)
        return;
    reach_acc acc = {0};
    vs__dialplan_walk(ext, context, reach_step, &acc);
    out->international = acc.intl != NULL;
    out->outbound = acc.out != NULL;
    out->unfiltered = acc.unf != NULL;
    out->where = acc.intl ? acc.intl : acc.out ? acc.out : acc.unf;
}
