/* Scan targets: parsing what the user wrote, resolving names, and walking the tuples.
 *
 * Each target becomes one entry: a run of consecutive addresses (an address, a CIDR block, a
 * range) kept as its first address and a count, or the list of addresses a host name resolved
 * to. Nothing is ever expanded: a /8 is one entry of 16,777,216 addresses, and the walk computes
 * the n-th address from the base. Entries keep the global index of their first address, so the
 * entry holding a tuple number is found by binary search.
 *
 * Tuple numbering (see discover_internal.h): number = address index * slots + slot, slots =
 * 3 * max(1, nports); slot = transport index (UDP, TCP, TLS) * max(1, nports) + port index.
 * Ports: the target's own port ("host:5062", a URI with a port); a URI without a port uses the
 * default port of its transport (5060, TLS 5061); other targets take o->ports, or the default
 * port of each transport when o->nports is 0.
 *
 * Duplicates are not removed: an address named twice (by two targets, or a name resolving to an
 * address of a block) is probed twice, once per target, and reported under each target as
 * written. The addresses one name resolves to are deduplicated.
 *
 * Limits: a block or range above 65,536 addresses needs allow_large; IPv6 blocks are at most
 * 2^32 addresses (/96) and all targets together at most 2^32 addresses; a name keeps at most 64
 * addresses. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scan/discover_internal.h"

#define LARGE_BLOCK 65536u
#define MAX_TOTAL_ADDRESSES (UINT64_C(1) << 32)
#define MAX_NAME_ADDRESSES 64

typedef struct entry {
    char *spec;
    char *host; /* "" unless a name */
    bool trunk;
    bool single;
    unsigned transport;             /* fixed VS_SCAN_* bit (URI), or 0 */
    uint16_t port;                  /* fixed port, or 0 */
    int family;                     /* of a block; 0 for a name's list */
    uint8_t base[16];               /* first address of a block, network order */
    uint64_t count;                 /* addresses */
    uint64_t first;                 /* global index of the first address */
    struct sockaddr_storage *addrs; /* a name's addresses (count of them), else NULL */
} entry;

typedef struct unresolved {
    char *spec;
    char *host;
    char *why;
    bool trunk;
} unresolved;

struct vs_scan_targets {
    entry *e;
    size_t n, cap;
    uint64_t addresses;
    unresolved *u;
    size_t nu, ucap;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

vs_scan_targets *vs_scan_targets_new(void)
{
    return calloc(1, sizeof(vs_scan_targets));
}

void vs_scan_targets_free(vs_scan_targets *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].spec);
        free(t->e[i].host);
        free(t->e[i].addrs);
    }
    for (size_t i = 0; i < t->nu; i++) {
        free(t->u[i].spec);
        free(t->u[i].host);
        free(t->u[i].why);
    }
    free(t->e);
    free(t->u);
    free(t);
}

uint64_t vs_scan_targets_addresses(const vs_scan_targets *t)
{
    return t ? t->addresses : 0;
}

/* ---- parsing helpers ---------------------------------------------------------------------- */

/* Decimal number of at most maxdigits digits, whole string. */
static bool parse_dec(const char *s, unsigned maxdigits, unsigned long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > maxdigits)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    *out = v;
    return true;
}

static bool only_digits_dots(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(*s == '.' || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '_'))
            return false;
        if (c == '.' && i + 1 < n && s[i + 1] == '.')
            return false;
    }
    return true;
}

/* An IPv4 or IPv6 literal: family and 4 or 16 bytes. */
static int parse_ip(const char *s, uint8_t out[16])
{
    if (inet_pton(AF_INET, s, out) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, s, out) == 1)
        return AF_INET6;
    return 0;
}

static size_t addr_len(int family)
{
    return family == AF_INET ? 4 : 16;
}

/* a - b for two addresses of one family, when a >= b and the difference fits 64 bits. */
static bool addr_diff(int family, const uint8_t *a, const uint8_t *b, uint64_t *out)
{
    size_t n = addr_len(family);
    /* high bytes beyond the low 8 must be equal */
    size_t lo = n > 8 ? n - 8 : 0;
    if (memcmp(a, b, lo) != 0)
        return false;
    uint64_t va = 0, vb = 0;
    for (size_t i = lo; i < n; i++) {
        va = va << 8 | a[i];
        vb = vb << 8 | b[i];
    }
    if (va < vb)
        return false;
    *out = va - vb;
    return true;
}

