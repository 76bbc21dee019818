/* JSON string output for the CLI: thin wrappers over the library's escaper, which keeps the
 * output valid JSON for any bytes (SIP carries NUL and raw UTF-8 in headers). */
#include "cli.h"

#include <string.h>

void vs_json_str(FILE *out, const char *p, size_t n)
{
    vs_json_write_str(out, p, n);
}

void vs_json_slice(FILE *out, vs_slice s)
{
    vs_json_write_str(out, s.ptr ? s.ptr : "", s.len);
}

void vs_json_cstr(FILE *out, const char *s)
{
    vs_json_write_str(out, s, strlen(s));
}
