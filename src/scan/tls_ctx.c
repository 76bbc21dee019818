/* OpenSSL client contexts for the scanner. The scanner inspects certificates, it does not trust
 * them: verification is off, and the security level is lowered to 0 (with the cipher list "ALL"
 * at level 0) so that TLS 1.0 and 1.1 servers and weak ciphers can still be handshaken with and
 * reported. Each caller gets its own context; contexts are thread-safe once built. */
#include <openssl/ssl.h>

#include "scan/scan_internal.h"

SSL_CTX *vs__tls_client_ctx(int min_version, int max_version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") != 1)
        goto fail;
    if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1)
        goto fail;
    if (SSL_CTX_set_max_proto_version(ctx, max_version) != 1)
        goto fail;
    /* No session resumption: every probe is a fresh handshake we can inspect. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}
