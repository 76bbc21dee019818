/* Scan options: defaults, the comma-separated transport and check lists, status names. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scan/scan_internal.h"

void vs_scan_opts_init(vs_scan_opts *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof(*o));
    o->transports = VS_SCAN_UDP;
    o->nports = 0;
    o->rate = 200.0;
    o->timeout_s = 2.0;
    o->retries = 1;
    o->max_conns = 64;
    o->checks = 0;
    snprintf(o->user_agent, sizeof(o->user_agent), "voipsec/%s", vs_version());
    snprintf(o->enum_users, sizeof(o->enum_users), "%s", "100,101,200,1000,1001,2000");
}

typedef struct word_bit {
    const char *word;
    unsigned bit;
} word_bit;

/* Splits list at commas (spaces around words ignored) and ORs the bit of each word; "all" gives
 * all_bits when all_bits is not 0, "none" gives nothing when allow_none. */
static vs_rc parse_words(const char *list, const word_bit *words, size_t nwords, unsigned all_bits,
                         bool allow_none, const char *what, unsigned *out, char *err, size_t errlen)
{
    if (!list || !out) {
        if (err && errlen)
            snprintf(err, errlen, "no %s list", what);
        return VS_E_INVAL;
    }
    unsigned bits = 0;
    bool any = false, none = false;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *w = p;
        while (n > 0 && isspace((unsigned char)*w)) {
            w++;
            n--;
        }
        while (n > 0 && isspace((unsigned char)w[n - 1]))
            n--;
        if (n == 0) {
            if (err && errlen)
                snprintf(err, errlen, "empty word in the %s list '%s'", what, list);
            return VS_E_INVAL;
        }
        bool found = false;
        for (size_t i = 0; i < nwords && !found; i++) {
            if (strlen(words[i].word) == n && strncasecmp(words[i].word, w, n) == 0) {
                bits |= words[i].bit;
                found = true;
            }
        }
        if (!found && all_bits && n == 3 && strncasecmp(w, "all", 3) == 0) {
            bits |= all_bits;
            found = true;
        }
        if (!found && allow_none && n == 4 && strncasecmp(w, "none", 4) == 0) {
            none = true;
            found = true;
        }
        if (!found) {
            if (err && errlen) {
                char known[128] = "";
                size_t k = 0;
                for (size_t i = 0; i < nwords && k < sizeof(known); i++)
                    k += (size_t)snprintf(known + k, sizeof(known) - k, "%s%s", i ? ", " : "",
                                          words[i].word);
                snprintf(err, errlen, "unknown %s '%.*s' (known: %s%s)", what, (int)n, w, known,
                         all_bits ? ", all" : "");
            }
            return VS_E_INVAL;
        }
        any = true;
        if (!end)
            break;
        p = end + 1;
    }
    if (!any || (none && bits)) {
        if (err && errlen)
            snprintf(err, errlen, "'none' cannot be combined with other %ss", what);
        return VS_E_INVAL;
    }
    *out = bits;
    return VS_OK;
}

vs_rc vs_scan_parse_transports(const char *list, unsigned *out, char *err, size_t errlen)
{
    static const word_bit words[] = {
        {"udp", VS_SCAN_UDP},
        {"tcp", VS_SCAN_TCP},
        {"tls", VS_SCAN_TLS},
    };
    return parse_words(list, words, sizeof(words) / sizeof(words[0]),
                       VS_SCAN_UDP | VS_SCAN_TCP | VS_SCAN_TLS, false, "transport", out, err,
                       errlen);
}

vs_rc vs_scan_parse_checks(const char *list, unsigned *out, char *err, size_t errlen)
{
    static const word_bit words[] = {
        {"tls", VS_SCAN_CHECK_TLS},
        {"auth", VS_SCAN_CHECK_AUTH},
        {"enum-leak", VS_SCAN_CHECK_ENUM},
        {"admin", VS_SCAN_CHECK_ADMIN},
    };
    return parse_words(list, words, sizeof(words) / sizeof(words[0]),
                       VS_SCAN_CHECK_TLS | VS_SCAN_CHECK_AUTH | VS_SCAN_CHECK_ENUM |
                           VS_SCAN_CHECK_ADMIN,
                       true, "check", out, err, errlen);
}

const char *vs_scan_status_id(vs_scan_status s)
{
    switch (s) {
    case VS_SCAN_ANSWERED:
        return "answered";
    case VS_SCAN_GARBAGE:
        return "garbage";
    case VS_SCAN_SILENT:
        return "silent";
    case VS_SCAN_REFUSED:
        return "refused";
    case VS_SCAN_UNREACHABLE:
        return "unreachable";
    case VS_SCAN_UNRESOLVED:
        return "unresolved";
    case VS_SCAN_TLS_FAILED:
        return "tls-failed";
    case VS_SCAN_ERROR:
        return "error";
    }
    return "unknown";
}