/* dst = base + off (off < 2^64), 128-bit arithmetic with carry. */
static void addr_add(int family, const uint8_t *base, uint64_t off, uint8_t *dst)
{
    size_t n = addr_len(family);
    memcpy(dst, base, n);
    unsigned carry = 0;
    for (size_t i = n; i-- > 0;) {
        unsigned v = dst[i] + (unsigned)(off & 0xff) + carry;
        dst[i] = (uint8_t)v;
        carry = v >> 8;
        off >>= 8;
        if (off == 0 && carry == 0)
            break;
    }
}

/* ---- adding ------------------------------------------------------------------------------- */

static entry *push_entry(vs_scan_targets *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        entry *e = realloc(t->e, cap * sizeof(*e));
        if (!e)
            return NULL;
        t->e = e;
        t->cap = cap;
    }
    entry *e = &t->e[t->n];
    memset(e, 0, sizeof(*e));
    return e;
}

static vs_rc add_unresolved(vs_scan_targets *t, const char *spec, const char *host, const char *why,
                            bool trunk)
{
    if (t->nu == t->ucap) {
        size_t cap = t->ucap ? t->ucap * 2 : 8;
        unresolved *u = realloc(t->u, cap * sizeof(*u));
        if (!u)
            return VS_E_NOMEM;
        t->u = u;
        t->ucap = cap;
    }
    unresolved *u = &t->u[t->nu];
    u->spec = strdup(spec);
    u->host = strdup(host);
    u->why = strdup(why);
    u->trunk = trunk;
    if (!u->spec || !u->host || !u->why) {
        free(u->spec);
        free(u->host);
        free(u->why);
        return VS_E_NOMEM;
    }
    t->nu++;
    return VS_OK;
}

typedef struct parsed {
    unsigned transport;
    uint16_t port;
    int family; /* 0 for a name */
    uint8_t base[16];
    uint64_t count;
    char host[256]; /* a name */
} parsed;

/* "a/len" */
static vs_rc parse_cidr(const char *spec, char *host, parsed *p, bool allow_large, char *err,
                        size_t errlen)
{
    char *slash = strchr(host, '/');
    *slash = '\0';
    const char *plen = slash + 1;
    int fam = parse_ip(host, p->base);
    if (!fam) {
        set_err(err, errlen, "%s: '%s' is not an IPv4 or IPv6 address", spec, host);
        return VS_E_INVAL;
    }
    unsigned bits = fam == AF_INET ? 32 : 128;
    unsigned long len;
    if (!parse_dec(plen, 3, &len) || len > bits) {
        set_err(err, errlen, "%s: prefix length must be 0-%u", spec, bits);
        return VS_E_INVAL;
    }
    unsigned hostbits = bits - (unsigned)len;
    if (hostbits > 32) {
        set_err(err, errlen,
                "%s: block of 2^%u addresses is too large to scan (IPv6: /96 or "
                "longer)",
                spec, hostbits);
        return VS_E_LIMIT;
    }
    /* clear the host bits: "192.0.2.7/24" is 192.0.2.0/24 */
    size_t n = addr_len(fam);
    for (unsigned i = 0; i < hostbits; i++) {
        size_t byte = n - 1 - i / 8;
        p->base[byte] &= (uint8_t) ~(1u << (i % 8));
    }
    p->family = fam;
    p->count = UINT64_C(1) << hostbits;
    if (p->count > LARGE_BLOCK && !allow_large) {
        set_err(err, errlen,
                "%s: %llu addresses, more than a /16 (65536); pass --allow-large to "
                "scan it",
                spec, (unsigned long long)p->count);
        return VS_E_LIMIT;
    }
    return VS_OK;
}

