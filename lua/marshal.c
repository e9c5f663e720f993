/*
 * marshal.c - the argument checks and result pushes of the generated DDI
 * wrappers (ddi_lua.c): each Lua value checked and converted to its C type
 * as sim/ddi.tbl names it, with an error that names the routine and the
 * parameter; and the C results pushed back as the scenario sees them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "ex/pool.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "vf/vf.h"

/* ------------------------------------------------------------------------ */
/* Argument checks                                                          */
/* ------------------------------------------------------------------------ */

static lua_Integer check_integer(lua_State *L, int arg, const char *fn, const char *param)
{
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, arg, &isnum);
    if (!isnum)
        lb_scenario_error(L, "%s: %s (argument %d) must be an integer, got %s", fn, param, arg,
                          luaL_typename(L, arg));
    return v;
}

_Noreturn void lb_bad_irql(lua_State *L, int arg, const char *fn, const char *param)
{
    lua_Integer v = check_integer(L, arg, fn, param);
    lb_scenario_error(L, "%s: %s (argument %d) is not a KIRQL: %lld", fn, param, arg, (long long)v);
}

/* SIZE_T and ULONG_PTR are 32 bits on x86: a larger value cannot be passed
 * (C would truncate it silently; a scenario is told). */
static uint64_t check_pointer_sized(lua_State *L, int arg, const char *fn, const char *param,
                                    uint64_t v)
{
    if (lb_get(L)->sc.arch == KE_ARCH_X86 && v > 0xFFFFFFFFull)
        lb_scenario_error(L,
                          "%s: %s (argument %d) does not fit the 32 bits it has on x86: "
                          "0x%llX",
                          fn, param, arg, (unsigned long long)v);
    return v;
}

PVOID_VA lb_object_storage(lua_State *L, uint32_t bytes, uint32_t align, const char *what)
{
    lb_state *lb = lb_get(L);
    if (lb->m == NULL || lb->current == NULL)
        lb_scenario_error(L, "%s can only be made inside run() and driver routines", what);
    const ke_frame *frame = ke_top_frame(lb->current);
    PVOID_VA va;
    if (frame != NULL && frame->driver != NULL)
        va = io_image_storage(lb->m, frame->driver, bytes, align);
    else
        va = ex_alloc_internal(lb->m, NonPagedPool, bytes, 0x6E726148u /* "Harn" */);
    if (va == 0)
        lb_scenario_error(L, "%s: no room left for it (a driver image holds 1 MiB of data)", what);
    return va;
}

/* UTF-8 to UTF-16LE (out has room for len units): a byte that does not
 * start a valid sequence stands for itself, as Latin-1. */
static size_t utf8_to_utf16(const unsigned char *s, size_t len, uint16_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp = s[i];
        size_t extra = cp >= 0xF0 && cp <= 0xF4   ? 3
                       : cp >= 0xE0 && cp <= 0xEF ? 2
                       : cp >= 0xC2 && cp <= 0xDF ? 1
                                                  : 0;
        bool valid = i + extra < len;
        for (size_t k = 1; valid && k <= extra; k++)
            valid = (s[i + k] & 0xC0) == 0x80;
        if (extra > 0 && valid) {
            cp &= 0x3Fu >> extra;
            for (size_t k = 1; k <= extra; k++)
                cp = cp << 6 | (s[i + k] & 0x3Fu);
            i += extra + 1;
        } else {
            i++;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out[n++] = (uint16_t)(0xD800 | (cp >> 10));
            out[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
        } else {
            out[n++] = (uint16_t)cp;
        }
    }
    return n;
}

/* The image number a literal belongs to: the running driver's, or 0. */
static int literal_owner(lb_state *lb)
{
    const ke_frame *frame = lb->current != NULL ? ke_top_frame(lb->current) : NULL;
    return frame != NULL && frame->driver != NULL ? (int)frame->driver->index + 1 : 0;
}

