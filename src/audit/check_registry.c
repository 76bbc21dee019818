/* Every audit check, by file area. Adding a check: its entry in its area's array (with a stable
 * dotted id), a test that fires on a bad config and stays silent on the hardened example, and a
 * line in docs/audit-checks.md. */
#include "audit/check.h"

#include <stddef.h>

/* Each area file exports a NULL-terminated array of pointers to its checks. Plain references:
 * they are what pulls each area's object out of the static library into the binary. */
#define AREA(name) extern const vs__audit_check *const name[]
AREA(vs__checks_ast_sip);
AREA(vs__checks_ast_dialplan);
AREA(vs__checks_ast_manager);
AREA(vs__checks_freeswitch);
AREA(vs__checks_kamailio);
AREA(vs__checks_credentials);

size_t vs__audit_areas(vs__check_list *out, size_t cap)
{
    const vs__check_list all[] = {
        vs__checks_ast_sip,    vs__checks_ast_dialplan, vs__checks_ast_manager,
        vs__checks_freeswitch, vs__checks_kamailio,     vs__checks_credentials,
    };
    size_t k = 0;
    for (; k < sizeof all / sizeof all[0] && k < cap; k++)
        out[k] = all[k];
    return k;
}
