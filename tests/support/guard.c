/* Guard-page copies for parser tests (see guard.h). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t span(size_t len)
{
    size_t ps = page_size();
    return ((len + ps - 1) / ps) * ps + ps;
}

char *vs_guard_copy(const void *data, size_t len)
{
    size_t total = span(len);
    char *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        abort();
    }
    char *guard = base + total - page_size();
    if (mprotect(guard, page_size(), PROT_NONE) != 0) {
        perror("mprotect");
        abort();
    }
    char *copy = guard - len;
    if (len)
        memcpy(copy, data, len);
    return copy;
}

void vs_guard_free(char *copy, size_t len)
{
    if (!copy)
        return;
    size_t total = span(len);
    char *guard = copy + len;
    munmap(guard + page_size() - total, total);
}
