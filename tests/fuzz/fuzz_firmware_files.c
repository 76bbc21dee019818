/* libFuzzer target: the loaders of the user's own data files — fingerprint rules
 * (vs_fp_rules_load) and catalogue files (vs_catalogue_load), which `voipsec scan --fingerprints`
 * / `--catalogue` and `voipsec inventory` read from paths the user gives.
 *
 * The input is written to an anonymous in-memory file (memfd) and loaded through its /proc path,
 * as both kinds of file. Besides memory safety it checks that a refused file always comes with a
 * "PATH:LINE: ..." or "PATH: ..." message, and that a loaded catalogue's entries are terminated
 * and carry a line number inside the file. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include <voipsec/firmware.h>

#include "fuzz_common.h"

const char *const vs_fuzz_corpus_dirs[] = {NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("vs-fuzz-data", 0);
    if (fd < 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    const char *paths[] = {path};
    char err[512];

    err[0] = '\0';
    vs_fp_rules *rules = vs_fp_rules_load(paths, 1, err, sizeof err);
    if (!rules)
        VS_FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0);
    else if (vs_fp_rules_count(rules) > 0) {
        vs_fingerprint fp;
        vs_fp_match(rules, "Yealink SIP-T46S 66.86.0.15", 27, &fp);
    }
    vs_fp_rules_free(rules);

    err[0] = '\0';
    vs_catalogue *cat = vs_catalogue_load(paths, 1, err, sizeof err);
    if (!cat) {
        VS_FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0);
    } else {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        for (size_t i = 0; i < vs_catalogue_count(cat); i++) {
            const vs_vuln *v = vs_catalogue_entry(cat, i);
            VS_FUZZ_CHECK(v->line >= 1 && v->line <= lines);
            VS_FUZZ_CHECK(memchr(v->affected, '\0', sizeof v->affected) != NULL);
            vs_fuzz_touch_str(v->vendor);
            vs_fuzz_touch_str(v->cve);
            vs_fingerprint fp;
            memset(&fp, 0, sizeof fp);
            snprintf(fp.vendor, sizeof fp.vendor, "%s", v->vendor);
            snprintf(fp.model, sizeof fp.model, "X");
            snprintf(fp.version, sizeof fp.version, "1.2.3");
            vs_catalogue_match(cat, &fp, NULL, NULL);
        }
    }
    vs_catalogue_free(cat);
    close(fd);
    return 0;
}
