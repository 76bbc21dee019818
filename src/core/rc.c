/* Result code names and texts: one table so that vs_rc_str and vs_rc_name never disagree. */
#include <voipsec/core.h>

static const struct {
    int rc;
    const char *name;
    const char *text;
} rc_table[] = {
    {VS_OK, "VS_OK", "success"},
    {VS_E_NOMEM, "VS_E_NOMEM", "out of memory"},
    {VS_E_INVAL, "VS_E_INVAL", "invalid argument"},
    {VS_E_PARSE, "VS_E_PARSE", "input is not well-formed"},
    {VS_E_INCOMPLETE, "VS_E_INCOMPLETE", "more input is needed"},
    {VS_E_LIMIT, "VS_E_LIMIT", "a limit was reached"},
    {VS_E_IO, "VS_E_IO", "input/output error"},
    {VS_E_NOTFOUND, "VS_E_NOTFOUND", "not found"},
};

const char *vs_rc_str(int rc)
{
    for (size_t i = 0; i < sizeof rc_table / sizeof rc_table[0]; i++)
        if (rc_table[i].rc == rc)
            return rc_table[i].text;
    return "unknown error";
}

const char *vs_rc_name(int rc)
{
    for (size_t i = 0; i < sizeof rc_table / sizeof rc_table[0]; i++)
        if (rc_table[i].rc == rc)
            return rc_table[i].name;
    return "VS_E_UNKNOWN";
}
