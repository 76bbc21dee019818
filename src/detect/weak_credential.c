/* Detector `weak-credential`: an account logs in with a password anyone would guess.
 *
 * SIP digest authentication sends no password, but its response is a hash of the password and
 * values seen on the wire (RFC 2617, RFC 8760), so a password can be checked offline, exactly as
 * attackers' crackers do. For each Digest credential (MD5, MD5-sess, SHA-256, SHA-256-sess; qop
 * none, auth or auth-int) we try a few guesses: empty, the user name, the extension (user part of
 * From and To), either followed by "123", the user name reversed, then every entry of the
 * weak-password list (weak_wordlist, most likely first).
 *
 * Only credentials the server ACCEPTED are tested: the request waits (bounded table, 32 s) for
 * the answer of its transaction, and a 2xx, 18x, 3xx, 486, 600 or 603 means the login worked.
 * An attacker's rejected guess says nothing about the account (svcrack tries "1234" against
 * everyone), and not testing the thousands of failures of an attack keeps the cost down.
 *
 * Cost is bounded three ways: the list has at most WORDS_MAX entries; a credential (user, realm,
 * nonce, cnonce, nc, response) is tested once (LRU of hashes); an account (user, realm) found
 * strong is not tested again for RECHECK_US of packet time, and one found weak is tried first
 * with the guess that matched. One incident per (source, user). The finding says which kind of
 * guess matched (and the list rank), never the password, and no nonce or response.
 *
 * MD5 (nearly every credential) is computed by md5.c, not through EVP, whose per-call overhead
 * cost more than the hashing: plain MD5 guesses go VS__MD5_LANES at a time (first_match), and
 * are charged to the budget as if tried one by one. SHA-256 stays with libcrypto. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "detect/datafile.h"
#include "detect/md5.h"
#include "detect/txn.h"
#include "monitor/monitor_internal.h"

#define RULE "weak-credential"
#define WORDS_MAX 100000
#define WORD_LEN_MAX 128
#define PENDING_MAX 4096
#define RECHECK_US (24 * 3600 * 1000000LL)
/* The guess budget: every SIP message seen earns CREDIT_PER_MESSAGE guesses, at most CREDIT_MAX
 * banked. The context guesses and the first FREE_RANKS list entries are always tried; the rest of
 * the list is spent from the budget, and an account whose list could not be finished resumes
 * where it stopped at its next login. Message-counted (not timed), so a replay gives the same
 * findings, and a PBX with 20,000 accounts cannot make the monitor fall behind the traffic. */
#define CREDIT_PER_MESSAGE 1
#define CREDIT_MAX 2000000
#define CREDIT_INITIAL 100000 /* a small office's accounts are tested in full from the start */
#define FREE_RANKS 16
#define IPKEY_MAX 17

enum kind { K_NONE = 0, K_EMPTY, K_USER, K_EXT, K_USER123, K_EXT123, K_REVERSED, K_LIST };
static const char *const KIND_TEXT[] = {
    "",
    "empty",
    "same as the user name",
    "same as the extension number",
    "the user name followed by 123",
    "the extension followed by 123",
    "the user name reversed",
    "on the weak-password list",
};

enum { A_MD5 = 0, A_MD5_SESS, A_SHA256, A_SHA256_SESS };
static const char *const ALG_TEXT[] = {"MD5", "MD5-sess", "SHA-256", "SHA-256-sess"};

typedef struct cred {
    int64_t ts;
    vs_ip src, dst;
    uint16_t sport, dport;
    vs_transport transport;
    uint8_t alg;
    unsigned char key[16]; /* hash identifying this credential */
    char user[64], realm[128], nonce[256], cnonce[128], nc[16], qop[16], response[72];
    char ha2[72]; /* computed from method, uri (and body) at request time */
    char method[24];
    char ext[2][64]; /* From and To user parts */
} cred;

typedef struct verdict { /* tested credentials and accounts */
    int64_t tested_at;
    uint32_t rank;      /* 1-based rank in the list for K_LIST */
    uint32_t next_rank; /* list entries below this were tried; nwords+1 when finished */
    uint8_t kind;
    uint8_t ext; /* which extension matched (K_EXT, K_EXT123) */
} verdict;

