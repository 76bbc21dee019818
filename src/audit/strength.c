/* How strong is a secret, under a policy: length, character classes, the weak-password list,
 * equality with the user name or extension, PIN repeats and runs, and zxcvbn's guess estimate
 * (zxcvbn-c from Debian; the user name and extension go in as user words so that "1001pass" for
 * extension 1001 counts as guessable). The verdict names the first failed rule in plain words and
 * never the secret. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <voipsec/audit.h>
#include <zxcvbn.h>

#include "detect/datafile.h"

struct vs_blocklist {
    char **words; /* sorted, lower case */
    size_t n, cap;
};

static char *lower_dup(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        d[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    return d;
}

static const char *add_word(void *ctx, char **f, size_t nf, unsigned line)
{
    (void)nf;
    (void)line;
    vs_blocklist *b = ctx;
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        if (nc > 1000000)
            return "more than 1,000,000 entries";
        char **nw = realloc(b->words, nc * sizeof *nw);
        if (!nw)
            return "out of memory";
        b->words = nw;
        b->cap = nc;
    }
    char *w = lower_dup(f[0]);
    if (!w)
        return "out of memory";
    b->words[b->n++] = w;
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

vs_blocklist *vs_blocklist_load(const char *path, char *err, size_t errlen)
{
    vs_blocklist *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (vs__data_read(path, 1, add_word, b, err, errlen) != 0) {
        vs_blocklist_free(b);
        return NULL;
    }
    qsort(b->words, b->n, sizeof *b->words, cmp_str);
    return b;
}

void vs_blocklist_free(vs_blocklist *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        free(b->words[i]);
    free(b->words);
    free(b);
}

bool vs_blocklist_has(const vs_blocklist *b, const char *secret)
{
    if (!b || !secret)
        return false;
    char *l = lower_dup(secret);
    if (!l)
        return false;
    bool found = bsearch(&l, b->words, b->n, sizeof *b->words, cmp_str) != NULL;
    free(l);
    return found;
}

static bool same_or_reversed(const char *secret, const char *word)
{
    if (!word || !*word)
        return false;
    size_t n = strlen(word);
    if (strlen(secret) != n)
        return false;
    if (strcasecmp(secret, word) == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (secret[i] != word[n - 1 - i])
            return false;
    return true;
}

static bool pin_repeats_or_runs(const char *s)
{
    size_t n = strlen(s);
    if (n < 2)
        return true;
    bool same = true, up = true, down = true;
    for (size_t i = 1; i < n; i++) {
        same &= s[i] == s[0];
        up &= s[i] == s[i - 1] + 1;
        down &= s[i] == s[i - 1] - 1;
    }
    /* also two-digit patterns repeated: 1212, 121212 */
    bool pair = n >= 4 && n % 2 == 0;
    for (size_t i = 2; pair && i < n; i++)
        pair = s[i] == s[i - 2];
    return same || up || down || pair;
}

void vs_strength_check(const vs_policy *p, const vs_blocklist *bl, const char *secret,
                       const char *user, const char *extension, bool pin, vs_strength *out)
{
    memset(out, 0, sizeof *out);
    if (!secret)
        secret = "";
    size_t n = strlen(secret);
    out->length = (unsigned)n;
    bool lower = false, upper = false, digit = false, symbol = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)secret[i];
        if (c >= 'a' && c <= 'z')
            lower = true;
        else if (c >= 'A' && c <= 'Z')
            upper = true;
        else if (c >= '0' && c <= '9')
            digit = true;
        else
            symbol = true;
    }
    out->classes = (unsigned)lower + upper + digit + symbol;
    const char *words[3] = {user, extension, NULL};
    if (!user) {
        words[0] = extension;
        words[1] = NULL;
    }
    double bits = n ? ZxcvbnMatch(secret, words, NULL) : 0.0;
    out->guesses_log10 = bits * log10(2.0);

    out->equals_user = same_or_reversed(secret, user) || same_or_reversed(secret, extension);
    out->on_blocklist = vs_blocklist_has(bl, secret);
    if (pin) {
        out->too_short = n < p->pin_min_length;
        out->repeats_or_runs = pin_repeats_or_runs(secret);
    } else {
        out->too_short = n < p->min_length;
        out->too_few_classes = p->min_classes && out->classes < p->min_classes;
        out->too_guessable = p->min_guesses_log10 > 0 && out->guesses_log10 < p->min_guesses_log10;
    }
    const char *what = pin ? "PIN" : "password";
    if (n == 0)
        snprintf(out->reason, sizeof out->reason, "the %s is empty", what);
    else if (out->equals_user)
        snprintf(out->reason, sizeof out->reason, "the %s is the same as the user name or extension",
                 what);
    else if (out->on_blocklist)
        snprintf(out->reason, sizeof out->reason, "the %s is on the list of common weak passwords",
                 what);
    else if (out->too_short)
        snprintf(out->reason, sizeof out->reason, "the %s has %zu characters; the policy asks for %u",
                 what, n, pin ? p->pin_min_length : p->min_length);
    else if (out->repeats_or_runs)
        snprintf(out->reason, sizeof out->reason, "the PIN is one repeated digit or a simple run");
    else if (out->too_few_classes)
        snprintf(out->reason, sizeof out->reason,
                 "the password mixes %u kinds of characters; the policy asks for %u (of lower case, "
                 "upper case, digits, symbols)",
                 out->classes, p->min_classes);
    else if (out->too_guessable)
        snprintf(out->reason, sizeof out->reason,
                 "the password could be guessed in about 10^%.0f tries; the policy asks for 10^%.0f",
                 out->guesses_log10, p->min_guesses_log10);
    out->ok = out->reason[0] == '\0';
}

void vs_secret_mask(const char *secret, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    if (!secret || !*secret) {
        snprintf(buf, size, "(empty)");
        return;
    }
    size_t n = strlen(secret);
    /* one character only, and never for a secret of 3 characters or fewer */
    if (n <= 3)
        snprintf(buf, size, "*** (%zu characters)", n);
    else
        snprintf(buf, size, "%c*** (%zu characters)", secret[0], n);
}