static PVOID_VA check_literal(lua_State *L, int arg, const char *fn, const char *param, bool wide)
{
    if (lua_type(L, arg) != LUA_TSTRING)
        return lb_check_ptr(L, arg, fn, param);
    lb_state *lb = lb_get(L);
    if (lb->m == NULL || lb->current == NULL)
        lb_scenario_error(L, "%s called outside run() and driver routines", fn);
    size_t len = 0;
    const char *text = lua_tolstring(L, arg, &len);
    if (len > 0x7FFE)
        lb_scenario_error(L, "%s: %s (argument %d) is longer than a counted string can be", fn,
                          param, arg);
    /* One copy per image and text, as a compiler pools its literals. */
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb->literals_ref);
    int owner = literal_owner(lb);
    if (lua_rawgeti(L, -1, owner) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, owner);
    }
    lua_pushfstring(L, "%c%s", wide ? 'W' : 'A', text);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) == LUA_TNUMBER) {
        PVOID_VA va = (PVOID_VA)lua_tointeger(L, -1);
        lua_pop(L, 4);
        return va;
    }
    lua_pop(L, 1);
    PVOID_VA va;
    if (wide) {
        uint16_t *units = malloc((len + 1) * sizeof *units);
        if (units == NULL)
            luaL_error(L, "not enough memory");
        size_t n = utf8_to_utf16((const unsigned char *)text, len, units);
        units[n++] = 0;
        va = lb_object_storage(L, (uint32_t)(n * 2), 2, fn);
        mm_poke(lb->m->mm, va, units, n * 2);
        free(units);
    } else {
        va = lb_object_storage(L, (uint32_t)len + 1, 1, fn);
        mm_poke(lb->m->mm, va, text, len + 1);
    }
    lua_pushinteger(L, (lua_Integer)va);
    lua_rawset(L, -3);
    lua_pop(L, 2);
    return va;
}

PVOID_VA lb_check_cstr(lua_State *L, int arg, const char *fn, const char *param)
{
    return check_literal(L, arg, fn, param, false);
}

PVOID_VA lb_check_wstr(lua_State *L, int arg, const char *fn, const char *param)
{
    return check_literal(L, arg, fn, param, true);
}

PVOID_VA lb_check_ustr(lua_State *L, int arg, const char *fn, const char *param)
{
    if (lua_type(L, arg) != LUA_TSTRING)
        return lb_check_ptr(L, arg, fn, param);
    /* A Lua string: its UTF-16 literal in the caller's image, and a
     * UNICODE_STRING describing it, as RTL_CONSTANT_STRING makes one. */
    lb_state *lb = lb_get(L);
    PVOID_VA buffer = check_literal(L, arg, fn, param, true);
    uint64_t chars = 0;
    uint16_t wc = 1;
    while (chars < 0x7FFF && mm_peek(lb->m->mm, buffer + 2 * chars, &wc, 2) && wc != 0)
        chars++;
    if (chars >= 0x7FFF)
        lb_scenario_error(L, "%s: %s (argument %d) is too long for a UNICODE_STRING", fn, param,
                          arg);
    ke_arch arch = lb->sc.arch;
    uint32_t size = ke_types[KE_TYPE_UNICODE_STRING].size[arch];
    PVOID_VA s = lb_object_storage(L, size, 8, fn);
    uint16_t lengths[2] = {(uint16_t)(2 * chars), (uint16_t)(2 * chars + 2)};
    mm_poke(lb->m->mm, s, lengths, sizeof lengths);
    const ke_field *b = KE_FIELD(UNICODE_STRING, Buffer);
    mm_poke(lb->m->mm, s + b->offset[arch], &buffer, ke_field_size(arch, b));
    return s;
}

void lb_push_export(lua_State *L, PVOID_VA va)
{
    uint16_t ddi;
    if (va == 0 || !mm_export_ddi(lb_get(L)->sc.arch, va, &ddi))
        lua_pushnil(L);
    else
        lua_pushcfunction(L, lb_ddi_functions[ddi].func);
}