typedef struct weak {
    vs__mon *m;
    const vs_monitor_config *cfg;
    char *words; /* NUL-separated entries */
    uint32_t *offs;
    uint8_t *lens;
    size_t nwords, words_len, words_cap;
    uint64_t credit;      /* guesses that may be spent beyond the free ones */
    uint64_t unfinished;  /* accounts whose list testing stopped for lack of budget */
    uint64_t guesses;
    EVP_MD *md5, *sha256;
    EVP_MD_CTX *ctx;
    uint64_t key_seed[2]; /* of key_of, random */
    /* The credential being tested, prepared once so that each guess costs one digest call for
     * HA1 and one for the response, each over a single buffer. */
    struct {
        char ha1_in[512];     /* "user:realm:" then the guess */
        size_t ha1_prefix;
        char resp_in[1024];   /* 32 or 64 hex digits of HA1 go first, then the fixed suffix */
        size_t suffix_len;    /* ":nonce:nc:cnonce:qop:HA2" or ":nonce:HA2" */
        unsigned char want[EVP_MAX_MD_SIZE];
        unsigned want_len;
        bool usable;
        /* MD5 guesses go VS__MD5_LANES at a time (md5.h): one copy of ha1_in per lane, its
         * "user:realm:" copied at the first batch; the responses share resp_in's suffix */
        bool lanes_ready;
        char lane_ha1[VS__MD5_LANES][512];
    } prep;
    vs__lru *pending;  /* transaction -> cred */
    vs__lru *tested;   /* credential hash -> verdict */
    vs__lru *accounts; /* hash of user, realm -> verdict */
} weak;

/* ---- the list ------------------------------------------------------------------------------ */

static const char *add_word(void *ctx, char **f, size_t n, unsigned line)
{
    (void)n;
    (void)line;
    weak *w = ctx;
    size_t len = strlen(f[0]);
    if (len > WORD_LEN_MAX)
        return "password longer than 128 bytes";
    if (w->nwords >= WORDS_MAX)
        return "more than 100000 passwords (each is tried against every login seen: cut the list)";
    if (w->words_len + len + 1 > w->words_cap) {
        size_t cap = w->words_cap ? w->words_cap * 2 : 65536;
        char *nw = realloc(w->words, cap);
        if (!nw)
            return "out of memory";
        w->words = nw;
        w->words_cap = cap;
    }
    if (w->nwords % 4096 == 0) {
        uint32_t *no = realloc(w->offs, (w->nwords + 4096) * sizeof *no);
        if (!no)
            return "out of memory";
        w->offs = no;
        uint8_t *nl = realloc(w->lens, w->nwords + 4096);
        if (!nl)
            return "out of memory";
        w->lens = nl;
    }
    memcpy(w->words + w->words_len, f[0], len + 1);
    w->offs[w->nwords] = (uint32_t)w->words_len;
    w->lens[w->nwords] = (uint8_t)len;
    w->words_len += len + 1;
    w->nwords++;
    return NULL;
}

