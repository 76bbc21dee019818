/* The access log's key file: 32 random bytes, hex, in a file of its own, mode 0600.
 *
 * Design: the key never enters the database (whoever can write the database must not be able to
 * recompute MACs). A key file that group or others may read is refused rather than silently
 * tightened: its secrecy is already in doubt, and the user should decide. A new key is written to
 * a private temporary file, fsynced, then link(2)ed to its name — link fails when the name exists,
 * so of two processes making the key at once, one wins and the other reads the winner's key. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "access/access_internal.h"

#define KEY_HEX (2 * VS__ACCESS_KEY_BYTES)

static vs_rc failf(char *err, size_t errlen, vs_rc rc, const char *path, const char *reason)
{
    if (err && errlen)
        snprintf(err, errlen, "access key file %s: %s", path, reason);
    return rc;
}

static vs_rc failw(char *err, size_t errlen, vs_rc rc, const char *path, const char *what,
                   const char *reason)
{
    if (err && errlen)
        snprintf(err, errlen, "access key file %s: %s: %s", path, what, reason);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static vs_rc read_key(const char *path, unsigned char key[VS__ACCESS_KEY_BYTES], char *err,
                      size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return VS_E_NOTFOUND;
        return failw(err, errlen, VS_E_IO, path, "cannot open",
                     errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    }
    struct stat sb;
    char buf[KEY_HEX + 3];
    ssize_t n = -1;
    vs_rc rc = VS_OK;
    if (fstat(fd, &sb) != 0) {
        rc = failw(err, errlen, VS_E_IO, path, "cannot stat", strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = failf(err, errlen, VS_E_IO, path, "not a regular file");
        goto out;
    }
    if (sb.st_mode & 077) {
        char why[128];
        snprintf(why, sizeof why,
                 "group or others may access it (mode %04o); the key may be known to others: "
                 "check who read it, then chmod 600 it",
                 (unsigned)(sb.st_mode & 07777));
        rc = failf(err, errlen, VS_E_IO, path, why);
        goto out;
    }
    n = read(fd, buf, sizeof buf);
    if (n < 0) {
        rc = failw(err, errlen, VS_E_IO, path, "cannot read", strerror(errno));
        goto out;
    }
    size_t len = (size_t)n;
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len != KEY_HEX) {
        rc = failf(err, errlen, VS_E_PARSE, path,
                   "wrong size: it must hold exactly 64 hex digits (a 32-byte key)");
        goto out;
    }
    for (size_t i = 0; i < VS__ACCESS_KEY_BYTES; i++) {
        int hi = hexval(buf[2 * i]), lo = hexval(buf[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            rc = failf(err, errlen, VS_E_PARSE, path,
                       "not a key: it must hold exactly 64 hex digits");
            sodium_memzero(buf, sizeof buf);
            goto out;
        }
        key[i] = (unsigned char)(hi << 4 | lo);
    }
    sodium_memzero(buf, sizeof buf);
out:
    close(fd);
    return rc;
}

static vs_rc create_key(const char *path, char *err, size_t errlen)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp)
        return failf(err, errlen, VS_E_NOMEM, path, "out of memory");
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    unsigned char key[VS__ACCESS_KEY_BYTES];
    char hex[KEY_HEX + 2];
    vs_rc rc = VS_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        rc = failw(err, errlen, VS_E_IO, path, "cannot create", strerror(errno));
        goto out;
    }
    (void)fchmod(fd, 0600); /* whatever the umask */
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    hex[KEY_HEX] = '\n';
    ssize_t w = write(fd, hex, KEY_HEX + 1);
    int werr = errno;
    sodium_memzero(key, sizeof key);
    sodium_memzero(hex, sizeof hex);
    if (w != KEY_HEX + 1 || fsync(fd) != 0) {
        rc = failw(err, errlen, VS_E_IO, path, "cannot write",
                   strerror(w < 0   ? werr
                            : errno ? errno
                                    : EIO));
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (link(tmp, path) != 0 && errno != EEXIST) /* EEXIST: another process won; read its key */
        rc = failw(err, errlen, VS_E_IO, path, "cannot create", strerror(errno));
    unlink(tmp);
out:
    free(tmp);
    return rc;
}

vs_rc vs__access_key_load(const char *path, bool may_create,
                          unsigned char key[VS__ACCESS_KEY_BYTES], bool *created, char *err,
                          size_t errlen)
{
    *created = false;
    vs_rc rc = read_key(path, key, err, errlen);
    if (rc != VS_E_NOTFOUND || !may_create)
        return rc;
    if (sodium_init() < 0)
        return failf(err, errlen, VS_E_IO, path, "libsodium could not start");
    rc = create_key(path, err, errlen);
    if (rc != VS_OK)
        return rc;
    *created = true;
    return read_key(path, key, err, errlen);
}
