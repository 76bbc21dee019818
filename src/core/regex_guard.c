/* Limits on user-supplied regular expressions before regcomp (see regex_guard.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/regex_guard.h"

static bool fail(char *why, size_t whylen, const char *text)
{
    if (why && whylen)
        snprintf(why, whylen, "%s", text);
    return false;
}

/* Skips a bracket expression starting at p ('['); returns the position after its ']', or NULL
 * when it is not closed (regcomp reports that one itself). */
static const char *skip_bracket(const char *p)
{
    p++;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    for (; *p; p++) {
        if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
            const char *end = strstr(p + 2, p[1] == ':' ? ":]" : p[1] == '.' ? ".]" : "=]");
            if (!end)
                return NULL;
            p = end + 1;
        } else if (*p == ']') {
            return p + 1;
        }
    }
    return NULL;
}

bool vs__regex_guard(const char *pattern, char *why, size_t whylen)
{
    if (!pattern)
        return fail(why, whylen, "no pattern");
    if (strlen(pattern) > VS__REGEX_MAX_LEN)
        return fail(why, whylen, "pattern longer than 256 bytes");
    int depth = 0;
    unsigned bounds = 0;
    bool after_repeat = false; /* the previous token was a repetition operator */
    for (const char *p = pattern; *p;) {
        char c = *p;
        if (c == '*' || c == '+' || c == '?' || c == '{') {
            if (after_repeat)
                return fail(why, whylen, "a repetition operator applied to another one");
            if (c == '{') {
                const char *q = p + 1;
                char *end;
                long m = strtol(q, &end, 10);
                if (end == q)
                    return fail(why, whylen, "a {m,n} bound without a number");
                long n = m;
                if (*end == ',') {
                    const char *r = end + 1;
                    if (*r == '}')
                        return fail(why, whylen, "an open-ended {m,} bound");
                    n = strtol(r, &end, 10);
                    if (end == r)
                        return fail(why, whylen, "a {m,n} bound without a number");
                }
                if (*end != '}')
                    return fail(why, whylen, "a {m,n} bound that is not closed");
                if (m > VS__REGEX_MAX_BOUND || n > VS__REGEX_MAX_BOUND || m < 0 || n < 0)
                    return fail(why, whylen, "a {m,n} bound above 16");
                if (++bounds > VS__REGEX_MAX_BOUNDS)
                    return fail(why, whylen, "more than 4 {m,n} bounds");
                p = end + 1;
            } else {
                p++;
            }
            after_repeat = true;
            continue;
        }
        after_repeat = false;
        if (c == '\\') {
            p += p[1] ? 2 : 1;
        } else if (c == '[') {
            const char *next = skip_bracket(p);
            p = next ? next : p + strlen(p);
        } else if (c == '(') {
            if (++depth > VS__REGEX_MAX_DEPTH)
                return fail(why, whylen, "groups nested deeper than 8");
            p++;
        } else if (c == ')') {
            if (depth > 0)
                depth--;
            p++;
        } else {
            p++;
        }
    }
    return true;
}