static void weak_destroy(void *self)
{
    weak *w = self;
    if (!w)
        return;
    vs__lru_free(w->pending);
    vs__lru_free(w->tested);
    vs__lru_free(w->accounts);
    EVP_MD_CTX_free(w->ctx);
    EVP_MD_free(w->md5);
    EVP_MD_free(w->sha256);
    free(w->words);
    free(w->offs);
    free(w->lens);
    free(w);
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void *weak_create(vs__mon *m, const vs_monitor_config *cfg, char *err, size_t errlen)
{
    weak *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->m = m;
    w->credit = CREDIT_INITIAL;
    if (getrandom(w->key_seed, sizeof w->key_seed, GRND_NONBLOCK) != (ssize_t)sizeof w->key_seed) {
        w->key_seed[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
        w->key_seed[1] = (uint64_t)(uintptr_t)w * 0xbf58476d1ce4e5b9ull;
    }
    w->cfg = cfg;
    if (cfg->weak_wordlist[0] && vs__data_read(cfg->weak_wordlist, 1, add_word, w, err, errlen)) {
        weak_destroy(w);
        return NULL;
    }
    w->md5 = EVP_MD_fetch(NULL, "MD5", NULL); /* absent in FIPS mode */
    w->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    w->ctx = EVP_MD_CTX_new();
    if ((!w->md5 && !w->sha256) || !w->ctx) {
        snprintf(err, errlen, "weak-credential: no MD5 or SHA-256 digest available in libcrypto");
        weak_destroy(w);
        return NULL;
    }
    w->pending = vs__txn_new(min_size(cfg->max_sources, PENDING_MAX), sizeof(cred));
    w->tested = vs__lru_new(cfg->max_users, 16, sizeof(verdict));
    w->accounts = vs__lru_new(cfg->max_users, 16, sizeof(verdict));
    if (!w->pending || !w->tested || !w->accounts) {
        snprintf(err, errlen, "out of memory");
        weak_destroy(w);
        return NULL;
    }
    return w;
}

/* ---- hashing ------------------------------------------------------------------------------- */

/* hex(H(parts[0] ":" parts[1] ":" ...)) into out (>= 65 bytes); false when the digest fails. */
static bool hash_hex(weak *w, const EVP_MD *md, const char *const *parts, const size_t *lens,
                     size_t n, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    static const char hex[] = "0123456789abcdef";
    if (md && md == w->md5) {
        /* the short inputs of keys and HA2 in one buffer for md5.c (cheaper than EVP's calls) */
        char buf[1024];
        size_t o = 0;
        bool fits = true;
        for (size_t i = 0; i < n && fits; i++) {
            fits = o + (i ? 1 : 0) + lens[i] <= sizeof buf;
            if (!fits)
                break;
            if (i)
                buf[o++] = ':';
            if (lens[i])
                memcpy(buf + o, parts[i], lens[i]);
            o += lens[i];
        }
        if (fits) {
            vs__md5(buf, o, d);
            for (unsigned i = 0; i < 16; i++) {
                out[2 * i] = hex[d[i] >> 4];
                out[2 * i + 1] = hex[d[i] & 15];
            }
            out[32] = '\0';
            return true;
        }
    }
    if (!EVP_DigestInit_ex(w->ctx, md, NULL))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (i && !EVP_DigestUpdate(w->ctx, ":", 1))
            return false;
        if (lens[i] && !EVP_DigestUpdate(w->ctx, parts[i], lens[i]))
            return false;
    }
    if (!EVP_DigestFinal_ex(w->ctx, d, &dl))
        return false;
    for (unsigned i = 0; i < dl; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * dl] = '\0';
    return true;
}

static const EVP_MD *md_of(const weak *w, uint8_t alg)
{
    return alg >= A_SHA256 ? w->sha256 : w->md5;
}

/* A 16-byte key from NUL-terminated strings (a credential, an account): two 64-bit
 * multiply-xorshift hashes over each part's length and bytes, seeded at random per detector so
 * that nobody can aim two credentials at one key. It only names table entries: no digest needed
 * (MD5 here cost more than a microsecond per login, and its collisions can be made at will). */
static uint64_t key_mix(uint64_t h, uint64_t x, uint64_t k)
{
    h = (h ^ x) * k;
    return h ^ (h >> 31);
}

static void key_of(weak *w, const char *const *parts, size_t n, unsigned char *key)
{
    const uint64_t ka = 0x9e3779b97f4a7c15ull, kb = 0xbf58476d1ce4e5b9ull;
    uint64_t a = w->key_seed[0], b = w->key_seed[1];
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)parts[i];
        size_t len = strlen(parts[i]), j = 0;
        a = key_mix(a, len, ka);
        b = key_mix(b, len, kb);
        for (; j + 8 <= len; j += 8) {
            uint64_t x;
            memcpy(&x, p + j, 8);
            a = key_mix(a, x, ka);
            b = key_mix(b, x + a, kb);
        }
        uint64_t x = 0;
        for (size_t k = 0; j + k < len; k++)
            x |= (uint64_t)p[j + k] << (8 * k);
        a = key_mix(a, x, ka);
        b = key_mix(b, x + a, kb);
    }
    a = key_mix(key_mix(a, b, kb), n, ka);
    b = key_mix(key_mix(b, a, ka), n, kb);
    memcpy(key, &a, 8);
    memcpy(key + 8, &b, 8);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = (char)(ch | 0x20);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static bool digest(weak *w, const EVP_MD *md, const char *in, size_t n, unsigned char *d,
                   unsigned *dl)
{
    if (md && md == w->md5) {
        vs__md5(in, n, d);
        *dl = 16;
        return true;
    }
    return EVP_DigestInit_ex(w->ctx, md, NULL) && EVP_DigestUpdate(w->ctx, in, n) &&
           EVP_DigestFinal_ex(w->ctx, d, dl);
}

static void to_hex(const unsigned char *d, unsigned dl, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < dl; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
}

/* Sets up w->prep for credential c (the fixed parts of both hashes, the expected response in
 * binary). A credential whose fields do not fit, or whose response is not hex, is not usable. */
