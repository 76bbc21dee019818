/* Plain replay driver for the libFuzzer targets: no libFuzzer needed, so that every seed, every
 * crash reproducer and the relevant part of the shared public corpus run in every build (release,
 * ASan+UBSan) under CTest.
 *
 * Usage: replay_<target> [PATH...] [--corpus-root DIR]
 *   PATH             a file (replayed) or a directory (every regular file below it, recursively,
 *                    in sorted order; symbolic links inside directories are not followed)
 *   --corpus-root D  the shared corpus root: replays D/<sub> for each <sub> of the target's
 *                    optional vs_fuzz_corpus_dirs list; a target without that list gets all of D.
 * Each file is read whole (files above 1 MiB are skipped with a note) into a malloc'd buffer of
 * exactly its size and given to LLVMFuzzerTestOneInput. Paths that do not exist are skipped with
 * a note. Prints "N inputs replayed" and exits 0, or exits 77 (CTest: skipped) with the reason
 * when no input exists at all, or 2 on a usage or read error. A crash in the target is the
 * target's own abort or sanitizer report: the last "replaying PATH" line on stderr (printed with
 * VS_REPLAY_VERBOSE=1, or always for single files) names the culprit. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_FILE (1u << 20)
#define REPLAY_MAX_DEPTH 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Both optional: a target may define them (libFuzzer's own convention for the first). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
extern const char *const vs_fuzz_corpus_dirs[] __attribute__((weak));

typedef struct replay_stats {
    size_t replayed;
    size_t skipped_large;
    size_t missing;
    int read_errors;
    int verbose;
} replay_stats;

static int replay_file(const char *path, replay_stats *st)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        st->read_errors++;
        return -1;
    }
    /* Read up to one byte more than the bound to tell "too large" without trusting st_size. */
    size_t cap = 64 * 1024, len = 0;
    unsigned char *buf = malloc(cap);
    int rc = 0;
    if (buf == NULL)
        goto fail_nomem;
    for (;;) {
        if (len == cap) {
            if (cap > REPLAY_MAX_FILE)
                break;
            size_t ncap = cap * 2 > REPLAY_MAX_FILE + 1 ? REPLAY_MAX_FILE + 1 : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (nb == NULL)
                goto fail_nomem;
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: read error on %s\n", path);
        st->read_errors++;
        rc = -1;
        goto done;
    }
    if (len > REPLAY_MAX_FILE) {
        printf("replay: skipping %s (larger than %u bytes)\n", path, REPLAY_MAX_FILE);
        st->skipped_large++;
        goto done;
    }
    /* The target sees exactly len bytes: a fresh buffer of that size, no terminator. */
    unsigned char *exact = malloc(len); /* size 0: a zero-size block that ASan guards */
    if (exact == NULL && len == 0)
        exact = malloc(1);
    if (exact == NULL)
        goto fail_nomem;
    if (len)
        memcpy(exact, buf, len);
    if (st->verbose)
        fprintf(stderr, "replaying %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    st->replayed++;
done:
    free(buf);
    fclose(f);
    return rc;
fail_nomem:
    fprintf(stderr, "replay: out of memory reading %s\n", path);
    free(buf);
    fclose(f);
    st->read_errors++;
    return -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_path(const char *path, int depth, int top, replay_stats *st);

static void replay_dir(const char *path, int depth, replay_stats *st)
{
    if (depth > REPLAY_MAX_DEPTH) {
        printf("replay: %s: deeper than %d levels, not entered\n", path, REPLAY_MAX_DEPTH);
        return;
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open directory %s: %s\n", path, strerror(errno));
        st->read_errors++;
        return;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (nn == NULL)
                goto nomem;
            names = nn;
            cap = ncap;
        }
        size_t plen = strlen(path), nlen = strlen(e->d_name);
        char *full = malloc(plen + 1 + nlen + 1);
        if (full == NULL)
            goto nomem;
        memcpy(full, path, plen);
        full[plen] = '/';
        memcpy(full + plen + 1, e->d_name, nlen + 1);
        names[count++] = full;
    }
    closedir(d);
    d = NULL;
    if (count)
        qsort(names, count, sizeof *names, cmp_str);
    for (size_t i = 0; i < count; i++)
        replay_path(names[i], depth + 1, 0, st);
    goto done;
nomem:
    fprintf(stderr, "replay: out of memory listing %s\n", path);
    st->read_errors++;
done:
    if (d != NULL)
        closedir(d);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* top: a path from the command line (followed if it is a symbolic link, note if absent). */
static void replay_path(const char *path, int depth, int top, replay_stats *st)
{
    struct stat sb;
    int r = top ? stat(path, &sb) : lstat(path, &sb);
    if (r != 0) {
        if (top) {
            printf("replay: %s does not exist, skipped\n", path);
            st->missing++;
        } else {
            fprintf(stderr, "replay: cannot stat %s: %s\n", path, strerror(errno));
            st->read_errors++;
        }
        return;
    }
    if (S_ISDIR(sb.st_mode))
        replay_dir(path, depth, st);
    else if (S_ISREG(sb.st_mode))
        replay_file(path, st);
}

static void replay_corpus_root(const char *root, replay_stats *st)
{
    struct stat sb;
    if (stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        printf("replay: shared corpus %s is absent, skipped\n", root);
        st->missing++;
        return;
    }
    const char *const *dirs = vs_fuzz_corpus_dirs;
    if (dirs == NULL) {
        replay_path(root, 0, 1, st);
        return;
    }
    for (size_t i = 0; dirs[i] != NULL; i++) {
        size_t rlen = strlen(root), dlen = strlen(dirs[i]);
        char *full = malloc(rlen + 1 + dlen + 1);
        if (full == NULL) {
            fprintf(stderr, "replay: out of memory\n");
            st->read_errors++;
            return;
        }
        memcpy(full, root, rlen);
        full[rlen] = '/';
        memcpy(full + rlen + 1, dirs[i], dlen + 1);
        replay_path(full, 0, 1, st);
        free(full);
    }
}

int main(int argc, char **argv)
{
    replay_stats st = {0};
    const char *env = getenv("VS_REPLAY_VERBOSE");
    st.verbose = env != NULL && *env != '\0' && strcmp(env, "0") != 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s [FILE|DIR...] [--corpus-root DIR]\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc == 2 && strcmp(argv[1], "--corpus-root") != 0)
        st.verbose = 1; /* one path: most likely a reproducer, say what runs */

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--corpus-root") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "replay: --corpus-root needs a directory\n");
                return 2;
            }
            replay_corpus_root(argv[++i], &st);
        } else {
            replay_path(argv[i], 0, 1, &st);
        }
    }

    if (st.skipped_large)
        printf("replay: %zu file(s) above 1 MiB skipped\n", st.skipped_large);
    if (st.read_errors) {
        fprintf(stderr, "replay: %d read error(s)\n", st.read_errors);
        return 2;
    }
    if (st.replayed == 0) {
        printf("replay: no input found (%zu path(s) absent): nothing to replay\n", st.missing);
        return 77;
    }
    printf("%zu inputs replayed\n", st.replayed);
    return 0;
}