void lb_push_device(lua_State *L, PVOID_VA va)
{
    lb_push_typed_ptr(L, va, KE_TYPE_DEVICE_OBJECT);
}

void lb_push_irp(lua_State *L, PVOID_VA va)
{
    lb_push_typed_ptr(L, va, KE_TYPE_IRP);
}

void lb_push_dma_adapter(lua_State *L, PVOID_VA va)
{
    lb_push_typed_ptr(L, va, KE_TYPE_DMA_ADAPTER);
}

void lb_push_stack_location(lua_State *L, PVOID_VA va)
{
    lb_push_typed_ptr(L, va, KE_TYPE_IO_STACK_LOCATION);
}

void lb_push_routine_or_nil(lua_State *L, uint32_t r)
{
    if (r == 0)
        lua_pushnil(L);
    else
        lb_push_routine(L, r);
}

void lb_forget_literals(lua_State *L, io_driver *d)
{
    lb_state *lb = lb_get(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb->literals_ref);
    lua_pushnil(L);
    lua_rawseti(L, -2, (lua_Integer)d->index + 1);
    lua_pop(L, 1);
}

int32_t lb_check_long(lua_State *L, int arg, const char *fn, const char *param)
{
    lua_Integer v = check_integer(L, arg, fn, param);
    if (v < INT32_MIN || v > INT32_MAX)
        lb_scenario_error(L, "%s: %s (argument %d) is not a LONG: %lld", fn, param, arg,
                          (long long)v);
    return (int32_t)v;
}

int64_t lb_check_int64(lua_State *L, int arg, const char *fn, const char *param)
{
    return (int64_t)check_integer(L, arg, fn, param);
}

uint64_t lb_check_u64(lua_State *L, int arg, const char *fn, const char *param)
{
    return (uint64_t)check_integer(L, arg, fn, param);
}

uint64_t lb_check_handle(lua_State *L, int arg, const char *fn, const char *param)
{
    if (lua_isnoneornil(L, arg))
        return 0; /* NULL */
    return check_pointer_sized(L, arg, fn, param, (uint64_t)check_integer(L, arg, fn, param));
}

uint32_t lb_check_routine(lua_State *L, int arg, const char *fn, const char *param)
{
    if (lua_isnoneornil(L, arg))
        return 0;
    if (lua_type(L, arg) != LUA_TFUNCTION)
        lb_scenario_error(L, "%s: %s (argument %d) must be a function (a routine), got %s", fn,
                          param, arg, luaL_typename(L, arg));
    return lb_routine_ref(L, arg);
}

ke_timeout lb_check_timeout(lua_State *L, int arg, const char *fn, const char *param)
{
    ke_timeout t = {.given = false, .value_100ns = 0};
    if (lua_isnoneornil(L, arg))
        return t;
    t.given = true;
    bool ok = false;
    PVOID_VA va = lb_to_ptr(L, arg, &ok);
    if (ok) {
        /* A PLARGE_INTEGER: read as the caller's own load. */
        lb_state *lb = lb_get(L);
        if (lb->m == NULL || lb->current == NULL)
            lb_scenario_error(L, "%s called outside run() and driver routines", fn);
        ke_call call;
        memset(&call, 0, sizeof call);
        call.m = lb->m;
        call.exec = lb->current;
        call.thread = lb->current->thread;
        const ke_frame *frame = ke_top_frame(lb->current);
        call.driver = frame != NULL ? frame->driver : NULL;
        if (!mm_access(&call, va, &t.value_100ns, sizeof t.value_100ns, false))
            lb_refuse(L);
        return t;
    }
    t.value_100ns = (int64_t)check_integer(L, arg, fn, param);
    return t;
}

