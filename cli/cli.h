/* voipsec CLI: shared declarations of the thin command-line layer over libvoipsec. */
#ifndef VS_CLI_H
#define VS_CLI_H

#include <stdio.h>
#include <voipsec/voipsec.h>
#include <voipsec/monitor.h>

/* Exit codes, as in docs/cli/README.md. */
enum { VS_EXIT_OK = 0, VS_EXIT_FINDINGS = 1, VS_EXIT_USAGE = 2 };

typedef struct vs_cli_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} vs_cli_cmd;

int vs_cmd_sip(int argc, char **argv);
int vs_cmd_monitor(int argc, char **argv);
int vs_cmd_audit(int argc, char **argv);
int vs_cmd_creds(int argc, char **argv);
int vs_cmd_access(int argc, char **argv);
int vs_cmd_inventory(int argc, char **argv);
int vs_cmd_scan(int argc, char **argv);

/* JSON output helpers (json_out.c). Strings are escaped; invalid UTF-8 becomes U+FFFD. */
void vs_json_str(FILE *out, const char *p, size_t n);
void vs_json_slice(FILE *out, vs_slice s);
void vs_json_cstr(FILE *out, const char *s);

/* Where the data files are unless --data-dir says: $VOIPSEC_DATA_DIR, else the built-in path
 * (common.c). */
const char *vs_cli_data_dir(void);
/* argv[first..argc) joined with spaces into buf (cut to size), for the store's record of a run. */
void vs_cli_join_args(int argc, char **argv, int first, char *buf, size_t size);

/* Reads a whole file (or stdin for "-") into a malloc'd buffer, at most max bytes plus one so
 * that the caller can tell "too large". Returns 0, or -1 with errno set. */
int vs_read_file(const char *path, size_t max, char **buf, size_t *len);

#endif