/* "a-b" or "a.b.c.d-e" */
static vs_rc parse_range(const char *spec, char *host, char *dash, parsed *p, bool allow_large,
                         char *err, size_t errlen)
{
    *dash = '\0';
    const char *right = dash + 1;
    int fam = parse_ip(host, p->base);
    uint8_t end[16];
    unsigned long octet;
    if (fam == AF_INET && parse_dec(right, 3, &octet)) {
        if (octet > 255) {
            set_err(err, errlen, "%s: range end must be 0-255 or an address", spec);
            return VS_E_INVAL;
        }
        memcpy(end, p->base, 4);
        end[3] = (uint8_t)octet;
    } else if (parse_ip(right, end) != fam) {
        set_err(err, errlen,
                "%s: range end '%s' must be an address of the same family as '%s' "
                "(or a last octet 0-255)",
                spec, right, host);
        return VS_E_INVAL;
    }
    uint64_t diff;
    if (!addr_diff(fam, end, p->base, &diff)) {
        if (memcmp(end, p->base, addr_len(fam)) < 0)
            set_err(err, errlen, "%s: range end is below its start", spec);
        else
            set_err(err, errlen, "%s: range is too large to scan", spec);
        return memcmp(end, p->base, addr_len(fam)) < 0 ? VS_E_INVAL : VS_E_LIMIT;
    }
    if (diff >= UINT64_C(0xffffffff)) {
        set_err(err, errlen, "%s: range is too large to scan (at most 2^32 addresses)", spec);
        return VS_E_LIMIT;
    }
    p->family = fam;
    p->count = diff + 1;
    if (p->count > LARGE_BLOCK && !allow_large) {
        set_err(err, errlen,
                "%s: %llu addresses, more than a /16 (65536); pass --allow-large to "
                "scan it",
                spec, (unsigned long long)p->count);
        return VS_E_LIMIT;
    }
    return VS_OK;
}

static vs_rc parse_port(const char *spec, const char *text, uint16_t *port, char *err,
                        size_t errlen)
{
    unsigned long v;
    if (!parse_dec(text, 5, &v) || v == 0 || v > 65535) {
        set_err(err, errlen, "%s: port must be 1-65535", spec);
        return VS_E_INVAL;
    }
    *port = (uint16_t)v;
    return VS_OK;
}

/* Parses spec into p (no resolution). */
static vs_rc parse_spec(const char *spec, parsed *p, bool allow_large, char *err, size_t errlen)
{
    char buf[512];
    memset(p, 0, sizeof(*p));
    size_t len = strlen(spec);
    if (len == 0) {
        set_err(err, errlen, "empty target");
        return VS_E_INVAL;
    }
    if (len >= sizeof(buf)) {
        set_err(err, errlen, "%.40s...: target too long", spec);
        return VS_E_INVAL;
    }
    memcpy(buf, spec, len + 1);
    char *s = buf;
    for (char *c = s; *c; c++) {
        if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c)) {
            set_err(err, errlen, "%s: spaces or control characters in a target", spec);
            return VS_E_INVAL;
        }
    }

    char *scheme_end = strstr(s, "://");
    if (scheme_end) {
        size_t sl = (size_t)(scheme_end - s);
        if (sl == 3 && strncasecmp(s, "udp", 3) == 0)
            p->transport = VS_SCAN_UDP;
        else if (sl == 3 && strncasecmp(s, "tcp", 3) == 0)
            p->transport = VS_SCAN_TCP;
        else if (sl == 3 && strncasecmp(s, "tls", 3) == 0)
            p->transport = VS_SCAN_TLS;
        else {
            set_err(err, errlen, "%s: unknown scheme '%.*s' (udp://, tcp:// or tls://)", spec,
                    (int)sl, s);
            return VS_E_INVAL;
        }
        s = scheme_end + 3;
        size_t rl = strlen(s);
        if (rl > 0 && s[rl - 1] == '/') /* "udp://host/" */
            s[rl - 1] = '\0';
        if (!*s) {
            set_err(err, errlen, "%s: no host after the scheme", spec);
            return VS_E_INVAL;
        }
    }

    char *host = s;
    char *port_text = NULL;
    bool bracketed = false;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close) {
            set_err(err, errlen, "%s: '[' without ']'", spec);
            return VS_E_INVAL;
        }
        *close = '\0';
        host = s + 1;
        bracketed = true;
        if (close[1] == ':')
            port_text = close + 2;
        else if (close[1] != '\0') {
            set_err(err, errlen, "%s: unexpected text after ']'", spec);
            return VS_E_INVAL;
        }
    } else {
        char *colon = strchr(s, ':');
        if (colon && !strchr(colon + 1, ':')) { /* exactly one colon: host:port */
            *colon = '\0';
            port_text = colon + 1;
        }
    }
    if (port_text) {
        vs_rc rc = parse_port(spec, port_text, &p->port, err, errlen);
        if (rc != VS_OK)
            return rc;
    }
    if (!*host) {
        set_err(err, errlen, "%s: no host", spec);
        return VS_E_INVAL;
    }

    if (strchr(host, '/'))
        return parse_cidr(spec, host, p, allow_large, err, errlen);
    int fam = parse_ip(host, p->base);
    if (fam) {
        if (bracketed && fam != AF_INET6) {
            set_err(err, errlen, "%s: only IPv6 addresses go in [ ]", spec);
            return VS_E_INVAL;
        }
        p->family = fam;
        p->count = 1;
        return VS_OK;
    }
    char *dash = strchr(host, '-');
    if (dash) {
        char save = *dash;
        *dash = '\0';
        uint8_t tmp[16];
        bool left_ip = parse_ip(host, tmp) != 0;
        *dash = save;
        if (left_ip)
            return parse_range(spec, host, dash, p, allow_large, err, errlen);
    }
    if (bracketed) {
        set_err(err, errlen, "%s: '%s' is not an IPv6 address", spec, host);
        return VS_E_INVAL;
    }
    if (only_digits_dots(host)) {
        set_err(err, errlen, "%s: '%s' is not a valid IPv4 address", spec, host);
        return VS_E_INVAL;
    }
    if (strchr(host, ':')) {
        set_err(err, errlen, "%s: '%s' is not a valid IPv6 address (put a port after [address])",
                spec, host);
        return VS_E_INVAL;
    }
    if (!valid_name(host)) {
        set_err(err, errlen, "%s: not an address, block, range or host name", spec);
        return VS_E_INVAL;
    }
    memcpy(p->host, host, strlen(host) + 1); /* valid_name: at most 253 bytes */
    return VS_OK;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
    if (a->ss_family != b->sa_family)
        return false;
    if (b->sa_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* Resolves p->host into e->addrs. VS_E_NOTFOUND with why when it does not resolve. */
static vs_rc resolve(const char *name, entry *e, char *why, size_t whylen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) {
        snprintf(why, whylen, "%s", rc == EAI_SYSTEM ? "resolver failure" : gai_strerror(rc));
        return rc == EAI_MEMORY ? VS_E_NOMEM : VS_E_NOTFOUND;
    }
    e->addrs = calloc(MAX_NAME_ADDRESSES, sizeof(*e->addrs));
    if (!e->addrs) {
        freeaddrinfo(res);
        return VS_E_NOMEM;
    }
    size_t n = 0;
    for (struct addrinfo *ai = res; ai && n < MAX_NAME_ADDRESSES; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = same_addr(&e->addrs[i], ai->ai_addr);
        if (dup || ai->ai_addrlen > sizeof(e->addrs[n]))
            continue;
        memcpy(&e->addrs[n], ai->ai_addr, ai->ai_addrlen);
        n++;
    }
    freeaddrinfo(res);
    if (n == 0) {
        free(e->addrs);
        e->addrs = NULL;
        snprintf(why, whylen, "no IPv4 or IPv6 address");
        return VS_E_NOTFOUND;
    }
    e->count = n;
    return VS_OK;
}

