/*
 * types.c - structure layouts shared by the kernel and the binding.
 */
#include <stdint.h>
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

/* A direct-mapped cache of lookups by (type, name pointer): the kernel's
 * KE_FIELD(...) names are string literals, the binding's interned Lua
 * strings, so a name is usually the same pointer each time. A hit is
 * checked by content (a pointer may be reused for another string), so the
 * cache changes nothing but the time: the table scan was most of a PnP
 * operation's instructions. drvsim is single-threaded. */
#define FIELD_CACHE_SLOTS 512u
static struct {
    const char *name;
    ke_type_id type;
    const ke_field *field;
} field_cache[FIELD_CACHE_SLOTS];

const ke_field *ke_type_field(ke_type_id type, const char *name)
{
    size_t slot = (((uintptr_t)name >> 3) ^ ((size_t)type * 0x9E37u)) & (FIELD_CACHE_SLOTS - 1u);
    if (field_cache[slot].name == name && field_cache[slot].type == type &&
        strcmp(field_cache[slot].field->name, name) == 0)
        return field_cache[slot].field;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i].type == type && strcmp(fields[i].name, name) == 0) {
            field_cache[slot].name = name;
            field_cache[slot].type = type;
            field_cache[slot].field = &fields[i];
            return &fields[i];
        }
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
