/* `creds generate`: a secret that passes the policy, from libsodium's CSPRNG.
 *
 * Design: passwords are max(min_length, 20) characters drawn uniformly (randombytes_uniform, no
 * modulo bias) from an alphabet without look-alikes (no 0/O, 1/l/I) and without characters that
 * Asterisk configs treat specially (';' comment, ',' voicemail field separator, quotes, '\\',
 * '$'); when the policy asks for classes, a draw without all four is drawn again. PINs are
 * pin_min_length digits (at least 6), each differing from the previous one by more than 1 (no
 * runs "12"/"21") and, up to 10 digits, all different (no repeats "11" or pairs "2424"; longer
 * PINs differ from the two digits before). Every result is
 * re-drawn until vs_strength_check accepts it. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "creds/creds_internal.h"

static const char lower[] = "abcdefghijkmnpqrstuvwxyz";
static const char upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
static const char digits[] = "23456789";
static const char symbols[] = "!#%*+-=?@_~";

static char pick(const char *set)
{
    return set[randombytes_uniform((uint32_t)strlen(set))];
}

static void draw_password(char *buf, size_t len, bool classes)
{
    char all[128];
    snprintf(all, sizeof all, "%s%s%s%s", lower, upper, digits, symbols);
    for (;;) {
        bool l = false, u = false, d = false, s = false;
        for (size_t i = 0; i < len; i++) {
            char c = pick(all);
            buf[i] = c;
            l |= strchr(lower, c) != NULL;
            u |= strchr(upper, c) != NULL;
            d |= strchr(digits, c) != NULL;
            s |= strchr(symbols, c) != NULL;
        }
        buf[len] = '\0';
        if (!classes || (l && u && d && s))
            return;
    }
}

/* false when the draw ran into a dead end (long PINs): the caller draws again */
static bool draw_pin(char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        for (int attempt = 0;; attempt++) {
            if (attempt == 200) {
                buf[0] = '\0';
                return false;
            }
            int c = (int)randombytes_uniform(10);
            if (i >= 1) {
                int prev = buf[i - 1] - '0';
                if (c == prev || c == prev + 1 || c == prev - 1)
                    continue;
            }
            bool seen = false; /* up to 10 digits: each digit once (no repeats, no pairs) */
            for (size_t k = len <= 10 ? 0 : (i >= 2 ? i - 2 : 0); k < i && !seen; k++)
                seen = c == buf[k] - '0';
            if (seen)
                continue;
            buf[i] = (char)('0' + c);
            break;
        }
    }
    buf[len] = '\0';
    return true;
}

vs_rc vs_creds_generate(const vs_policy *p, const vs_blocklist *bl, vs_cred_kind kind, char *buf,
                        size_t size)
{
    if (!p || !buf || (unsigned)kind >= VS_CRED__COUNT)
        return VS_E_INVAL;
    if (!vs__creds_sodium())
        return VS_E_IO;
    bool pin = kind == VS_CRED_VOICEMAIL;
    size_t len = pin ? (p->pin_min_length ? p->pin_min_length : 6)
                     : (p->min_length > 20 ? p->min_length : 20);
    if (len + 1 > size || len > 1024)
        return VS_E_LIMIT;
    for (int tries = 0; tries < 10000; tries++) {
        if (pin) {
            if (!draw_pin(buf, len))
                continue;
        } else
            draw_password(buf, len, p->min_classes > 0);
        vs_strength v;
        vs_strength_check(p, bl, buf, NULL, NULL, pin, &v);
        if (v.ok)
            return VS_OK;
    }
    sodium_memzero(buf, size);
    return VS_E_LIMIT; /* a policy no random draw meets (e.g. an absurd guess threshold) */
}
