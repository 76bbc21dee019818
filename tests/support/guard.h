/* Test support: place input so that its last byte sits right before an unreadable page, as
 * picohttpparser's tests do, so that any read past the end faults at once (with or without ASan). */
#ifndef VS_TEST_GUARD_H
#define VS_TEST_GUARD_H
#include <stddef.h>

/* Copies len bytes of data to a fresh mapping ending at a PROT_NONE page. Returns the copy
 * (never NULL: aborts the test program on mmap failure). Free with vs_guard_free. */
char *vs_guard_copy(const void *data, size_t len);
void vs_guard_free(char *copy, size_t len);

#endif