int64_t lb_check_plarge(lua_State *L, int arg, const char *fn, const char *param)
{
    if (lua_isnoneornil(L, arg))
        lb_scenario_error(L, "%s: %s (argument %d) must be a LARGE_INTEGER (an integer or a "
                          "pointer to one), got nil", fn, param, arg);
    return lb_check_timeout(L, arg, fn, param).value_100ns;
}

const ke_ptr_array *lb_check_objects(lua_State *L, int arg, const char *fn, const char *param,
                                     ke_ptr_array *storage)
{
    if (!lua_istable(L, arg))
        lb_scenario_error(L, "%s: %s (argument %d) must be a table of object pointers, got %s", fn,
                          param, arg, luaL_typename(L, arg));
    lua_Integer n = luaL_len(L, arg);
    if (n < 0 || n > KE_MAX_WAIT_OBJECTS)
        lb_scenario_error(L, "%s: %s (argument %d) holds %lld objects; at most %d", fn, param, arg,
                          (long long)n, KE_MAX_WAIT_OBJECTS);
    storage->count = (uint32_t)n;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, arg, i);
        bool ok = false;
        storage->items[i - 1] = lb_to_ptr(L, -1, &ok);
        if (!ok)
            lb_scenario_error(L, "%s: %s[%lld] must be an object pointer, got %s", fn, param,
                              (long long)i, luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    return storage;
}

void lb_push_long(lua_State *L, int64_t v)
{
    lua_pushinteger(L, (lua_Integer)v);
}

void lb_push_client_id(lua_State *L, ke_client_id id)
{
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, (lua_Integer)id.process);
    lua_setfield(L, -2, "UniqueProcess");
    lua_pushinteger(L, (lua_Integer)id.thread);
    lua_setfield(L, -2, "UniqueThread");
}

bool lb_check_bool(lua_State *L, int arg, const char *fn, const char *param)
{
    /* BOOLEAN: Lua's true and false, or C's TRUE and FALSE (1 and 0). */
    if (lua_type(L, arg) == LUA_TBOOLEAN)
        return lua_toboolean(L, arg);
    lua_Integer v = check_integer(L, arg, fn, param);
    if (v != 0 && v != 1)
        lb_scenario_error(L, "%s: %s (argument %d) is a BOOLEAN: true, false, TRUE or FALSE", fn,
                          param, arg);
    return v == 1;
}

uint8_t lb_check_uchar(lua_State *L, int arg, const char *fn, const char *param)
{
    lua_Integer v = check_integer(L, arg, fn, param);
    if (v < 0 || v > 255)
        lb_scenario_error(L, "%s: %s (argument %d) is not a UCHAR: %lld", fn, param, arg,
                          (long long)v);
    return (uint8_t)v;
}

ULONG lb_check_ulong(lua_State *L, int arg, const char *fn, const char *param)
{
    lua_Integer v = check_integer(L, arg, fn, param);
    if (v < 0 || v > 0xFFFFFFFFll)
        lb_scenario_error(L, "%s: %s (argument %d) is not a ULONG: %lld", fn, param, arg,
                          (long long)v);
    return (ULONG)v;
}

ULONG lb_check_pool_type(lua_State *L, int arg, const char *fn, const char *param)
{
    ULONG type = lb_check_ulong(L, arg, fn, param);
    /* POOL_NX_OPTIN compiles NonPagedPool as ExDefaultNonPagedPoolType, which
     * ExInitializeDriverRuntime(DrvRtPoolNxOptIn) set to NonPagedPoolNx:
     * NonPagedPool alone, with its modifier bits kept (NonPagedPoolCacheAligned
     * and the others are not remapped). Lua cannot tell the constant from a
     * literal 0, which C would not remap. */
    lb_state *lb = lb_get(L);
    const ke_frame *frame = lb->current != NULL ? ke_top_frame(lb->current) : NULL;
    if (frame != NULL && frame->driver != NULL && frame->driver->pool_nx_optin &&
        (type & ~(POOL_QUOTA_FAIL_INSTEAD_OF_RAISE | POOL_RAISE_IF_ALLOCATION_FAILURE |
                  POOL_COLD_ALLOCATION | POOL_ZERO_ALLOCATION)) == NonPagedPool)
        type |= NonPagedPoolNx;
    return type;
}