static void prepare(weak *w, const cred *c)
{
    w->prep.usable = false;
    w->prep.lanes_ready = false;
    int n = snprintf(w->prep.ha1_in, sizeof w->prep.ha1_in, "%s:%s:", c->user, c->realm);
    if (n < 0 || (size_t)n >= sizeof w->prep.ha1_in - WORD_LEN_MAX - 8)
        return;
    w->prep.ha1_prefix = (size_t)n;
    size_t hexlen = (size_t)EVP_MD_get_size(md_of(w, c->alg)) * 2;
    char *suffix = w->prep.resp_in + hexlen;
    size_t room = sizeof w->prep.resp_in - hexlen;
    if (c->qop[0])
        n = snprintf(suffix, room, ":%s:%s:%s:%s:%s", c->nonce, c->nc, c->cnonce, c->qop, c->ha2);
    else
        n = snprintf(suffix, room, ":%s:%s", c->nonce, c->ha2);
    if (n < 0 || (size_t)n >= room)
        return;
    w->prep.suffix_len = (size_t)n;
    size_t rl = strlen(c->response);
    if (rl != hexlen || rl / 2 > sizeof w->prep.want)
        return;
    for (size_t i = 0; i < rl / 2; i++) {
        int hi = hexval(c->response[2 * i]), lo = hexval(c->response[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return;
        w->prep.want[i] = (unsigned char)(hi << 4 | lo);
    }
    w->prep.want_len = (unsigned)(rl / 2);
    w->prep.usable = true;
}

/* Does password pw produce the credential's response? c must be the credential prepared last. */
static bool try_password(weak *w, const cred *c, const char *pw, size_t pwlen)
{
    if (!w->prep.usable || pwlen > WORD_LEN_MAX)
        return false;
    const EVP_MD *md = md_of(w, c->alg);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    memcpy(w->prep.ha1_in + w->prep.ha1_prefix, pw, pwlen);
    if (!digest(w, md, w->prep.ha1_in, w->prep.ha1_prefix + pwlen, d, &dl))
        return false;
    if (c->alg == A_MD5_SESS || c->alg == A_SHA256_SESS) {
        /* HA1 = H(H(user:realm:pw):nonce:cnonce): rare, so built each time */
        char sess[EVP_MAX_MD_SIZE * 2 + 512];
        to_hex(d, dl, sess);
        int n = snprintf(sess + 2 * dl, sizeof sess - 2 * dl, ":%s:%s", c->nonce, c->cnonce);
        if (n < 0 || (size_t)n >= sizeof sess - 2 * dl ||
            !digest(w, md, sess, 2 * dl + (size_t)n, d, &dl))
            return false;
    }
    to_hex(d, dl, w->prep.resp_in);
    if (!digest(w, md, w->prep.resp_in, 2 * (size_t)dl + w->prep.suffix_len, d, &dl))
        return false;
    return dl == w->prep.want_len && memcmp(d, w->prep.want, dl) == 0;
}

/* The password of the guess of one kind (for the list: entry rank-1; for extensions: ext
 * index) into *pw and *n, built in buf (WORD_LEN_MAX + 8 bytes) when it is derived. False when
 * that kind gives no guess for this credential. */
static bool kind_password(const weak *w, const cred *c, uint8_t kind, uint32_t rank, uint8_t ext,
                          char *buf, const char **pw, size_t *n)
{
    size_t size = WORD_LEN_MAX + 8;
    *pw = buf;
    switch (kind) {
    case K_EMPTY:
        *pw = "";
        *n = 0;
        return true;
    case K_USER:
        *pw = c->user;
        *n = strlen(c->user);
        return true;
    case K_EXT:
        *pw = c->ext[ext];
        *n = strlen(c->ext[ext]);
        return *n > 0;
    case K_USER123:
        *n = (size_t)snprintf(buf, size, "%s123", c->user);
        return *n < size;
    case K_EXT123:
        if (!c->ext[ext][0])
            return false;
        *n = (size_t)snprintf(buf, size, "%s123", c->ext[ext]);
        return *n < size;
    case K_REVERSED:
        *n = strlen(c->user);
        if (*n < 2 || *n >= size)
            return false;
        for (size_t i = 0; i < *n; i++)
            buf[i] = c->user[*n - 1 - i];
        return true;
    case K_LIST:
        if (rank == 0 || rank > w->nwords)
            return false;
        *pw = w->words + w->offs[rank - 1];
        *n = w->lens[rank - 1];
        return true;
    default:
        return false;
    }
}

static bool try_kind(weak *w, const cred *c, uint8_t kind, uint32_t rank, uint8_t ext)
{
    char buf[WORD_LEN_MAX + 8];
    const char *pw;
    size_t n;
    return kind_password(w, c, kind, rank, ext, buf, &pw, &n) && try_password(w, c, pw, n);
}

/* The index of the first of the n passwords (n <= VS__MD5_LANES) that produces the credential's
 * response, or n. The same answer as try_password on each in turn; for plain MD5 (nearly every
 * credential) the n guesses are hashed together in the lanes of md5.c. c must be the credential
 * prepared last. */
static size_t first_match(weak *w, const cred *c, const char *const *pw, const size_t *pwlen,
                          size_t n)
{
    if (c->alg != A_MD5 || !w->prep.usable || n < 2) {
        for (size_t i = 0; i < n; i++)
            if (try_password(w, c, pw[i], pwlen[i]))
                return i;
        return n;
    }
    if (!w->prep.lanes_ready) {
        for (size_t l = 0; l < VS__MD5_LANES; l++)
            memcpy(w->prep.lane_ha1[l], w->prep.ha1_in, w->prep.ha1_prefix);
        w->prep.lanes_ready = true;
    }
    const unsigned char *in[VS__MD5_LANES];
    size_t len[VS__MD5_LANES];
    unsigned char d[VS__MD5_LANES][16];
    for (size_t i = 0; i < n; i++) {
        /* longer than any list entry: try_password refuses it, so hash nothing useful */
        size_t pl = pwlen[i] <= WORD_LEN_MAX ? pwlen[i] : 0;
        memcpy(w->prep.lane_ha1[i] + w->prep.ha1_prefix, pw[i], pl);
        in[i] = (const unsigned char *)w->prep.lane_ha1[i];
        len[i] = w->prep.ha1_prefix + pl;
    }
    vs__md5_lanes(in, len, n, d);
    /* response = H(hex(HA1) ":nonce:...:HA2"): only the 32 hex digits differ between lanes */
    char hexes[VS__MD5_LANES][32];
    for (size_t i = 0; i < n; i++) {
        to_hex(d[i], 16, hexes[i]);
        in[i] = (const unsigned char *)hexes[i];
    }
    if (!vs__md5_lanes_tail(in, 32, (const unsigned char *)w->prep.resp_in + 32, w->prep.suffix_len,
                            n, d)) {
        for (size_t i = 0; i < n; i++) /* a suffix too long for it: one by one */
            if (try_password(w, c, pw[i], pwlen[i]))
                return i;
        return n;
    }
    for (size_t i = 0; i < n; i++)
        if (pwlen[i] <= WORD_LEN_MAX && w->prep.want_len == 16 &&
            memcmp(d[i], w->prep.want, 16) == 0)
            return i;
    return n;
}

/* Tries the context guesses (when from_rank is 1) and list entries from from_rank on, within the
 * budget. v.next_rank tells how far it got. Guesses are tried VS__MD5_LANES at a time; the budget
 * is charged as if one by one, up to the first that matched, so the verdicts, the credit and the
 * count of guesses are those of trying them in order. */
static verdict test_all(weak *w, const cred *c, uint32_t from_rank)
{
    verdict v = {0};
    v.next_rank = from_rank;
    if (from_rank <= 1) {
        /* at most 8 context guesses: empty, user, 2 extensions, user123, 2 ext123, reversed */
        enum { CONTEXT_MAX = 8 };
        _Static_assert(VS__MD5_LANES >= CONTEXT_MAX, "the context guesses fit one batch");
        char bufs[CONTEXT_MAX][WORD_LEN_MAX + 8];
        const char *pw[CONTEXT_MAX];
        size_t pl[CONTEXT_MAX];
        uint8_t kinds[CONTEXT_MAX], exts[CONTEXT_MAX];
        size_t n = 0;
        for (uint8_t k = K_EMPTY; k < K_LIST; k++) {
            for (uint8_t e = 0; e < 2 && n < CONTEXT_MAX; e++) {
                if ((k == K_EXT || k == K_EXT123) ? (c->ext[e][0] == '\0') : e > 0)
                    continue;
                if (!kind_password(w, c, k, 0, e, bufs[n], &pw[n], &pl[n]))
                    continue;
                kinds[n] = k;
                exts[n] = e;
                n++;
            }
        }
        size_t hit = first_match(w, c, pw, pl, n);
        if (hit < n) {
            v.kind = kinds[hit];
            v.ext = exts[hit];
            return v;
        }
    }
    uint32_t r = from_rank ? from_rank : 1;
    while (r <= w->nwords) {
        /* the entries the budget allows from r on, at most one batch */
        const char *pw[VS__MD5_LANES];
        size_t pl[VS__MD5_LANES];
        uint64_t credit = w->credit;
        size_t k = 0;
        while (k < VS__MD5_LANES && r + k <= w->nwords) {
            if (r + k > FREE_RANKS) {
                if (credit == 0)
                    break;
                credit--;
            }
            pw[k] = w->words + w->offs[r + k - 1];
            pl[k] = w->lens[r + k - 1];
            k++;
        }
        if (k == 0)
            break; /* out of credit */
        size_t hit = first_match(w, c, pw, pl, k);
        for (size_t i = 0; i < k; i++, r++) {
            if (r > FREE_RANKS)
                w->credit--;
            w->guesses++;
            if (i == hit) {
                v.kind = K_LIST;
                v.rank = r;
                v.next_rank = (uint32_t)w->nwords + 1;
                return v;
            }
        }
    }
    v.next_rank = r;
    return v;
}

/* ---- the finding --------------------------------------------------------------------------- */

static void report(weak *w, const cred *c, verdict v, unsigned status, int64_t ts)
{
    unsigned char key[IPKEY_MAX + 64];
    size_t n = vs__ip_key(&c->src, key);
    size_t ul = strlen(c->user);
    memcpy(key + n, c->user, ul);
    bool created;
    vs__incident *inc = vs__incident_hit(w->m, RULE, key, n + ul, c->ts, ts, 1, &created);
    if (!created)
        return;
    vs_finding *f = &inc->f;
    uint64_t count = f->count;
    int64_t first = f->first_seen_us, last = f->last_seen_us;
    vs_finding_init(f, RULE, VS_PRACTICE_CREDENTIALS, VS_SEV_HIGH);
    f->count = count;
    f->first_seen_us = first;
    f->last_seen_us = last;
    vs__finding_src(f, &c->src, c->sport, c->transport);
    vs_ip_format(&c->dst, f->dst.ip, sizeof f->dst.ip);
    f->dst.port = c->dport;
    vs_finding_set(f->dst.transport, sizeof f->dst.transport, vs_transport_id(c->transport));
    vs_finding_set(f->user, sizeof f->user, c->user);

    char what[96];
    if (v.kind == K_LIST)
        snprintf(what, sizeof what, "on the list of common passwords (entry %u)", (unsigned)v.rank);
    else if (v.kind == K_EMPTY)
        snprintf(what, sizeof what, "empty");
    else
        snprintf(what, sizeof what, "%s", KIND_TEXT[v.kind]);
    vs_finding_setf(f->title, sizeof f->title, "Weak password in use by extension %s", c->user);
    vs_finding_setf(f->explain, sizeof f->explain,
                    "The phone or account %s at %s proved who it is to the phone system (its %s "
                    "was accepted) with a password that is %s. "
                    "voipsec found this by trying a few obvious guesses against the login it saw "
                    "on the network, which is exactly what attackers' tools do, only much faster. "
                    "Whoever guesses it can use this extension to make calls on your bill, listen "
                    "to its voicemail or pretend to be this person.",
                    c->user, f->src.ip, c->method, what);
    vs_finding_setf(f->advice, sizeof f->advice,
                    "Change the SIP password of %s now, on the phone system and on the phone. Use "
                    "a random secret of 16 characters or more, from `voipsec creds generate` or "
                    "the phone system's password generator: phones are provisioned, so nobody has "
                    "to type it. Then check the phone system for registrations of %s from "
                    "addresses you do not know, and for calls nobody remembers making.",
                    c->user, c->user);
    vs_evidence_str(f->evidence, sizeof f->evidence, "weakness", KIND_TEXT[v.kind]);
    if (v.kind == K_LIST)
        vs_evidence_int(f->evidence, sizeof f->evidence, "list_rank", v.rank);
    if (v.kind == K_EXT || v.kind == K_EXT123)
        vs_evidence_str(f->evidence, sizeof f->evidence, "extension", c->ext[v.ext]);
    vs_evidence_str(f->evidence, sizeof f->evidence, "realm", c->realm);
    vs_evidence_str(f->evidence, sizeof f->evidence, "method", c->method);
    vs_evidence_str(f->evidence, sizeof f->evidence, "algorithm", ALG_TEXT[c->alg]);
    vs_evidence_int(f->evidence, sizeof f->evidence, "answer", status);
    vs__incident_ready(w->m, inc);
}

/* A credential the server accepted: test it (once) and report a weak one. */
static void accepted(weak *w, const cred *c, unsigned status, int64_t ts)
{
    prepare(w, c);
    bool created;
    verdict *t = vs__lru_get(w->tested, c->key, 16, ts, true, &created);
    if (t && !created) {
        if (t->kind)
            report(w, c, *t, status, ts);
        return;
    }
    const char *ap[] = {c->user, c->realm};
    unsigned char akey[16];
    key_of(w, ap, 2, akey);
    verdict v = {0};
    verdict *acc = vs__lru_peek(w->accounts, akey, 16);
    bool done = false;
    if (acc && acc->kind) {
        done = try_kind(w, c, acc->kind, acc->rank, acc->ext);
        if (done)
            v = *acc;
    } else if (acc && acc->next_rank > w->nwords && ts - acc->tested_at < RECHECK_US) {
        done = true; /* found strong today */
    }
    if (!done) {
        uint32_t from = (acc && !acc->kind && acc->next_rank <= w->nwords) ? acc->next_rank : 1;
        bool was_unfinished = acc && !acc->kind && acc->next_rank > 1 && acc->next_rank <= w->nwords;
        v = test_all(w, c, from);
        v.tested_at = ts;
        bool unfinished = !v.kind && v.next_rank <= w->nwords;
        if (unfinished && !was_unfinished)
            w->unfinished++;
        else if (!unfinished && was_unfinished)
            w->unfinished--;
        acc = vs__monitor_lru_get(w->m, w->accounts, akey, 16, ts, true, &created);
        if (acc)
            *acc = v;
    }
    /* nothing since the lookup above used the tested table (only accounts and the hashing), so
     * t is still this credential's slot, and still the most recent: no second lookup */
    if (t)
        *t = v;
    if (v.kind)
        report(w, c, v, status, ts);
}

/* ---- events -------------------------------------------------------------------------------- */

static bool copy_field(vs_slice s, char *buf, size_t size)
{
    if (s.len >= size)
        return false;
    size_t o = 0;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (ch == '\\' && i + 1 < s.len)
            ch = s.ptr[++i];
        if (!ch)
            return false;
        buf[o++] = ch;
    }
    buf[o] = '\0';
    return true;
}

static bool is_accepted(const vs__event *ev)
{
    unsigned s = ev->status;
    return (s >= 180 && s < 400) || s == 486 || s == 600 || s == 603;
}

static void request(weak *w, const vs__event *ev)
{
    const vs_sip_auth *a = ev->auth;
    if (!a || !vs_slice_caseeq_str(a->scheme, "Digest") || !a->response.len || !a->nonce.len ||
        !ev->call_id.len)
        return;
    cred c;
    memset(&c, 0, sizeof c);
    if (!a->algorithm.len || vs_slice_caseeq_str(a->algorithm, "MD5"))
        c.alg = A_MD5;
    else if (vs_slice_caseeq_str(a->algorithm, "MD5-sess"))
        c.alg = A_MD5_SESS;
    else if (vs_slice_caseeq_str(a->algorithm, "SHA-256"))
        c.alg = A_SHA256;
    else if (vs_slice_caseeq_str(a->algorithm, "SHA-256-sess"))
        c.alg = A_SHA256_SESS;
    else
        return;
    if (!md_of(w, c.alg))
        return;
    if (!copy_field(a->username, c.user, sizeof c.user) || !c.user[0] ||
        !copy_field(a->realm, c.realm, sizeof c.realm) ||
        !copy_field(a->nonce, c.nonce, sizeof c.nonce) ||
        !copy_field(a->response, c.response, sizeof c.response) ||
        !copy_field(a->qop, c.qop, sizeof c.qop) ||
        !copy_field(a->cnonce, c.cnonce, sizeof c.cnonce) ||
        !copy_field(a->nc, c.nc, sizeof c.nc) ||
        !copy_field(ev->method_text, c.method, sizeof c.method))
        return;
    bool auth_int = false;
    if (c.qop[0]) {
        if (strcasecmp(c.qop, "auth-int") == 0)
            auth_int = true;
        else if (strcasecmp(c.qop, "auth") != 0)
            return;
        if (!c.cnonce[0] || !c.nc[0])
            return;
    }
    if ((c.alg == A_MD5_SESS || c.alg == A_SHA256_SESS) && !c.cnonce[0])
        return;
    /* HA2 = H(method:uri) or, for auth-int, H(method:uri:H(body)) */
    const EVP_MD *md = md_of(w, c.alg);
    char body_hash[EVP_MAX_MD_SIZE * 2 + 1];
    const char *bp[] = {ev->msg->body.ptr ? ev->msg->body.ptr : ""};
    size_t bl[] = {ev->msg->body.len};
    if (auth_int && !hash_hex(w, md, bp, bl, 1, body_hash))
        return;
    const char *p2[] = {c.method, a->uri.ptr ? a->uri.ptr : "", body_hash};
    size_t l2[] = {strlen(c.method), a->uri.len, auth_int ? strlen(body_hash) : 0};
    if (!hash_hex(w, md, p2, l2, auth_int ? 3 : 2, c.ha2))
        return;
    vs__slice_cstr(ev->from_user, c.ext[0], sizeof c.ext[0]);
    vs__slice_cstr(ev->to_user, c.ext[1], sizeof c.ext[1]);
    if (!strcmp(c.ext[0], c.user))
        c.ext[0][0] = '\0';
    if (!strcmp(c.ext[1], c.user) || !strcmp(c.ext[1], c.ext[0]))
        c.ext[1][0] = '\0';
    const char *kp[] = {c.user, c.realm, c.nonce, c.cnonce, c.nc, c.response, c.ha2};
    key_of(w, kp, 7, c.key);
    c.ts = ev->ts;
    c.src = ev->pl->src;
    c.dst = ev->pl->dst;
    c.sport = ev->pl->sport;
    c.dport = ev->pl->dport;
    c.transport = ev->pl->transport;

    cred *p = vs__txn_request(w->pending, w->m, ev);
    if (p)
        *p = c;
}

static void weak_event(void *self, const vs__event *ev)
{
    weak *w = self;
    if (w->credit < CREDIT_MAX)
        w->credit += CREDIT_PER_MESSAGE;
    if (ev->request) {
        if (ev->method != VS_SIP_METHOD_ACK && ev->method != VS_SIP_METHOD_CANCEL)
            request(w, ev);
        return;
    }
    if (ev->status < 180 || !ev->call_id.len)
        return;
    cred c;
    if (!vs__txn_answer(w->pending, ev, &c, sizeof c))
        return; /* one verdict per transaction */
    if (is_accepted(ev))
        accepted(w, &c, ev->status, ev->ts);
}

static void weak_tick(void *self, int64_t now)
{
    weak *w = self;
    vs__txn_expire(w->pending, now);
}

/* Say so when the budget left accounts partly tested: silence would read as "all strong". */
static void weak_finish(void *self)
{
    weak *w = self;
    if (!w->unfinished)
        return;
    vs_finding f;
    vs_finding_init(&f, RULE, VS_PRACTICE_CREDENTIALS, VS_SEV_INFO);
    f.count = w->unfinished;
    vs_finding_setf(f.title, sizeof f.title,
                    "Password strength of %llu accounts only partly tested",
                    (unsigned long long)w->unfinished);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "The monitor checks the passwords of accounts that log in against a list of weak "
                    "passwords, with a budget of guesses per message so that it keeps up with the "
                    "traffic. %llu accounts logged in too often for the budget to cover the whole "
                    "list; the most common weak passwords were tried for every one of them.",
                    (unsigned long long)w->unfinished);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Run `voipsec monitor` on a longer capture, or audit the PBX configuration "
                   "(`voipsec audit`), which checks every secret in full.");
    vs_evidence_int(f.evidence, sizeof f.evidence, "accounts_partly_tested", (int64_t)w->unfinished);
    vs_evidence_int(f.evidence, sizeof f.evidence, "guesses", (int64_t)w->guesses);
    vs__monitor_emit(w->m, &f);
}

const vs__detector_ops vs__detect_weak_credential = {
    .rule = RULE,
    .create = weak_create,
    .event = weak_event,
    .tick = weak_tick,
    .finish = weak_finish,
    .destroy = weak_destroy,
};
