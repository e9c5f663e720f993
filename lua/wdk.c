/*
 * wdk.c - the WDK's macros and inline helpers that compute rather than call
 * the kernel: ARGUMENT_PRESENT, ARRAYSIZE, the ALIGN_* and page macros of
 * wdm.h / ntdef.h, RTL_FIELD_SIZE, RTL_SIZEOF_THROUGH_FIELD,
 * RTL_CONSTANT_STRING, and ntintsafe.h's overflow-checked arithmetic
 * (RtlULongAdd and its family).
 *
 * Each gives what the C definition gives on the scenario's architecture: the
 * same formula, with no extra checking (an alignment that is not a power of
 * two gives C's garbage, not an error). A pointer argument gives a pointer
 * back where the C macro's result is a pointer.
 */
#include <string.h>

#include "binding.h"
#include "mm/mm.h"

#define STATUS_INTEGER_OVERFLOW ((NTSTATUS)0xC0000095u)

/* An integer or a pointer (its address); *is_ptr says which it was. */
static uint64_t check_uintptr(lua_State *L, int idx, const char *fn, bool *is_ptr)
{
    *is_ptr = false;
    if (lua_isinteger(L, idx))
        return (uint64_t)lua_tointeger(L, idx);
    if (lua_isnil(L, idx)) {
        *is_ptr = true;
        return 0;
    }
    bool ok = false;
    uint64_t va = lb_to_ptr(L, idx, &ok);
    if (!ok)
        lb_scenario_error(L, "%s: argument %d must be an integer or a pointer, got %s", fn, idx,
                          luaL_typename(L, idx));
    *is_ptr = true;
    return va;
}

static uint64_t ptr_mask(lua_State *L)
{
    return lb_get(L)->sc.arch == KE_ARCH_X86 ? 0xFFFFFFFFull : UINT64_MAX;
}

