/* Private to src/access/: the key file (access_key.c) and the chain (access_log.c). */
#ifndef VS_ACCESS_INTERNAL_H
#define VS_ACCESS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <voipsec/access.h>

#define VS__ACCESS_KEY_BYTES 32

/* Loads the key from path: a regular file of mode 0600 (or stricter) holding 64 hex digits and
 * an optional newline. When the file does not exist and may_create is true, makes a new key from
 * randombytes_buf, written to a temporary file (0600, fsync) then linked into place, so that two
 * processes creating it at once agree on one key. *created says whether this call made it.
 * VS_OK, or VS_E_NOTFOUND (absent and !may_create), VS_E_IO / VS_E_PARSE with a message in err. */
vs_rc vs__access_key_load(const char *path, bool may_create,
                          unsigned char key[VS__ACCESS_KEY_BYTES], bool *created, char *err,
                          size_t errlen);

#endif