vs_rc vs__target_spec_check(const char *spec, bool allow_large, uint64_t *count, bool *is_name,
                            char *err, size_t errlen)
{
    if (!spec) {
        set_err(err, errlen, "no target");
        return VS_E_INVAL;
    }
    parsed p;
    vs_rc rc = parse_spec(spec, &p, allow_large, err, errlen);
    if (rc != VS_OK)
        return rc;
    *is_name = p.family == 0;
    *count = p.family ? p.count : 0;
    return VS_OK;
}

vs_rc vs_scan_targets_add(vs_scan_targets *t, const char *spec, bool trunk, bool allow_large,
                          char *err, size_t errlen)
{
    if (!t || !spec) {
        set_err(err, errlen, "no target");
        return VS_E_INVAL;
    }
    parsed p;
    vs_rc rc = parse_spec(spec, &p, allow_large, err, errlen);
    if (rc != VS_OK)
        return rc;
    entry *e = push_entry(t);
    if (!e)
        goto nomem;
    e->trunk = trunk;
    e->transport = p.transport;
    e->port = p.port;
    if (p.family) {
        e->family = p.family;
        memcpy(e->base, p.base, sizeof(e->base));
        e->count = p.count;
        e->single = p.count == 1;
        e->host = strdup("");
    } else {
        char why[160];
        rc = resolve(p.host, e, why, sizeof(why));
        if (rc == VS_E_NOTFOUND) {
            if (add_unresolved(t, spec, p.host, why, trunk) != VS_OK)
                goto nomem;
            return VS_OK;
        }
        if (rc != VS_OK)
            goto nomem;
        e->single = true;
        e->host = strdup(p.host);
    }
    if (t->addresses + e->count > MAX_TOTAL_ADDRESSES) {
        set_err(err, errlen, "%s: too many addresses in all targets together (at most %llu)", spec,
                (unsigned long long)MAX_TOTAL_ADDRESSES);
        free(e->addrs);
        free(e->host);
        return VS_E_LIMIT;
    }
    e->spec = strdup(spec);
    if (!e->spec || !e->host) {
        free(e->spec);
        free(e->host);
        free(e->addrs);
        goto nomem;
    }
    e->first = t->addresses;
    t->addresses += e->count;
    t->n++;
    return VS_OK;
nomem:
    set_err(err, errlen, "%s: out of memory", spec);
    return VS_E_NOMEM;
}