static int push_uintptr(lua_State *L, uint64_t v, bool is_ptr)
{
    v &= ptr_mask(L);
    if (is_ptr)
        lb_push_ptr(L, v);
    else
        lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

/* ARGUMENT_PRESENT(p): p is not NULL. What the binding passes as a Lua
 * value (DriverEntry's RegistryPath string, a table) is present. */
static int l_ARGUMENT_PRESENT(lua_State *L)
{
    luaL_checkany(L, 1);
    bool ok = false;
    uint64_t va = lua_isnil(L, 1) ? 0 : lua_isinteger(L, 1) ? (uint64_t)lua_tointeger(L, 1)
                                                             : lb_to_ptr(L, 1, &ok);
    lua_pushboolean(L, lua_isnil(L, 1) ? false : (ok || lua_isinteger(L, 1)) ? va != 0 : true);
    return 1;
}

/* ARRAYSIZE(a), RTL_NUMBER_OF(a): the elements of an array, a Lua table's
 * sequence here. */
static int l_ARRAYSIZE(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
    return 1;
}

/* ALIGN_UP_BY(Length, Alignment), ALIGN_UP_POINTER_BY(p, Alignment). */
static int align_by(lua_State *L, const char *fn, bool up, uint64_t alignment)
{
    bool is_ptr;
    uint64_t v = check_uintptr(L, 1, fn, &is_ptr);
    uint64_t a = alignment;
    if (up)
        v += a - 1;
    return push_uintptr(L, v & ~(a - 1), is_ptr);
}

static uint64_t check_alignment(lua_State *L)
{
    return (uint64_t)luaL_checkinteger(L, 2);
}

static int l_ALIGN_UP_BY(lua_State *L)
{
    return align_by(L, "ALIGN_UP_BY", true, check_alignment(L));
}

static int l_ALIGN_DOWN_BY(lua_State *L)
{
    return align_by(L, "ALIGN_DOWN_BY", false, check_alignment(L));
}

/* ALIGN_UP(Length, T), ALIGN_DOWN(Length, T): by sizeof(T). */
static uint64_t size_of(lua_State *L, int idx, const char *fn)
{
    ke_type_id t = lb_check_type(L, idx, fn);
    return ke_types[t].size[lb_get(L)->sc.arch];
}

static int l_ALIGN_UP(lua_State *L)
{
    return align_by(L, "ALIGN_UP", true, size_of(L, 2, "ALIGN_UP"));
}

static int l_ALIGN_DOWN(lua_State *L)
{
    return align_by(L, "ALIGN_DOWN", false, size_of(L, 2, "ALIGN_DOWN"));
}

/* The page macros of wdm.h. */
static int l_ROUND_TO_PAGES(lua_State *L)
{
    bool is_ptr;
    uint64_t v = check_uintptr(L, 1, "ROUND_TO_PAGES", &is_ptr);
    return push_uintptr(L, (v + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1), is_ptr);
}

static int l_BYTES_TO_PAGES(lua_State *L)
{
    bool is_ptr;
    uint64_t v = check_uintptr(L, 1, "BYTES_TO_PAGES", &is_ptr);
    lua_pushinteger(L, (lua_Integer)((v >> PAGE_SHIFT) + ((v & (PAGE_SIZE - 1)) != 0)));
    return 1;
}

static int l_BYTE_OFFSET(lua_State *L)
{
    bool is_ptr;
    uint64_t v = check_uintptr(L, 1, "BYTE_OFFSET", &is_ptr);
    lua_pushinteger(L, (lua_Integer)(v & (PAGE_SIZE - 1)));
    return 1;
}

static int l_PAGE_ALIGN(lua_State *L)
{
    bool is_ptr;
    uint64_t v = check_uintptr(L, 1, "PAGE_ALIGN", &is_ptr);
    return push_uintptr(L, v & ~(uint64_t)(PAGE_SIZE - 1), true);
}

static int l_ADDRESS_AND_SIZE_TO_SPAN_PAGES(lua_State *L)
{
    bool is_ptr;
    uint64_t va = check_uintptr(L, 1, "ADDRESS_AND_SIZE_TO_SPAN_PAGES", &is_ptr);
    uint64_t size = (uint64_t)luaL_checkinteger(L, 2);
    uint64_t pages =
        ((va & (PAGE_SIZE - 1)) + (size & 0xFFFFFFFFull) + (PAGE_SIZE - 1)) >> PAGE_SHIFT;
    lua_pushinteger(L, (lua_Integer)(pages & 0xFFFFFFFFull));
    return 1;
}

/* The size of a field's type on the scenario's arch. */
static uint64_t field_size(lua_State *L, const ke_field *f, ke_type_id sub)
{
    ke_arch arch = lb_get(L)->sc.arch;
    if (f->kind == KE_FIELD_SUB)
        return ke_types[sub].size[arch];
    return ke_field_size(arch, f);
}

/* RTL_FIELD_SIZE(T, "Field"): sizeof(((T *)0)->Field). */
static int l_RTL_FIELD_SIZE(lua_State *L)
{
    ke_type_id t = lb_check_type(L, 1, "RTL_FIELD_SIZE");
    const char *path = luaL_checkstring(L, 2);
    ke_type_id sub;
    const ke_field *f;
    lb_field_offset(L, t, path, "RTL_FIELD_SIZE", &sub, &f);
    lua_pushinteger(L, (lua_Integer)field_size(L, f, sub));
    return 1;
}

/* RTL_SIZEOF_THROUGH_FIELD(T, "Field"): FIELD_OFFSET + RTL_FIELD_SIZE, the
 * size of a structure version that ends with Field. */
static int l_RTL_SIZEOF_THROUGH_FIELD(lua_State *L)
{
    ke_type_id t = lb_check_type(L, 1, "RTL_SIZEOF_THROUGH_FIELD");
    const char *path = luaL_checkstring(L, 2);
    ke_type_id sub;
    const ke_field *f;
    uint64_t offset = lb_field_offset(L, t, path, "RTL_SIZEOF_THROUGH_FIELD", &sub, &f);
    lua_pushinteger(L, (lua_Integer)(offset + field_size(L, f, sub)));
    return 1;
}

/* RTL_CONSTANT_STRING("text"): a UNICODE_STRING and its UTF-16 buffer in
 * the caller's image, as RTL_CONSTANT_STRING(L"text") initialises one (Lua
 * cannot tell L"" from "": drvsim makes the UNICODE_STRING drivers use). */
static int l_RTL_CONSTANT_STRING(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TSTRING);
    PVOID_VA s = lb_check_ustr(L, 1, "RTL_CONSTANT_STRING", "String");
    lb_push_typed_ptr(L, s, KE_TYPE_UNICODE_STRING);
    return 1;
}