uint64_t lb_check_ulongptr(lua_State *L, int arg, const char *fn, const char *param)
{
    bool ok = false;
    PVOID_VA va = lb_to_ptr(L, arg, &ok);
    if (ok)
        return va;
    return check_pointer_sized(L, arg, fn, param, (uint64_t)check_integer(L, arg, fn, param));
}

uint64_t lb_check_size(lua_State *L, int arg, const char *fn, const char *param)
{
    lua_Integer v = check_integer(L, arg, fn, param);
    if (v < 0)
        lb_scenario_error(L, "%s: %s (argument %d) is a size and cannot be negative: %lld", fn,
                          param, arg, (long long)v);
    return check_pointer_sized(L, arg, fn, param, (uint64_t)v);
}

ULONG lb_check_tag(lua_State *L, int arg, const char *fn, const char *param)
{
    if (lua_type(L, arg) == LUA_TSTRING) {
        /* The tag as Windows shows it (!pool, poolmon, our reports): the
         * first character is the lowest byte. MSVC's multi-character
         * constant is the reverse ('kaeL' shows as "Leak"), which is why C
         * sources often spell tags backwards. */
        size_t len = 0;
        const char *s = lua_tolstring(L, arg, &len);
        if (len < 1 || len > 4)
            lb_scenario_error(L,
                              "%s: %s (argument %d) is a pool tag of 1 to 4 characters as "
                              "Windows displays it (\"Leak\"; C's 'kaeL' is TAG_FROM_C "
                              "\"kaeL\"), got \"%s\"",
                              fn, param, arg, s);
        ULONG tag = 0;
        for (size_t i = 0; i < len; i++)
            tag |= (ULONG)(uint8_t)s[i] << (8 * i);
        return tag;
    }
    return lb_check_ulong(L, arg, fn, param);
}

PVOID_VA lb_check_ptr(lua_State *L, int arg, const char *fn, const char *param)
{
    if (lua_isnoneornil(L, arg))
        return 0;
    bool ok = false;
    PVOID_VA va = lb_to_ptr(L, arg, &ok);
    if (!ok)
        lb_scenario_error(L, "%s: %s (argument %d) must be a pointer or nil, got %s", fn, param,
                          arg, luaL_typename(L, arg));
    return va;
}

NTSTATUS lb_check_status(lua_State *L, int arg, const char *fn, const char *param)
{
    lua_Integer v = check_integer(L, arg, fn, param);
    if (v < INT32_MIN || v > 0xFFFFFFFFll)
        lb_scenario_error(L, "%s: %s (argument %d) is not an NTSTATUS: %lld", fn, param, arg,
                          (long long)v);
    return (NTSTATUS)(uint32_t)v;
}

void lb_push_status(lua_State *L, NTSTATUS s)
{
    /* NTSTATUS values are written as unsigned hex in C (0xC0000001), so
     * scenarios compare them that way: push the unsigned value. */
    lua_pushinteger(L, (lua_Integer)(uint32_t)s);
}

uint64_t lb_check_duration(lua_State *L, int arg, const char *fn)
{
    uint64_t t = 0;
    if (lua_type(L, arg) == LUA_TSTRING) {
        const char *text = lua_tostring(L, arg);
        if (!des_parse_duration(text, &t))
            lb_scenario_error(L,
                              "%s: \"%s\" is not a duration (\"250ms\", \"10s\", \"7min\", "
                              "\"1h\", or 100 ns units)",
                              fn, text);
        return t;
    }
    lua_Integer v = check_integer(L, arg, fn, "duration");
    if (v < 0)
        lb_scenario_error(L, "%s: a duration cannot be negative: %lld", fn, (long long)v);
    return (uint64_t)v;
}
