/* libFuzzer target: URI and address parsing (vs_sip_uri_parse, vs_sip_addr_parse), %-unescaping
 * (vs_sip_unescape) and the generic splitters (vs_sip_param_next, vs_sip_param_get,
 * vs_sip_list_next), on the whole input and on each list element of it.
 *
 * Besides memory safety it checks the contracts of sip.h: outputs point into the input, error
 * offsets lie within it, a parsed port agrees with its text, unescaping never writes past its
 * capacity and never grows the text, and parameter iteration always makes progress. */
#include <voipsec/sip.h>

#include "fuzz_common.h"

const char *const vs_fuzz_corpus_dirs[] = {"fuzz-seeds/pjsip-uri", "rfc5118", NULL};

typedef struct ctx {
    const char *buf;
    size_t len;
} ctx;

static void touch(const ctx *c, vs_slice s)
{
    vs_fuzz_touch(c->buf, c->len, s);
}

static void check_unescape(vs_slice s)
{
    /* Exact-size destination, then one too small by half: LIMIT, never an overflow. */
    size_t cap = s.len;
    char *dst = malloc(cap ? cap : 1);
    if (dst == NULL)
        abort();
    long n = vs_sip_unescape(s, dst, cap);
    VS_FUZZ_CHECK(n == VS_E_PARSE || n == VS_E_LIMIT || (n >= 0 && (size_t)n <= s.len));
    if (n >= 0) {
        unsigned char acc = 0;
        for (long i = 0; i < n; i++)
            acc ^= (unsigned char)dst[i];
        vs_fuzz_sink ^= acc;
    }
    if (n > 1) {
        long m = vs_sip_unescape(s, dst, (size_t)n - 1);
        VS_FUZZ_CHECK(m == VS_E_LIMIT || m == VS_E_PARSE);
    }
    free(dst);
}

static void check_params(const ctx *c, vs_slice params)
{
    touch(c, params);
    vs_slice rest = params, name, value;
    for (unsigned n = 0; n < 8192; n++) {
        size_t before = rest.len;
        vs_rc rc = vs_sip_param_next(&rest, &name, &value);
        VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_NOTFOUND || rc == VS_E_PARSE);
        if (rc != VS_OK)
            break;
        VS_FUZZ_CHECK(rest.len < before); /* progress */
        touch(c, name);
        touch(c, value);
        touch(c, rest);
        check_unescape(value);
    }
    static const char *const names[] = {"transport", "user", "lr", "maddr", "tag", "method"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        vs_slice v = VS_SLICE_NULL;
        vs_rc rc = vs_sip_param_get(params, names[i], &v);
        VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_NOTFOUND || rc == VS_E_PARSE);
        if (rc == VS_OK)
            touch(c, v);
    }
}

static void check_uri_fields(const ctx *c, const vs_sip_uri *uri)
{
    touch(c, uri->scheme);
    touch(c, uri->user);
    touch(c, uri->password);
    touch(c, uri->host);
    touch(c, uri->port_text);
    touch(c, uri->headers);
    touch(c, uri->opaque);
    check_params(c, uri->params);
    check_unescape(uri->user);
    check_unescape(uri->password);
    check_unescape(uri->headers);
    if (uri->port_text.len) {
        uint64_t port = 0;
        vs_rc rc = vs_sip_uint_parse(uri->port_text, 65535, &port);
        VS_FUZZ_CHECK(rc == VS_OK && port == uri->port);
    }
    if (uri->host_ipv6)
        VS_FUZZ_CHECK(uri->host.len >= 2 && uri->host.ptr[0] == '[');
}

static void check_one(const ctx *c, vs_slice s)
{
    size_t err = (size_t)-1;
    vs_sip_uri uri;
    vs_rc rc = vs_sip_uri_parse(s, &uri, &err);
    VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_PARSE);
    if (rc == VS_OK)
        check_uri_fields(c, &uri);
    else
        VS_FUZZ_CHECK(err <= s.len);

    vs_sip_addr addr;
    err = (size_t)-1;
    rc = vs_sip_addr_parse(s, &addr, &err);
    VS_FUZZ_CHECK(rc == VS_OK || rc == VS_E_PARSE);
    if (rc == VS_OK) {
        touch(c, addr.display);
        touch(c, addr.uri_text);
        touch(c, addr.tag);
        check_params(c, addr.params);
        if (!addr.star) {
            check_uri_fields(c, &addr.uri);
            /* The URI inside an address parses the same way on its own. */
            vs_sip_uri again;
            size_t e2;
            VS_FUZZ_CHECK(vs_sip_uri_parse(addr.uri_text, &again, &e2) == VS_OK);
            VS_FUZZ_CHECK(again.scheme_id == addr.uri.scheme_id && again.port == addr.uri.port);
            VS_FUZZ_CHECK(vs_slice_eq(again.host, addr.uri.host));
        }
    } else {
        VS_FUZZ_CHECK(err <= s.len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = vs_fuzz_dup(data, size);
    ctx c = {buf, size};
    vs_slice all = vs_slice_make(buf, size);

    check_one(&c, all);
    check_unescape(all);
    check_params(&c, all);

    vs_slice rest = all, item;
    for (unsigned n = 0; n < 4096 && vs_sip_list_next(&rest, &item); n++) {
        touch(&c, item);
        touch(&c, rest);
        check_one(&c, item);
    }

    /* The text after the first ';' as a parameter list, as in a URI or header value. */
    for (size_t i = 0; i < size; i++) {
        if (buf[i] == ';') {
            check_params(&c, vs_slice_make(buf + i, size - i));
            break;
        }
    }

    free(buf);
    return 0;
}