/*
 * ntintsafe.h: Rtl<Type><Op>(a, b, &result) -> status, result in Lua
 * (CONTRACT 4's out parameter). On overflow STATUS_INTEGER_OVERFLOW and the
 * type's error value (ULONG_ERROR, ...: all ones), as ntintsafe sets it.
 */
typedef enum { OP_ADD, OP_SUB, OP_MULT } int_op;

static int intsafe(lua_State *L, const char *fn, unsigned bits, int_op op)
{
    lua_Integer ia = luaL_checkinteger(L, 1), ib = luaL_checkinteger(L, 2);
    uint64_t max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    uint64_t a = (uint64_t)ia, b = (uint64_t)ib;
    if ((bits < 64 && (a > max || b > max)))
        lb_scenario_error(L, "%s: an argument does not fit in %u bits", fn, bits);
    uint64_t r = 0;
    bool overflow;
    switch (op) {
    case OP_ADD:
        overflow = __builtin_add_overflow(a, b, &r) || r > max;
        break;
    case OP_SUB:
        overflow = __builtin_sub_overflow(a, b, &r);
        break;
    default:
        overflow = __builtin_mul_overflow(a, b, &r) || r > max;
        break;
    }
    lb_push_status(L, overflow ? STATUS_INTEGER_OVERFLOW : STATUS_SUCCESS);
    lua_pushinteger(L, (lua_Integer)(overflow ? max : r));
    return 2;
}

#define INTSAFE(name, bits, op)                                                                    \
    static int l_##name(lua_State *L)                                                              \
    {                                                                                              \
        return intsafe(L, #name, bits, op);                                                        \
    }
INTSAFE(RtlUShortAdd, 16, OP_ADD)
INTSAFE(RtlUShortSub, 16, OP_SUB)
INTSAFE(RtlUShortMult, 16, OP_MULT)
INTSAFE(RtlULongAdd, 32, OP_ADD)
INTSAFE(RtlULongSub, 32, OP_SUB)
INTSAFE(RtlULongMult, 32, OP_MULT)
INTSAFE(RtlULongLongAdd, 64, OP_ADD)
INTSAFE(RtlULongLongSub, 64, OP_SUB)
INTSAFE(RtlULongLongMult, 64, OP_MULT)
#undef INTSAFE

/* SIZE_T and ULONG_PTR follow the architecture. */
static int l_RtlSizeTAdd(lua_State *L)
{
    return intsafe(L, "RtlSizeTAdd", lb_get(L)->sc.arch == KE_ARCH_X86 ? 32 : 64, OP_ADD);
}

static int l_RtlSizeTSub(lua_State *L)
{
    return intsafe(L, "RtlSizeTSub", lb_get(L)->sc.arch == KE_ARCH_X86 ? 32 : 64, OP_SUB);
}

static int l_RtlSizeTMult(lua_State *L)
{
    return intsafe(L, "RtlSizeTMult", lb_get(L)->sc.arch == KE_ARCH_X86 ? 32 : 64, OP_MULT);
}

/* wdmsec.h's SDDL strings for IoCreateDeviceSecure, by name (argument 1). */
static int make_sddl(lua_State *L)
{
    static const char *const sddl[][2] = {
        {"SDDL_DEVOBJ_KERNEL_ONLY", "D:P"},
        {"SDDL_DEVOBJ_SYS_ALL", "D:P(A;;GA;;;SY)"},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_ALL", "D:P(A;;GA;;;SY)(A;;GA;;;BA)"},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_RX", "D:P(A;;GA;;;SY)(A;;GRGX;;;BA)"},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R", "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)"},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R",
         "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGW;;;WD)(A;;GR;;;RC)"},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX",
         "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGWGX;;;WD)(A;;GRGWGX;;;RC)"},
    };
    const char *name = lua_tostring(L, 1);
    for (size_t i = 0; i < sizeof sddl / sizeof sddl[0]; i++) {
        if (strcmp(sddl[i][0], name) == 0) {
            lua_pushstring(L, sddl[i][1]);
            return 1;
        }
    }
    return 0;
}