/* ---- walking ------------------------------------------------------------------------------ */

static uint64_t port_slots(const vs_scan_opts *o)
{
    return o->nports ? (o->nports > 16 ? 16 : o->nports) : 1;
}

static uint64_t slots(const vs_scan_opts *o)
{
    return 3 * port_slots(o);
}

static unsigned opt_transports(const vs_scan_opts *o)
{
    unsigned tr = o->transports & (VS_SCAN_UDP | VS_SCAN_TCP | VS_SCAN_TLS);
    return tr ? tr : VS_SCAN_UDP;
}

static uint16_t default_port(unsigned transport)
{
    return transport == VS_SCAN_TLS ? 5061 : 5060;
}

/* Is slot s used by entry e? Its transport and port. */
static bool slot_valid(const entry *e, const vs_scan_opts *o, uint64_t s, unsigned *transport,
                       uint16_t *port)
{
    uint64_t ps = port_slots(o);
    unsigned tr = 1u << (unsigned)(s / ps);
    uint64_t pi = s % ps;
    if (e->transport ? tr != e->transport : !(opt_transports(o) & tr))
        return false;
    if (e->port || e->transport || o->nports == 0) {
        if (pi != 0)
            return false;
        *port = e->port ? e->port : default_port(tr);
    } else {
        *port = o->ports[pi];
    }
    *transport = tr;
    return true;
}

static uint64_t entry_slots(const entry *e, const vs_scan_opts *o, unsigned transports)
{
    uint64_t n = 0, c = slots(o);
    for (uint64_t s = 0; s < c; s++) {
        unsigned tr;
        uint16_t port;
        if (slot_valid(e, o, s, &tr, &port) && (tr & transports))
            n++;
    }
    return n;
}

