/* Test support for the audit check tests: run vs_audit_path on a fixture under the seed policy,
 * collect the findings and check them (rule, file, line, severity, texts, no secret leaked). */
#ifndef VS_TEST_AUDIT_HARNESS_H
#define VS_TEST_AUDIT_HARNESS_H
#include <stdbool.h>
#include <stddef.h>

#include <voipsec/audit.h>

/* A line number that matches a finding on any line (0 matches line 0 only). */
#define AH_ANY_LINE 0xffffffffu

/* The findings of one audit run. */
typedef struct audit_results {
    vs_finding *v;
    size_t n, cap;
    const char *only; /* collect only rules starting with this (NULL: all) */
    const char *root; /* NULL: the file names given to the helpers are suffixes of a finding's
                       * path; else paths under root, compared after realpath */
} audit_results;

/* Audits dir<name> (a file or directory) under the seed policy of the data files in data_dir
 * and returns the findings whose rule starts with only (all when NULL). With files_under_dir the
 * helpers name files as paths under dir, otherwise as suffixes (see audit_results). Fails the test
 * when the audit cannot run or returns an error. VS_TEST_DUMP=1 prints every finding. ah_run
 * takes the data of this source tree. */
audit_results ah_run_in(const char *data_dir, const char *dir, const char *name, const char *only,
                        bool files_under_dir);
#define ah_run(dir, name, only, files_under_dir)                                                   \
    ah_run_in(VS_SOURCE_DIR "/data", (dir), (name), (only), (files_under_dir))

/* Audits tests/fixtures/audit/<area>/<name> of the source tree source_dir (<name> itself, below
 * source_dir, when area is NULL) with ah_run_in (all rules, files named by suffix) into a static
 * audit_results that the next call empties and reuses. ah_audit_dir takes this source tree. */
audit_results *ah_audit_dir_in(const char *source_dir, const char *area, const char *name);
#define ah_audit_dir(area, name) ah_audit_dir_in(VS_SOURCE_DIR, (area), (name))

/* Frees the findings of r and empties it. */
void ah_free(audit_results *r);

/* The first finding of rule in file (NULL: any file) at line (AH_ANY_LINE: any); NULL if none. */
const vs_finding *ah_find(const audit_results *r, const char *rule, const char *file,
                          unsigned line);

/* How many findings of rule r holds. */
size_t ah_count(const audit_results *r, const char *rule);

/* Prints every finding of r after a failed lookup of want at file:line, to explain the failure. */
void ah_dump(const audit_results *r, const char *want, const char *file, unsigned line);

/* Asserts a finding of rule in file at line with severity sev, a title, an explanation and
 * advice; returns it (a blank finding, never NULL, when the test has failed). */
const vs_finding *ah_expect_at(const audit_results *r, const char *rule, const char *file,
                               unsigned line, vs_severity sev);

/* ah_expect_at, and the finding's evidence is a JSON object. */
const vs_finding *ah_expect_json_at(const audit_results *r, const char *rule, const char *file,
                                    unsigned line, vs_severity sev);

/* ah_expect_json_at at the first line of root/file that contains needle (which must exist). */
const vs_finding *ah_expect_line(const audit_results *r, const char *rule, const char *file,
                                 const char *needle, vs_severity sev);

/* Asserts that r holds exactly n findings of rule. */
void ah_expect_count(const audit_results *r, const char *rule, size_t n);

/* Asserts that r holds no finding of any of the n rules. */
void ah_expect_none(const audit_results *r, const char *const *rules, size_t n);

/* 1-based number of the nth line of root/file that contains needle (0 when none). */
unsigned ah_line_of(const char *root, const char *file, const char *needle, unsigned nth);

/* Every finding of r written as JSON and as text, followed by its raw title, explanation,
 * advice, user and evidence, in one string (caller frees; never NULL). */
char *ah_all_output(const audit_results *r);

/* Asserts that none of the n secrets appears in out (ignoring case when nocase; also without
 * its first character when tails). label names the run in the message. */
void ah_expect_no_secret(const char *out, const char *label, const char *const *secrets, size_t n,
                         bool nocase, bool tails);

#endif