void lb_register_wdk(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"ARGUMENT_PRESENT", l_ARGUMENT_PRESENT},
        {"ARRAYSIZE", l_ARRAYSIZE},
        {"RTL_NUMBER_OF", l_ARRAYSIZE},
        {"ALIGN_UP_BY", l_ALIGN_UP_BY},
        {"ALIGN_DOWN_BY", l_ALIGN_DOWN_BY},
        {"ALIGN_UP_POINTER_BY", l_ALIGN_UP_BY},
        {"ALIGN_DOWN_POINTER_BY", l_ALIGN_DOWN_BY},
        {"ALIGN_UP", l_ALIGN_UP},
        {"ALIGN_DOWN", l_ALIGN_DOWN},
        {"ROUND_TO_PAGES", l_ROUND_TO_PAGES},
        {"BYTES_TO_PAGES", l_BYTES_TO_PAGES},
        {"BYTE_OFFSET", l_BYTE_OFFSET},
        {"PAGE_ALIGN", l_PAGE_ALIGN},
        {"ADDRESS_AND_SIZE_TO_SPAN_PAGES", l_ADDRESS_AND_SIZE_TO_SPAN_PAGES},
        {"RTL_FIELD_SIZE", l_RTL_FIELD_SIZE},
        {"RTL_SIZEOF_THROUGH_FIELD", l_RTL_SIZEOF_THROUGH_FIELD},
        {"RTL_CONSTANT_STRING", l_RTL_CONSTANT_STRING},
        {"RtlUShortAdd", l_RtlUShortAdd},
        {"RtlUShortSub", l_RtlUShortSub},
        {"RtlUShortMult", l_RtlUShortMult},
        {"RtlULongAdd", l_RtlULongAdd},
        {"RtlULongSub", l_RtlULongSub},
        {"RtlULongMult", l_RtlULongMult},
        {"RtlULongLongAdd", l_RtlULongLongAdd},
        {"RtlULongLongSub", l_RtlULongLongSub},
        {"RtlULongLongMult", l_RtlULongLongMult},
        {"RtlSizeTAdd", l_RtlSizeTAdd},
        {"RtlSizeTSub", l_RtlSizeTSub},
        {"RtlSizeTMult", l_RtlSizeTMult},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, fns);
    /* wdmsec.h's SDDL strings for IoCreateDeviceSecure: resolved on first
     * use too. */
    static const luaL_Reg sddl[] = {
        {"SDDL_DEVOBJ_KERNEL_ONLY", make_sddl},
        {"SDDL_DEVOBJ_SYS_ALL", make_sddl},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_ALL", make_sddl},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_RX", make_sddl},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R", make_sddl},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R", make_sddl},
        {"SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX", make_sddl},
        {NULL, NULL},
    };
    lb_globals_defer_made(L, sddl);
    lua_pop(L, 1);
}
