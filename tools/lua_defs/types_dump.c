/*
 * types_dump.c - prints the typed views a scenario has (sim/ke/types.h: the
 * structures T() declares and T(p) views, with their fields), one line
 * each, "TYPE" or "TYPE FIELD KIND SUB", for tools/gen_lua_defs.py. Built
 * and run at build time, so the editor definitions follow the table.
 */
#include <stdio.h>

#include "ke/types.h"

static const char *kind_name(ke_field_kind k)
{
    switch (k) {
    case KE_FIELD_U8:
    case KE_FIELD_U16:
    case KE_FIELD_U32:
    case KE_FIELD_U64:
    case KE_FIELD_UPTR:
        return "integer";
    case KE_FIELD_PTR:
        return "pointer";
    case KE_FIELD_SUB:
        return "sub";
    case KE_FIELD_ROUTINE:
        return "routine";
    }
    return "integer";
}

int main(void)
{
#define TYPE_LINE(type, x64, x86) printf("%s\n", #type);
    KE_TYPES(TYPE_LINE)
#undef TYPE_LINE
#define FIELD_LINE(type, field, kind, x64, x86) printf("%s %s %s -\n", #type, #field, kind_name(kind));
    KE_FIELDS(FIELD_LINE)
#undef FIELD_LINE
#define TYPED_LINE(type, field, kind, x64, x86, sub)                                               \
    printf("%s %s %s %s\n", #type, #field, kind_name(kind), #sub);
    KE_TYPED_FIELDS(TYPED_LINE)
#undef TYPED_LINE
    return 0;
}