/* Entry holding global address index a (a < t->addresses). */
static size_t entry_of(const vs_scan_targets *t, uint64_t a)
{
    size_t lo = 0, hi = t->n; /* first entry with first > a, minus one */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->e[mid].first <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

static void fill_tuple(const entry *e, uint64_t off, unsigned tr, uint16_t port, vs__tuple *out)
{
    memset(out, 0, sizeof(*out));
    if (e->addrs) {
        const struct sockaddr_storage *ss = &e->addrs[off];
        if (ss->ss_family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;
            memcpy(sin, ss, sizeof(*sin));
            sin->sin_port = htons(port);
            out->addrlen = sizeof(*sin);
        } else {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;
            memcpy(sin6, ss, sizeof(*sin6));
            sin6->sin6_port = htons(port);
            out->addrlen = sizeof(*sin6);
        }
    } else if (e->family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;
        sin->sin_family = AF_INET;
        addr_add(AF_INET, e->base, off, (uint8_t *)&sin->sin_addr);
        sin->sin_port = htons(port);
        out->addrlen = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;
        sin6->sin6_family = AF_INET6;
        addr_add(AF_INET6, e->base, off, (uint8_t *)&sin6->sin6_addr);
        sin6->sin6_port = htons(port);
        out->addrlen = sizeof(*sin6);
    }
    out->transport = tr;
    out->spec = e->spec;
    out->host = e->host;
    out->trunk = e->trunk;
    out->single = e->single;
}

bool vs__targets_next_of(const vs_scan_targets *t, const vs_scan_opts *o, unsigned transports,
                         uint64_t *cursor, vs__tuple *out)
{
    if (!t || !o || !cursor || !out || t->n == 0)
        return false;
    uint64_t c = slots(o);
    uint64_t idx = *cursor;
    while (idx / c < t->addresses) {
        uint64_t a = idx / c;
        size_t ei = entry_of(t, a);
        const entry *e = &t->e[ei];
        if (entry_slots(e, o, transports) == 0) { /* skip the whole target */
            idx = (e->first + e->count) * c;
            continue;
        }
        for (uint64_t s = idx % c; s < c; s++) {
            unsigned tr;
            uint16_t port;
            if (slot_valid(e, o, s, &tr, &port) && (tr & transports)) {
                fill_tuple(e, a - e->first, tr, port, out);
                *cursor = a * c + s + 1;
                return true;
            }
        }
        idx = (a + 1) * c;
    }
    *cursor = idx;
    return false;
}

bool vs__targets_next(const vs_scan_targets *t, const vs_scan_opts *o, uint64_t *cursor,
                      vs__tuple *out)
{
    return vs__targets_next_of(t, o, VS_SCAN_UDP | VS_SCAN_TCP | VS_SCAN_TLS, cursor, out);
}

bool vs__targets_at(const vs_scan_targets *t, const vs_scan_opts *o, uint64_t idx, vs__tuple *out)
{
    if (!t || !o || !out)
        return false;
    uint64_t c = slots(o);
    uint64_t a = idx / c;
    if (a >= t->addresses)
        return false;
    const entry *e = &t->e[entry_of(t, a)];
    unsigned tr;
    uint16_t port;
    if (!slot_valid(e, o, idx % c, &tr, &port))
        return false;
    fill_tuple(e, a - e->first, tr, port, out);
    return true;
}

uint64_t vs__targets_tuples_of(const vs_scan_targets *t, const vs_scan_opts *o, unsigned transports)
{
    if (!t || !o)
        return 0;
    uint64_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += t->e[i].count * entry_slots(&t->e[i], o, transports);
    return n;
}

uint64_t vs__targets_tuples(const vs_scan_targets *t, const vs_scan_opts *o)
{
    return vs__targets_tuples_of(t, o, VS_SCAN_UDP | VS_SCAN_TCP | VS_SCAN_TLS);
}

uint64_t vs__targets_index_bound(const vs_scan_targets *t, const vs_scan_opts *o)
{
    return t && o ? t->addresses * slots(o) : 0;
}

/* Offset of sa's address in entry e, when e holds it. */
static bool entry_holds(const entry *e, const struct sockaddr *sa, uint64_t *off)
{
    if (e->addrs) {
        for (uint64_t i = 0; i < e->count; i++) {
            if (same_addr(&e->addrs[i], sa)) {
                *off = i;
                return true;
            }
        }
        return false;
    }
    if (sa->sa_family != e->family)
        return false;
    const uint8_t *a = sa->sa_family == AF_INET
                           ? (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr
                           : (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
    uint64_t d;
    if (!addr_diff(e->family, a, e->base, &d) || d >= e->count)
        return false;
    *off = d;
    return true;
}

bool vs__targets_lookup(const vs_scan_targets *t, const vs_scan_opts *o, const struct sockaddr *sa,
                        unsigned transport, uint64_t below, uint64_t *idx)
{
    if (!t || !o || !sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return false;
    uint16_t port = ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
                                                   : ((const struct sockaddr_in6 *)sa)->sin6_port);
    uint64_t c = slots(o);
    for (size_t i = 0; i < t->n; i++) {
        const entry *e = &t->e[i];
        if (e->first * c >= below)
            break;
        uint64_t off;
        if (!entry_holds(e, sa, &off))
            continue;
        for (uint64_t s = 0; s < c; s++) {
            unsigned tr;
            uint16_t p;
            if (slot_valid(e, o, s, &tr, &p) && tr == transport && p == port) {
                uint64_t n = (e->first + off) * c + s;
                if (n < below) {
                    *idx = n;
                    return true;
                }
            }
        }
    }
    return false;
}

bool vs__targets_unresolved_ex(const vs_scan_targets *t, size_t i, const char **spec,
                               const char **host, const char **why, bool *trunk)
{
    if (!t || i >= t->nu)
        return false;
    if (spec)
        *spec = t->u[i].spec;
    if (host)
        *host = t->u[i].host;
    if (why)
        *why = t->u[i].why;
    if (trunk)
        *trunk = t->u[i].trunk;
    return true;
}

bool vs__targets_unresolved(const vs_scan_targets *t, size_t i, const char **spec, const char **why)
{
    return vs__targets_unresolved_ex(t, i, spec, NULL, why, NULL);
}
