/*
 * types.c - structure layouts shared by the kernel and the binding.
 */
#include <string.h>

#include "ke/types.h"
#include "mm/mm.h"

const ke_type ke_types[KE_TYPE_COUNT] = {[KE_TYPE_NONE] = {"", {0, 0}},
#define KE_TYPE_ROW(type, x64, x86) [KE_TYPE_##type] = {#type, {x64, x86}},
                                         KE_TYPES(KE_TYPE_ROW)
#undef KE_TYPE_ROW
};

static const ke_field fields[] = {
#define KE_FIELD_ROW(type, field, kind, x64, x86)                                                  \
    {KE_TYPE_##type, #field, kind, {x64, x86}, KE_TYPE_NONE},
    KE_FIELDS(KE_FIELD_ROW)
#undef KE_FIELD_ROW
#define KE_TYPED_FIELD_ROW(type, field, kind, x64, x86, sub)                                       \
    {KE_TYPE_##type, #field, kind, {x64, x86}, KE_TYPE_##sub},
        KE_TYPED_FIELDS(KE_TYPED_FIELD_ROW)
#undef KE_TYPED_FIELD_ROW
};

const ke_field *ke_type_field(ke_type_id type, const char *name)
{
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i].type == type && strcmp(fields[i].name, name) == 0)
            return &fields[i];
    }
    return NULL;
}

size_t ke_field_size(ke_arch arch, const ke_field *f)
{
    switch (f->kind) {
    case KE_FIELD_U8:
        return 1;
    case KE_FIELD_U16:
        return 2;
    case KE_FIELD_U32:
        return 4;
    case KE_FIELD_PTR:
    case KE_FIELD_UPTR:
    case KE_FIELD_ROUTINE:
        return arch == KE_ARCH_X86 ? 4 : 8;
    case KE_FIELD_U64:
        return 8;
    case KE_FIELD_SUB:
        return 0;
    }
    return 0;
}

bool ke_field_get(ke_call *call, PVOID_VA va, const ke_field *f, uint64_t *v)
{
    ke_arch arch = call->m->config.arch;
    *v = 0;
    return mm_access(call, va + f->offset[arch], v, ke_field_size(arch, f), false);
}

bool ke_field_set(ke_call *call, PVOID_VA va, const ke_field *f, uint64_t v)
{
    ke_arch arch = call->m->config.arch;
    return mm_access(call, va + f->offset[arch], &v, ke_field_size(arch, f), true);
}
