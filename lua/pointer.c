/*
 * pointer.c - pointer values and kernel object views for scenarios.
 *
 * A pointer is a full userdata holding a simulated address (CONTRACT 4):
 * p[i] reads a byte, p[i] = v writes one, p + n and p - n move it, p - q
 * gives the distance, == < <= compare, p:read(offset, length) and
 * p:write(offset, string) copy bytes. Every access goes through the
 * simulated page table with the calling code's context, so a bad access
 * raises the bug check Windows would.
 *
 * A DRIVER_OBJECT is a view of the driver's object: fields read and written
 * by name (DriverUnload, DriverName, DriverStart, DriverSize).
 */
#include <string.h>

#include "binding.h"
#include "io/pnp.h"
#include "ke/types.h"
#include "io/io.h"
#include "mm/mm.h"

#define POINTER_MT        "drvsim.pointer"
#define DRIVER_OBJECT_MT  "drvsim.DRIVER_OBJECT"
#define MAJOR_FUNCTION_MT "drvsim.MajorFunction"

typedef struct lb_pointer {
    PVOID_VA va;
    int type;       /* a ke_type_id: its fields read by name; KE_TYPE_NONE for none */
    uint32_t magic; /* LB_POINTER_MAGIC (as_pointer) */
} lb_pointer;

/* A pointer is told from the other userdata by its size and this word
 * rather than by fetching its metatable (a third of a DDI's argument check,
 * issue 18): scenarios cannot make or write a userdata, so only
 * lb_push_typed_ptr makes one of this size with this word in it. */
#define LB_POINTER_MAGIC 0x52545056u /* "VPTR" */

static const lb_pointer *as_pointer(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || lua_rawlen(L, idx) != sizeof(lb_pointer))
        return NULL;
    const lb_pointer *p = lua_touserdata(L, idx);
    return p->magic == LB_POINTER_MAGIC ? p : NULL;
}

typedef struct lb_driver_object {
    uint32_t driver; /* index into the machine's drivers */
} lb_driver_object;

void lb_push_typed_ptr(lua_State *L, PVOID_VA va, int type)
{
    /* Addresses are 32 bits on x86: arithmetic wraps there. */
    if (lb_get(L)->sc.arch == KE_ARCH_X86)
        va &= 0xFFFFFFFFull;
    if (va == 0) {
        lua_pushnil(L);
        return;
    }
    ke_machine *m = lb_get(L)->m;
    if (type == KE_TYPE_DRIVER_OBJECT && m != NULL) {
        /* A loaded driver's own object reads as DriverEntry's argument does
         * (its routines as functions). */
        for (uint32_t i = 0; i < m->driver_count; i++) {
            if (m->drivers[i]->loaded && m->drivers[i]->driver_object == va) {
                lb_push_driver_object(L, m->drivers[i]);
                return;
            }
        }
    }
    lb_pointer *p = lua_newuserdatauv(L, sizeof *p, 0);
    p->va = va;
    p->type = type;
    p->magic = LB_POINTER_MAGIC;
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb_get(L)->pointer_mt_ref);
    lua_setmetatable(L, -2);
}

void lb_push_ptr(lua_State *L, PVOID_VA va)
{
    lb_push_typed_ptr(L, va, KE_TYPE_NONE);
}

PVOID_VA lb_to_ptr(lua_State *L, int idx, bool *ok)
{
    lb_state *lb = lb_get(L);
    const lb_pointer *ptr = as_pointer(L, idx);
    if (ptr != NULL) {
        *ok = true;
        return ptr->va;
    }
    if (lua_type(L, idx) == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
        const void *mt = lua_topointer(L, -1);
        lua_pop(L, 1);
        if (mt == lb->driver_object_mt) {
            const lb_driver_object *o = lua_touserdata(L, idx);
            *ok = true;
            return lb->m->drivers[o->driver]->driver_object;
        }
    }
    if (lua_isfunction(L, idx)) {
        /* A routine cast to a pointer in the running driver's code, as C's
         * (PVOID)Routine (IoWMIRegistrationControl's WMIREG_FLAG_CALLBACK). */
        const ke_frame *frame = lb->current != NULL ? ke_top_frame(lb->current) : NULL;
        if (frame != NULL && frame->driver != NULL) {
            /* The same function is the same address each time (looked up
             * by identity, never iterated). */
            idx = lua_absindex(L, idx);
            if (lua_getfield(L, LUA_REGISTRYINDEX, "drvsim.routine_ptrs") != LUA_TTABLE) {
                lua_pop(L, 1);
                lua_newtable(L);
                lua_pushvalue(L, -1);
                lua_setfield(L, LUA_REGISTRYINDEX, "drvsim.routine_ptrs");
            }
            lua_pushvalue(L, idx);
            lua_rawget(L, -2);
            io_routine r = (io_routine)lua_tointeger(L, -1); /* 0: not seen yet */
            lua_pop(L, 1);
            if (r == 0) {
                r = lb_routine_ref(L, idx);
                lua_pushvalue(L, idx);
                lua_pushinteger(L, r);
                lua_rawset(L, -3);
            }
            lua_pop(L, 1);
            *ok = true;
            return io_routine_token(frame->driver, r);
        }
    }
    *ok = false;
    return 0;
}

static PVOID_VA check_pointer(lua_State *L, int idx, const char *what)
{
    bool ok = false;
    PVOID_VA va = lb_to_ptr(L, idx, &ok);
    if (!ok)
        lb_scenario_error(L, "%s: expected a pointer, got %s", what, luaL_typename(L, idx));
    return va;
}

static lua_Integer check_offset(lua_State *L, int idx, const char *what)
{
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, idx, &isnum);
    if (!isnum)
        lb_scenario_error(L, "%s: expected an integer offset, got %s", what, luaL_typename(L, idx));
    return v;
}

/* The C function running (the pointer method or metamethod that
 * accesses memory), to be called again after a preemption point. */
static lua_CFunction running_function(lua_State *L)
{
    lua_Debug ar;
    if (lua_getstack(L, 0, &ar) == 0 || lua_getinfo(L, "f", &ar) == 0)
        return NULL;
    lua_CFunction f = lua_tocfunction(L, -1);
    lua_pop(L, 1);
    return f;
}

/* A load or store by the running code. Returns false when it faulted (the
 * machine has stopped). Under --sched ...+accesses, an access to memory
 * another execution context has touched is first a preemption point
 * (ke_access_point): the code yields there, and when it is resumed the
 * method runs again from its start, its arguments still on the stack, and
 * makes the access. Where Lua cannot suspend the code (a metamethod called
 * from C), the access is not a point, as a DDI call is not there. */
static bool access(lua_State *L, PVOID_VA va, void *buf, size_t len, bool write)
{
    lb_state *lb = lb_get(L);
    if (lb->m == NULL || lb->current == NULL)
        lb_scenario_error(L, "memory is accessed through pointers only inside run() and "
                             "driver routines");
    if (ke_stopped(lb->m))
        return false;
    ke_call call;
    memset(&call, 0, sizeof call);
    call.m = lb->m;
    call.exec = lb->current;
    call.thread = lb->current->thread;
    const ke_frame *frame = ke_top_frame(lb->current);
    call.driver = frame != NULL ? frame->driver : NULL;
    call.ddi = 0xFFFF;
    if (lb->m->config.sched.accesses && lua_isyieldable(L) && ke_access_point(&call, va, len)) {
        lua_CFunction self = running_function(L);
        KE_CHECK(lb->m, self != NULL);
        lb_yield_again(L, self);
    }
    if (mm_access(&call, va, buf, len, write))
        return true;
    if (call.raised != 0 && !ke_stopped(lb->m))
        lb_raise_exception(L, call.raised, NULL); /* an application's address: an exception */
    return false;
}

/* The named field of a typed pointer at 1, key at 2; NULL if none. */
static const ke_field *typed_field(lua_State *L)
{
    const lb_pointer *p = as_pointer(L, 1);
    if (p == NULL || p->type == KE_TYPE_NONE)
        return NULL;
    if (p->type == KE_TYPE_DRIVER_CONTEXT && lua_type(L, 2) == LUA_TNUMBER) {
        /* Irp.Tail.Overlay.DriverContext[i]: an array of four pointers. */
        static const char *const names[4] = {"[0]", "[1]", "[2]", "[3]"};
        lua_Integer i = lua_tointeger(L, 2);
        if (i < 0 || i > 3)
            lb_scenario_error(L, "DriverContext has 4 entries, [0] to [3]");
        return ke_type_field(KE_TYPE_DRIVER_CONTEXT, names[i]);
    }
    if (lua_type(L, 2) != LUA_TSTRING)
        return NULL;
    return ke_type_field((ke_type_id)p->type, lua_tostring(L, 2));
}

/* A routine pointer read from memory: the driver's function when it is
 * the address of one of its routines, else the pointer (NULL reads nil). */
static void push_routine_at(lua_State *L, uint64_t v)
{
    io_driver *d = NULL;
    io_routine r = v != 0 ? io_routine_of_token(lb_get(L)->m, v, &d) : 0;
    uint16_t ddi;
    if (d != NULL && r != 0)
        lb_push_routine(L, r);
    else if (v != 0 && mm_kernel_routine_ddi(lb_get(L)->sc.arch, v, &ddi))
        lua_pushcfunction(L, lb_ddi_functions[ddi].func); /* a DMA_OPERATIONS member */
    else
        lb_push_ptr(L, v);
}

/* A driver's function stored into a routine pointer: the address of that
 * routine in the storing driver's image, as C's `&Routine`. */
static uint64_t routine_address(lua_State *L, int idx, const ke_field *f)
{
    lb_state *lb = lb_get(L);
    const ke_frame *frame = lb->current != NULL ? ke_top_frame(lb->current) : NULL;
    if (frame == NULL || frame->driver == NULL)
        lb_scenario_error(L, "%s: only a driver's code stores its routines (harness code has no "
                             "image to point into)",
                          f->name);
    return io_routine_token(frame->driver, lb_routine_ref(L, idx));
}

/* p:read(...) and friends. */
static int pointer_read(lua_State *L);
static int pointer_write(lua_State *L);
static int pointer_u8(lua_State *L);
static int pointer_u16(lua_State *L);
static int pointer_u32(lua_State *L);
static int pointer_u64(lua_State *L);
static int pointer_ptr(lua_State *L);
static int pointer_set_u8(lua_State *L);
static int pointer_set_u16(lua_State *L);
static int pointer_set_u32(lua_State *L);
static int pointer_set_u64(lua_State *L);
static int pointer_set_ptr(lua_State *L);
static const luaL_Reg pointer_methods[] = {
    {"read", pointer_read},
    {"write", pointer_write},
    {"u8", pointer_u8},
    {"u16", pointer_u16},
    {"u32", pointer_u32},
    {"u64", pointer_u64},
    {"ptr", pointer_ptr},
    {"set_u8", pointer_set_u8},
    {"set_u16", pointer_set_u16},
    {"set_u32", pointer_set_u32},
    {"set_u64", pointer_set_u64},
    {"set_ptr", pointer_set_ptr},
    {NULL, NULL},
};

static int pointer_index(lua_State *L)
{
    PVOID_VA va = check_pointer(L, 1, "pointer index");
    const ke_field *f = typed_field(L);
    if (f != NULL) {
        ke_arch arch = lb_get(L)->sc.arch;
        if (f->kind == KE_FIELD_SUB) {
            lb_push_typed_ptr(L, va + f->offset[arch], f->sub);
            return 1;
        }
        uint64_t v = 0;
        if (!access(L, va + f->offset[arch], &v, ke_field_size(arch, f), false))
            return lb_stopped(L);
        if (f->kind == KE_FIELD_PTR)
            lb_push_typed_ptr(L, v, f->sub);
        else if (f->kind == KE_FIELD_ROUTINE)
            push_routine_at(L, v);
        else
            lua_pushinteger(L, (lua_Integer)v);
        return 1;
    }
    if (lua_type(L, 2) == LUA_TSTRING) {
        /* p:read(...) and friends: methods live in the metatable, set there
         * at their first use (lb_register_pointer). */
        luaL_getmetatable(L, POINTER_MT);
        lua_pushvalue(L, 2);
        if (lua_rawget(L, -2) == LUA_TNIL) {
            const char *name = lua_tostring(L, 2);
            for (size_t i = 0; pointer_methods[i].name != NULL; i++) {
                if (strcmp(pointer_methods[i].name, name) == 0) {
                    lua_pop(L, 1);
                    lua_pushcfunction(L, pointer_methods[i].func);
                    lua_pushvalue(L, 2);
                    lua_pushvalue(L, -2);
                    lua_rawset(L, -4);
                    break;
                }
            }
        }
        if (lua_isnil(L, -1) || lua_tostring(L, 2)[0] == '_') {
            lb_pointer *p = lua_touserdata(L, 1);
            if (p->type != KE_TYPE_NONE)
                lb_scenario_error(L, "%s has no field \"%s\" that drvsim models",
                                  ke_types[p->type].name, lua_tostring(L, 2));
            lb_scenario_error(L,
                              "a pointer has no field \"%s\" (view it as its structure "
                              "first: IRP(p), DEVICE_OBJECT(p), ...)",
                              lua_tostring(L, 2));
        }
        return 1;
    }
    uint8_t byte = 0;
    if (!access(L, va + (uint64_t)check_offset(L, 2, "pointer index"), &byte, 1, false))
        return lb_stopped(L);
    lua_pushinteger(L, byte);
    return 1;
}

static int pointer_newindex(lua_State *L)
{
    PVOID_VA va = check_pointer(L, 1, "pointer store");
    const ke_field *f = typed_field(L);
    if (f != NULL) {
        ke_arch arch = lb_get(L)->sc.arch;
        size_t bytes = ke_field_size(arch, f);
        uint64_t v = 0;
        bool ok = true;
        if (f->kind == KE_FIELD_SUB)
            lb_scenario_error(L, "%s.%s is a structure: set its fields",
                              ke_types[((lb_pointer *)lua_touserdata(L, 1))->type].name, f->name);
        if ((f->kind == KE_FIELD_ROUTINE || f->kind == KE_FIELD_PTR) &&
            lua_type(L, 3) == LUA_TFUNCTION)
            v = routine_address(L, 3, f);
        else if (f->kind == KE_FIELD_PTR || f->kind == KE_FIELD_ROUTINE ||
                 (f->kind == KE_FIELD_UPTR && lua_isuserdata(L, 3)))
            v = lua_isnil(L, 3) ? 0 : lb_to_ptr(L, 3, &ok);
        else
            v = (uint64_t)lua_tointegerx(L, 3, (int *)&ok);
        if (!ok || (bytes < 8 && v >> (8 * bytes) != 0))
            lb_scenario_error(L, "%s.%s: %s does not fit the field",
                              ke_types[((lb_pointer *)lua_touserdata(L, 1))->type].name, f->name,
                              luaL_typename(L, 3));
        if (!access(L, va + f->offset[arch], &v, bytes, true))
            return lb_stopped(L);
        return 0;
    }
    lua_Integer offset = check_offset(L, 2, "pointer store");
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, 3, &isnum);
    if (!isnum || v < 0 || v > 255)
        lb_scenario_error(L, "pointer store: a byte is an integer 0..255, got %s",
                          isnum ? "an integer out of range" : luaL_typename(L, 3));
    uint8_t byte = (uint8_t)v;
    if (!access(L, va + (uint64_t)offset, &byte, 1, true))
        return lb_stopped(L);
    return 0;
}

static int pointer_read(lua_State *L)
{
    PVOID_VA va = check_pointer(L, 1, "read");
    lua_Integer offset = check_offset(L, 2, "read");
    lua_Integer length = check_offset(L, 3, "read");
    if (length < 0 || length > 0x1000000)
        lb_scenario_error(L, "read: length must be 0..16 MiB, got %lld", (long long)length);
    luaL_Buffer b;
    char *buf = luaL_buffinitsize(L, &b, (size_t)length);
    if (!access(L, va + (uint64_t)offset, buf, (size_t)length, false))
        return lb_stopped(L);
    luaL_pushresultsize(&b, (size_t)length);
    return 1;
}

static int pointer_write(lua_State *L)
{
    PVOID_VA va = check_pointer(L, 1, "write");
    lua_Integer offset = check_offset(L, 2, "write");
    size_t len = 0;
    const char *data = lua_tolstring(L, 3, &len);
    if (data == NULL || lua_type(L, 3) != LUA_TSTRING)
        lb_scenario_error(L, "write: expected a string of bytes, got %s", luaL_typename(L, 3));
    if (!access(L, va + (uint64_t)offset, (void *)(uintptr_t)data, len, true))
        return lb_stopped(L);
    return 0;
}

/* p:u8(off), p:u16(off), p:u32(off), p:u64(off): little-endian integers;
 * p:ptr(off): a pointer-sized value as a pointer (4 bytes on x86, 8 on x64),
 * nil for NULL. p:set_u8 .. p:set_u64(off, v) and p:set_ptr(off, q) store. */
static size_t pointer_bytes(lua_State *L)
{
    return lb_get(L)->sc.arch == KE_ARCH_X86 ? 4 : 8;
}

static int read_scalar(lua_State *L, size_t bytes, bool as_pointer)
{
    PVOID_VA va = check_pointer(L, 1, "read");
    lua_Integer offset = check_offset(L, 2, "read");
    uint64_t v = 0;
    if (!access(L, va + (uint64_t)offset, &v, bytes, false))
        return lb_stopped(L);
    if (as_pointer)
        lb_push_ptr(L, v);
    else
        lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

static int write_scalar(lua_State *L, size_t bytes, bool as_pointer)
{
    PVOID_VA va = check_pointer(L, 1, "write");
    lua_Integer offset = check_offset(L, 2, "write");
    uint64_t v = 0;
    if (as_pointer) {
        bool ok = lua_isnil(L, 3);
        v = ok ? 0 : lb_to_ptr(L, 3, &ok);
        if (!ok)
            lb_scenario_error(L, "set_ptr: expected a pointer or nil, got %s", luaL_typename(L, 3));
    } else {
        v = (uint64_t)check_offset(L, 3, "write");
        if (bytes < 8 && v >> (8 * bytes) != 0)
            lb_scenario_error(L, "write: 0x%llX does not fit %zu bytes", (unsigned long long)v,
                              bytes);
    }
    if (!access(L, va + (uint64_t)offset, &v, bytes, true))
        return lb_stopped(L);
    return 0;
}

static int pointer_u8(lua_State *L)
{
    return read_scalar(L, 1, false);
}
static int pointer_u16(lua_State *L)
{
    return read_scalar(L, 2, false);
}
static int pointer_u32(lua_State *L)
{
    return read_scalar(L, 4, false);
}
static int pointer_u64(lua_State *L)
{
    return read_scalar(L, 8, false);
}
static int pointer_ptr(lua_State *L)
{
    return read_scalar(L, pointer_bytes(L), true);
}
static int pointer_set_u8(lua_State *L)
{
    return write_scalar(L, 1, false);
}
static int pointer_set_u16(lua_State *L)
{
    return write_scalar(L, 2, false);
}
static int pointer_set_u32(lua_State *L)
{
    return write_scalar(L, 4, false);
}
static int pointer_set_u64(lua_State *L)
{
    return write_scalar(L, 8, false);
}
static int pointer_set_ptr(lua_State *L)
{
    return write_scalar(L, pointer_bytes(L), true);
}

static int pointer_add(lua_State *L)
{
    /* p + n or n + p */
    bool first = false;
    PVOID_VA va = lb_to_ptr(L, 1, &first);
    int pidx = first ? 1 : 2;
    if (!first)
        va = check_pointer(L, pidx, "pointer +");
    lua_Integer n = check_offset(L, pidx == 1 ? 2 : 1, "pointer +");
    lb_push_ptr(L, va + (uint64_t)n);
    return 1;
}

static int pointer_sub(lua_State *L)
{
    PVOID_VA va = check_pointer(L, 1, "pointer -");
    bool ok = false;
    PVOID_VA other = lb_to_ptr(L, 2, &ok);
    if (ok) {
        lua_pushinteger(L, (lua_Integer)(va - other)); /* the distance in bytes */
        return 1;
    }
    lb_push_ptr(L, va - (uint64_t)check_offset(L, 2, "pointer -"));
    return 1;
}

static int pointer_eq(lua_State *L)
{
    bool a_ok = false, b_ok = false;
    PVOID_VA a = lb_to_ptr(L, 1, &a_ok), b = lb_to_ptr(L, 2, &b_ok);
    lua_pushboolean(L, a_ok && b_ok && a == b);
    return 1;
}

static int pointer_lt(lua_State *L)
{
    lua_pushboolean(L, check_pointer(L, 1, "pointer <") < check_pointer(L, 2, "pointer <"));
    return 1;
}

static int pointer_le(lua_State *L)
{
    lua_pushboolean(L, check_pointer(L, 1, "pointer <=") <= check_pointer(L, 2, "pointer <="));
    return 1;
}

static int pointer_tostring(lua_State *L)
{
    PVOID_VA va = check_pointer(L, 1, "tostring");
    char text[24];
    if (lb_get(L)->sc.arch == KE_ARCH_X86)
        snprintf(text, sizeof text, "0x%08llX", (unsigned long long)va);
    else
        snprintf(text, sizeof text, "0x%016llX", (unsigned long long)va);
    lua_pushstring(L, text);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Structures: T() declares one, T(p) views p as one                        */
/* ------------------------------------------------------------------------ */

/* Whether type T can be declared by a driver (T() gives storage): the
 * objects a C driver declares as globals or locals. The I/O manager's
 * objects (IRP, DEVICE_OBJECT, ...) are only ever viewed. */
/* A declared object's alignment: a pointer's size, more for some. */
static uint32_t object_align(ke_arch arch, int type)
{
    /* Lookaside lists are cache aligned on x64 (LOOKASIDE_ALIGN); the rest
     * take a pointer-sized alignment. */
    if (arch == KE_ARCH_X64 &&
        (type == KE_TYPE_NPAGED_LOOKASIDE_LIST || type == KE_TYPE_PAGED_LOOKASIDE_LIST))
        return 64;
    /* SLIST_HEADER and SLIST_ENTRY are DECLSPEC_ALIGN(16) on x64, and so is
     * a LOOKASIDE_LIST_EX, which holds one. */
    if (arch == KE_ARCH_X64 && (type == KE_TYPE_SLIST_HEADER || type == KE_TYPE_SLIST_ENTRY ||
                                type == KE_TYPE_LOOKASIDE_LIST_EX))
        return 16;
    return 8;
}

static bool declarable(int type)
{
    switch (type) {
    case KE_TYPE_DEVICE_OBJECT:
    case KE_TYPE_DRIVER_OBJECT:
    case KE_TYPE_FILE_OBJECT:
    case KE_TYPE_IRP:
    case KE_TYPE_IO_STACK_LOCATION:
    case KE_TYPE_IO_WORKITEM:
    case KE_TYPE_OB_PRE_OPERATION_INFORMATION:
    case KE_TYPE_OB_PRE_OPERATION_PARAMETERS:
    case KE_TYPE_OB_PRE_CREATE_HANDLE_INFORMATION:
    case KE_TYPE_OB_PRE_DUPLICATE_HANDLE_INFORMATION:
    case KE_TYPE_OB_POST_OPERATION_INFORMATION:
    case KE_TYPE_OB_POST_OPERATION_PARAMETERS:
    case KE_TYPE_OB_POST_CREATE_HANDLE_INFORMATION:
    case KE_TYPE_PS_CREATE_NOTIFY_INFO:
    case KE_TYPE_IMAGE_INFO:
    case KE_TYPE_SE_EXPORTS:
    case KE_TYPE_IO_ERROR_LOG_PACKET:
    case KE_TYPE_DMA_ADAPTER:
    case KE_TYPE_DMA_OPERATIONS:
        return false;
    default:
        return true;
    }
}

/* T() -> zeroed storage for a T where the running code lives (a global of
 * its driver image), as a typed pointer (CONTRACT 4).
 * T(p) -> p viewed as a T, as C's cast `(T *)p` (nil for nil or 0): its
 * fields read by name. The argument count decides, so the two never mix. */
static int make_object(lua_State *L)
{
    int type = (int)lua_tointeger(L, lua_upvalueindex(1));
    const ke_type *t = &ke_types[type];
    if (lua_gettop(L) >= 1) {
        if (lua_gettop(L) > 1)
            lb_scenario_error(L, "%s(p) views one pointer as a %s: got %d arguments", t->name,
                              t->name, lua_gettop(L));
        if (lua_isnil(L, 1)) {
            lua_pushnil(L);
            return 1;
        }
        bool ok = false;
        PVOID_VA va = lb_to_ptr(L, 1, &ok);
        if (!ok && lua_isinteger(L, 1)) {
            va = (PVOID_VA)lua_tointeger(L, 1); /* an address read as an integer */
            ok = true;
        }
        if (!ok)
            lb_scenario_error(L, "%s(p): p must be a pointer (or an address), got %s", t->name,
                              luaL_typename(L, 1));
        lb_push_typed_ptr(L, va, type);
        return 1;
    }
    if (!declarable(type))
        lb_scenario_error(L,
                          "%s() declares nothing: the I/O manager makes %s objects, a driver "
                          "receives them; %s(p) views a pointer as one",
                          t->name, t->name, t->name);
    ke_arch arch = lb_get(L)->sc.arch;
    lb_push_typed_ptr(L, lb_object_storage(L, t->size[arch], object_align(arch, type), t->name),
                      type);
    return 1;
}

static void register_constructor(lua_State *L, const char *name, ke_type_id type)
{
    lua_pushinteger(L, type);
    lua_pushcclosure(L, make_object, 1);
    lua_setglobal(L, name);
}

/* The structure type named by argument idx: a name ("IRP") or the global
 * T itself (FIELD_OFFSET(IRP, ...)). */
static ke_type_id check_type(lua_State *L, int idx, const char *fn)
{
    if (lua_tocfunction(L, idx) == make_object) {
        lua_getupvalue(L, idx, 1);
        ke_type_id type = (ke_type_id)lua_tointeger(L, -1);
        lua_pop(L, 1);
        return type;
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *name = lua_tostring(L, idx);
        for (int t = 1; t < KE_TYPE_COUNT; t++) {
            if (strcmp(ke_types[t].name, name) == 0)
                return (ke_type_id)t;
        }
        lb_scenario_error(L, "%s: \"%s\" is not a structure drvsim models", fn, name);
    }
    lb_scenario_error(L, "%s: argument %d must name a structure (\"IRP\" or IRP), got %s", fn, idx,
                      luaL_typename(L, idx));
}

/* StackObject(T): a T declared as a local variable of the calling thread's
 * routine, in its kernel stack (sim/mm/iospace.c), where KEVENT() declares
 * one in the driver's image. It stays until the thread ends. */
static int l_StackObject(lua_State *L)
{
    ke_type_id type = check_type(L, 1, "StackObject");
    const ke_type *t = &ke_types[type];
    if (!declarable(type))
        lb_scenario_error(L, "StackObject(%s) declares nothing: the I/O manager makes %s objects",
                          t->name, t->name);
    lb_state *lb = lb_get(L);
    if (lb->m == NULL || lb->current == NULL)
        lb_scenario_error(L, "StackObject can only be used inside run() and driver routines");
    if (lb->current->is_dpc || lb->current->is_isr || lb->current->thread == NULL)
        lb_scenario_error(L, "StackObject(%s): a DPC or an ISR runs on the processor's stack, "
                          "not a thread's", t->name);
    ke_arch arch = lb->sc.arch;
    PVOID_VA va = mm_stack_alloc(lb->m, lb->current->thread->id, t->size[arch],
                                 object_align(arch, type));
    if (va == 0)
        lb_scenario_error(L, "StackObject(%s): the thread's kernel stack is full", t->name);
    mm_fill(lb->m->mm, va, t->size[arch], 0);
    lb_push_typed_ptr(L, va, type);
    return 1;
}

/* The offset of a field path ("Tail.Overlay.ListEntry",
 * "Tail.Overlay.DriverContext[2]") in a type, on the scenario's arch;
 * *type gets the field's own type (KE_TYPE_NONE for a scalar). Only
 * embedded structures are crossed: a pointer is not an offset. */
static uint64_t field_offset(lua_State *L, ke_type_id base, const char *path, const char *fn,
                             ke_type_id *type)
{
    ke_arch arch = lb_get(L)->sc.arch;
    uint64_t offset = 0;
    ke_type_id t = base;
    const char *p = path;
    const ke_field *f = NULL;
    while (*p != '\0') {
        if (f != NULL && f->kind != KE_FIELD_SUB)
            lb_scenario_error(L, "%s: in \"%s\", %s.%s is not a structure", fn, path,
                              ke_types[f->type].name, f->name);
        char name[64];
        size_t n = 0;
        if (*p == '[') {
            /* an array element: DriverContext[2] */
            while (p[n] != '\0' && p[n] != ']' && n < sizeof name - 2)
                n++;
            if (p[n] == ']')
                n++;
        } else {
            while (p[n] != '\0' && p[n] != '.' && p[n] != '[' && n < sizeof name - 1)
                n++;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        f = n > 0 ? ke_type_field(t, name) : NULL;
        if (f == NULL)
            lb_scenario_error(L, "%s: %s has no field \"%s\" that drvsim models (in \"%s\")", fn,
                              ke_types[t].name, name, path);
        offset += f->offset[arch];
        t = f->kind == KE_FIELD_SUB ? f->sub : KE_TYPE_NONE;
        p += n;
        if (*p == '.')
            p++;
    }
    if (f == NULL)
        lb_scenario_error(L, "%s: an empty field name", fn);
    *type = t;
    return offset;
}

ke_type_id lb_check_type(lua_State *L, int idx, const char *fn)
{
    return check_type(L, idx, fn);
}

uint64_t lb_field_offset(lua_State *L, ke_type_id base, const char *path, const char *fn,
                         ke_type_id *type, const ke_field **field)
{
    uint64_t offset = field_offset(L, base, path, fn, type);
    if (field != NULL) {
        /* The last component names the field: its kind gives its size. */
        const char *last = strrchr(path, '.');
        last = last != NULL ? last + 1 : path;
        ke_type_id owner = base;
        if (last != path) {
            char head[128];
            snprintf(head, sizeof head, "%.*s", (int)(last - 1 - path), path);
            ke_type_id sub;
            field_offset(L, base, head, fn, &sub);
            owner = sub;
        }
        *field = ke_type_field(owner, last);
    }
    return offset;
}

/* FIELD_OFFSET(T, "Field.Path") -> the byte offset, as wdm.h's macro on
 * the scenario's arch. */
static int l_FIELD_OFFSET(lua_State *L)
{
    ke_type_id type = check_type(L, 1, "FIELD_OFFSET");
    const char *path = luaL_checkstring(L, 2);
    ke_type_id field_type;
    lua_pushinteger(L, (lua_Integer)field_offset(L, type, path, "FIELD_OFFSET", &field_type));
    return 1;
}

/* ULONG_PTR(p) -> the address p holds as an integer, C's (ULONG_PTR)p
 * (0 for nil), to put in a buffer or compare with a HANDLE or id. */
static int l_ULONG_PTR(lua_State *L)
{
    if (lua_isnil(L, 1)) {
        lua_pushinteger(L, 0);
        return 1;
    }
    bool ok = false;
    PVOID_VA va = lb_to_ptr(L, 1, &ok);
    if (!ok)
        lb_scenario_error(L, "ULONG_PTR(p): p must be a pointer, got %s", luaL_typename(L, 1));
    lua_pushinteger(L, (lua_Integer)va);
    return 1;
}

/* sizeof(T) -> the structure's size on the scenario's arch, as C's. */
static int l_sizeof(lua_State *L)
{
    ke_type_id type = check_type(L, 1, "sizeof");
    lua_pushinteger(L, ke_types[type].size[lb_get(L)->sc.arch]);
    return 1;
}

/* ARRAY(T, n) -> storage for n T's, as C's `T name[n]` (zeroed, where the
 * running code lives, as T() gives one), a pointer to the first viewed as
 * a T; element i is T(p + i * sizeof(T)). */
static int l_ARRAY(lua_State *L)
{
    ke_type_id type = check_type(L, 1, "ARRAY");
    lua_Integer n = luaL_checkinteger(L, 2);
    const ke_type *t = &ke_types[type];
    if (!declarable(type))
        lb_scenario_error(L, "ARRAY(%s, n) declares nothing: the I/O manager makes %s objects",
                          t->name, t->name);
    ke_arch arch = lb_get(L)->sc.arch;
    if (n < 1 || (uint64_t)n * t->size[arch] > 0x10000u)
        lb_scenario_error(L, "ARRAY(%s, n): n must be 1.. and the array at most 64 KiB", t->name);
    lb_push_typed_ptr(
        L, lb_object_storage(L, (uint32_t)((uint64_t)n * t->size[arch]), 8, t->name), type);
    return 1;
}

/* CONTAINING_RECORD(p, T, "Field.Path") -> the T whose field p points at,
 * as wdm.h's macro: p minus the field's offset, viewed as a T. NULL gives
 * what C gives, an address just below 0, which faults when used. */
static int l_CONTAINING_RECORD(lua_State *L)
{
    ke_type_id type = check_type(L, 2, "CONTAINING_RECORD");
    const char *path = luaL_checkstring(L, 3);
    ke_type_id field_type;
    uint64_t offset = field_offset(L, type, path, "CONTAINING_RECORD", &field_type);
    PVOID_VA va = 0;
    if (!lua_isnil(L, 1)) {
        bool ok = false;
        va = lb_to_ptr(L, 1, &ok);
        if (!ok)
            lb_scenario_error(L, "CONTAINING_RECORD: argument 1 must be a pointer, got %s",
                              luaL_typename(L, 1));
    }
    lb_push_typed_ptr(L, va - offset, type);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* DRIVER_OBJECT                                                            */
/* ------------------------------------------------------------------------ */

void lb_push_driver_object(lua_State *L, io_driver *d)
{
    lb_driver_object *o = lua_newuserdatauv(L, sizeof *o, 0);
    o->driver = d->index;
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb_get(L)->driver_object_mt_ref);
    lua_setmetatable(L, -2);
}

static io_driver *check_driver_object(lua_State *L)
{
    lb_driver_object *o = luaL_checkudata(L, 1, DRIVER_OBJECT_MT);
    return lb_get(L)->m->drivers[o->driver];
}

static int driver_object_index(lua_State *L)
{
    io_driver *d = check_driver_object(L);
    const char *field = luaL_checkstring(L, 2);
    if (strcmp(field, "DriverUnload") == 0) {
        if (d->unload == 0)
            lua_pushnil(L);
        else
            lb_push_routine(L, d->unload);
    } else if (strcmp(field, "MajorFunction") == 0) {
        lb_driver_object *o = lua_newuserdatauv(L, sizeof *o, 0);
        o->driver = d->index;
        luaL_setmetatable(L, MAJOR_FUNCTION_MT);
    } else if (strcmp(field, "DriverName") == 0) {
        lua_pushfstring(L, "\\Driver\\%s", d->service);
    } else if (strcmp(field, "DriverStart") == 0) {
        lb_push_ptr(L, d->image_base);
    } else if (strcmp(field, "DriverSize") == 0) {
        lua_pushinteger(L, d->image_size);
    } else if (strcmp(field, "DriverExtension") == 0) {
        /* Made at first use (io/pnp.c): where AddDevice is set. */
        lb_push_typed_ptr(L, io_driver_extension(lb_get(L)->m, d), KE_TYPE_DRIVER_EXTENSION);
    } else {
        /* The rest as the object's memory holds them: DeviceObject (the
         * head of the driver's device list), Type, Size, Flags, ... */
        const ke_field *f = ke_type_field(KE_TYPE_DRIVER_OBJECT, field);
        if (f == NULL)
            lb_scenario_error(L,
                              "DRIVER_OBJECT has no field \"%s\" that drvsim models (it models "
                              "DeviceObject, DriverUnload, MajorFunction, DriverName, "
                              "DriverStart, DriverSize, DriverExtension, Flags, Type, Size)",
                              field);
        ke_arch arch = lb_get(L)->sc.arch;
        PVOID_VA va = d->driver_object + f->offset[arch];
        if (f->kind == KE_FIELD_SUB) {
            lb_push_typed_ptr(L, va, f->sub);
            return 1;
        }
        uint64_t v = 0;
        if (!access(L, va, &v, ke_field_size(arch, f), false))
            return lb_stopped(L);
        if (f->kind == KE_FIELD_PTR)
            lb_push_typed_ptr(L, v, f->sub);
        else
            lua_pushinteger(L, (lua_Integer)v);
    }
    return 1;
}

/* DriverObject.DriverStartIo = routine: the address of the routine in the
 * object's memory, where IoStartPacket reads it. */
static int driver_object_set_startio(lua_State *L, io_driver *d)
{
    io_routine r = 0;
    if (lua_isfunction(L, 3))
        r = lb_routine_ref(L, 3);
    else if (!lua_isnil(L, 3))
        lb_scenario_error(L, "DRIVER_OBJECT.DriverStartIo must be a function or nil, got %s",
                          luaL_typename(L, 3));
    ke_machine *m = lb_get(L)->m;
    const ke_field *f = KE_FIELD(DRIVER_OBJECT, DriverStartIo);
    uint64_t token = io_routine_token(d, r);
    mm_poke(m->mm, d->driver_object + f->offset[m->config.arch], &token,
            ke_field_size(m->config.arch, f));
    return 0;
}

static int driver_object_newindex(lua_State *L)
{
    io_driver *d = check_driver_object(L);
    const char *field = luaL_checkstring(L, 2);
    if (strcmp(field, "DriverStartIo") == 0)
        return driver_object_set_startio(L, d);
    if (strcmp(field, "DriverUnload") != 0)
        lb_scenario_error(L,
                          "DRIVER_OBJECT.%s cannot be set (only DriverUnload and DriverStartIo "
                          "can)",
                          field);
    if (lua_isnil(L, 3))
        d->unload = 0;
    else if (lua_isfunction(L, 3))
        d->unload = lb_routine_ref(L, 3);
    else
        lb_scenario_error(L, "DRIVER_OBJECT.DriverUnload must be a function or nil, got %s",
                          luaL_typename(L, 3));
    /* Also in the object's memory, where a reader of the raw object looks. */
    ke_machine *m = lb_get(L)->m;
    const ke_field *f = KE_FIELD(DRIVER_OBJECT, DriverUnload);
    uint64_t token = d->unload != 0 ? io_routine_token(d, d->unload) : 0;
    mm_poke(m->mm, d->driver_object + f->offset[m->config.arch], &token,
            ke_field_size(m->config.arch, f));
    return 0;
}

/* DriverObject.MajorFunction[IRP_MJ_xxx]: the dispatch routines, also
 * stored in the DRIVER_OBJECT (as addresses in the image) where the I/O
 * manager's own readers would look. */
static io_driver *check_major(lua_State *L, lua_Integer *index)
{
    lb_driver_object *o = luaL_checkudata(L, 1, MAJOR_FUNCTION_MT);
    int isnum = 0;
    *index = lua_tointegerx(L, 2, &isnum);
    if (!isnum || *index < 0 || *index > IRP_MJ_MAXIMUM_FUNCTION)
        lb_scenario_error(L, "MajorFunction is indexed by IRP_MJ_CREATE (0) .. IRP_MJ_PNP (0x1B)");
    return lb_get(L)->m->drivers[o->driver];
}

static int major_index(lua_State *L)
{
    lua_Integer i = 0;
    io_driver *d = check_major(L, &i);
    if (d->major[i] == 0)
        lua_pushnil(L);
    else
        lb_push_routine(L, d->major[i]);
    return 1;
}

static int major_newindex(lua_State *L)
{
    lua_Integer i = 0;
    io_driver *d = check_major(L, &i);
    if (lua_isnil(L, 3))
        d->major[i] = 0;
    else if (lua_isfunction(L, 3))
        d->major[i] = lb_routine_ref(L, 3);
    else
        lb_scenario_error(L, "MajorFunction[%d] must be a function or nil, got %s", (int)i,
                          luaL_typename(L, 3));
    ke_machine *m = lb_get(L)->m;
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint64_t token = io_routine_token(d, d->major[i]);
    PVOID_VA slot = d->driver_object + (x86 ? 0x38u : 0x70u) + (uint64_t)i * (x86 ? 4u : 8u);
    mm_poke(m->mm, slot, &token, x86 ? 4 : 8);
    return 0;
}

static int driver_object_tostring(lua_State *L)
{
    io_driver *d = check_driver_object(L);
    lua_pushfstring(L, "DRIVER_OBJECT \\Driver\\%s", d->service);
    return 1;
}

/* The structure constructors (and views: T(p)), in the order they were
 * registered. globals.c resolves them on first use, as it does the
 * constants and DDIs (issue 18: 81 closures made and set in every seed). */
static const lb_constructor constructors[] = {
    {"UNICODE_STRING", KE_TYPE_UNICODE_STRING},
    {"ANSI_STRING", KE_TYPE_ANSI_STRING},
    {"STRING", KE_TYPE_ANSI_STRING},
    {"KSPIN_LOCK", KE_TYPE_KSPIN_LOCK},
    {"KLOCK_QUEUE_HANDLE", KE_TYPE_KLOCK_QUEUE_HANDLE},
    {"KEVENT", KE_TYPE_KEVENT},
    {"IO_STATUS_BLOCK", KE_TYPE_IO_STATUS_BLOCK},
    {"KSEMAPHORE", KE_TYPE_KSEMAPHORE},
    {"KMUTEX", KE_TYPE_KMUTEX},
    {"FAST_MUTEX", KE_TYPE_FAST_MUTEX},
    {"ERESOURCE", KE_TYPE_ERESOURCE},
    {"KTIMER", KE_TYPE_KTIMER},
    {"KDPC", KE_TYPE_KDPC},
    {"LIST_ENTRY", KE_TYPE_LIST_ENTRY},
    {"SINGLE_LIST_ENTRY", KE_TYPE_SINGLE_LIST_ENTRY},
    {"NPAGED_LOOKASIDE_LIST", KE_TYPE_NPAGED_LOOKASIDE_LIST},
    {"PAGED_LOOKASIDE_LIST", KE_TYPE_PAGED_LOOKASIDE_LIST},
    {"OB_CALLBACK_REGISTRATION", KE_TYPE_OB_CALLBACK_REGISTRATION},
    {"OB_OPERATION_REGISTRATION", KE_TYPE_OB_OPERATION_REGISTRATION},
    {"CLIENT_ID", KE_TYPE_CLIENT_ID},
    {"LONG", KE_TYPE_LONG},
    {"LONG64", KE_TYPE_LONG64},
    {"LARGE_INTEGER", KE_TYPE_LARGE_INTEGER},
    {"SLIST_HEADER", KE_TYPE_SLIST_HEADER},
    {"SLIST_ENTRY", KE_TYPE_SLIST_ENTRY},
    {"TIME_FIELDS", KE_TYPE_TIME_FIELDS},
    {"PROCESSOR_NUMBER", KE_TYPE_PROCESSOR_NUMBER},
    {"KGUARDED_MUTEX", KE_TYPE_KGUARDED_MUTEX},
    {"EX_RUNDOWN_REF", KE_TYPE_EX_RUNDOWN_REF},
    {"EX_PUSH_LOCK", KE_TYPE_EX_PUSH_LOCK},
    {"WORK_QUEUE_ITEM", KE_TYPE_WORK_QUEUE_ITEM},
    {"LOOKASIDE_LIST_EX", KE_TYPE_LOOKASIDE_LIST_EX},
    {"IO_REMOVE_LOCK", KE_TYPE_IO_REMOVE_LOCK},
    {"IO_CSQ", KE_TYPE_IO_CSQ},
    {"IO_CSQ_IRP_CONTEXT", KE_TYPE_IO_CSQ_IRP_CONTEXT},
    {"KDEVICE_QUEUE", KE_TYPE_KDEVICE_QUEUE},
    {"KDEVICE_QUEUE_ENTRY", KE_TYPE_KDEVICE_QUEUE_ENTRY},
    {"SHARE_ACCESS", KE_TYPE_SHARE_ACCESS},
    {"OBJECT_ATTRIBUTES", KE_TYPE_OBJECT_ATTRIBUTES},
    {"KEY_VALUE_BASIC_INFORMATION", KE_TYPE_KEY_VALUE_BASIC_INFORMATION},
    {"KEY_VALUE_FULL_INFORMATION", KE_TYPE_KEY_VALUE_FULL_INFORMATION},
    {"KEY_VALUE_PARTIAL_INFORMATION", KE_TYPE_KEY_VALUE_PARTIAL_INFORMATION},
    {"KEY_BASIC_INFORMATION", KE_TYPE_KEY_BASIC_INFORMATION},
    {"KEY_FULL_INFORMATION", KE_TYPE_KEY_FULL_INFORMATION},
    {"RTL_QUERY_REGISTRY_TABLE", KE_TYPE_RTL_QUERY_REGISTRY_TABLE},
    {"FILE_BASIC_INFORMATION", KE_TYPE_FILE_BASIC_INFORMATION},
    {"FILE_STANDARD_INFORMATION", KE_TYPE_FILE_STANDARD_INFORMATION},
    {"FILE_POSITION_INFORMATION", KE_TYPE_FILE_POSITION_INFORMATION},
    {"FILE_END_OF_FILE_INFORMATION", KE_TYPE_FILE_END_OF_FILE_INFORMATION},
    {"FILE_DISPOSITION_INFORMATION", KE_TYPE_FILE_DISPOSITION_INFORMATION},
    {"FILE_NETWORK_OPEN_INFORMATION", KE_TYPE_FILE_NETWORK_OPEN_INFORMATION},
    {"REG_SET_VALUE_KEY_INFORMATION", KE_TYPE_REG_SET_VALUE_KEY_INFORMATION},
    {"REG_DELETE_VALUE_KEY_INFORMATION", KE_TYPE_REG_DELETE_VALUE_KEY_INFORMATION},
    {"REG_DELETE_KEY_INFORMATION", KE_TYPE_REG_DELETE_KEY_INFORMATION},
    {"REG_QUERY_VALUE_KEY_INFORMATION", KE_TYPE_REG_QUERY_VALUE_KEY_INFORMATION},
    {"REG_CREATE_KEY_INFORMATION", KE_TYPE_REG_CREATE_KEY_INFORMATION},
    {"REG_OPEN_KEY_INFORMATION", KE_TYPE_REG_OPEN_KEY_INFORMATION},
    {"REG_POST_OPERATION_INFORMATION", KE_TYPE_REG_POST_OPERATION_INFORMATION},
    {"RTL_BITMAP", KE_TYPE_RTL_BITMAP},
    /* Views only: T(p). */
    {"OB_PRE_OPERATION_INFORMATION", KE_TYPE_OB_PRE_OPERATION_INFORMATION},
    {"OB_POST_OPERATION_INFORMATION", KE_TYPE_OB_POST_OPERATION_INFORMATION},
    {"PS_CREATE_NOTIFY_INFO", KE_TYPE_PS_CREATE_NOTIFY_INFO},
    {"DEVICE_CAPABILITIES", KE_TYPE_DEVICE_CAPABILITIES},
    {"DEVICE_RELATIONS", KE_TYPE_DEVICE_RELATIONS},
    {"CM_RESOURCE_LIST", KE_TYPE_CM_RESOURCE_LIST},
    {"CM_PARTIAL_RESOURCE_DESCRIPTOR", KE_TYPE_CM_PARTIAL_RESOURCE_DESCRIPTOR},
    {"POWER_STATE", KE_TYPE_POWER_STATE},
    {"DEVICE_DESCRIPTION", KE_TYPE_DEVICE_DESCRIPTION},
    {"DMA_ADAPTER", KE_TYPE_DMA_ADAPTER},
    {"DMA_OPERATIONS", KE_TYPE_DMA_OPERATIONS},
    {"SCATTER_GATHER_LIST", KE_TYPE_SCATTER_GATHER_LIST},
    {"SCATTER_GATHER_ELEMENT", KE_TYPE_SCATTER_GATHER_ELEMENT},
    {"IMAGE_INFO", KE_TYPE_IMAGE_INFO},
    {"SE_EXPORTS", KE_TYPE_SE_EXPORTS},
    {"DRIVER_OBJECT", KE_TYPE_DRIVER_OBJECT},
    {"DEVICE_OBJECT", KE_TYPE_DEVICE_OBJECT},
    {"FILE_OBJECT", KE_TYPE_FILE_OBJECT},
    {"IRP", KE_TYPE_IRP},
    {"IO_STACK_LOCATION", KE_TYPE_IO_STACK_LOCATION},
    {"IO_WORKITEM", KE_TYPE_IO_WORKITEM},
    {"IO_ERROR_LOG_PACKET", KE_TYPE_IO_ERROR_LOG_PACKET},
};

const lb_constructor *lb_constructor_table(size_t *count, lua_CFunction *make)
{
    *count = sizeof constructors / sizeof constructors[0];
    *make = make_object;
    return constructors;
}

/* luaL_newmetatable (in a fresh state) sized for `fields` keys and its own
 * two (__name, and __metatable when lb_sandbox_seal seals it), so that
 * filling it does not grow it step by step in every seed. */
static void new_metatable(lua_State *L, const char *name, int fields)
{
    lua_createtable(L, 0, fields + 2);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, name);
}

void lb_register_pointer(lua_State *L)
{
    static const luaL_Reg pointer_meta[] = {
        {"__index", pointer_index},
        {"__newindex", pointer_newindex},
        {"__add", pointer_add},
        {"__sub", pointer_sub},
        {"__eq", pointer_eq},
        {"__lt", pointer_lt},
        {"__le", pointer_le},
        {"__tostring", pointer_tostring},
        {NULL, NULL},
    };
    lb_state *lb = lb_get(L);
    /* The methods (pointer_methods) are set at their first use, by
     * pointer_index: nothing else reads the sealed metatable. */
    new_metatable(L, POINTER_MT,
                  (int)(sizeof pointer_meta / sizeof pointer_meta[0] +
                        sizeof pointer_methods / sizeof pointer_methods[0]) -
                      2);
    luaL_setfuncs(L, pointer_meta, 0);
    lb->pointer_mt = lua_topointer(L, -1);
    lb->pointer_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    static const luaL_Reg object_meta[] = {
        {"__index", driver_object_index},
        {"__newindex", driver_object_newindex},
        {"__eq", pointer_eq},
        {"__add", pointer_add},
        {"__sub", pointer_sub},
        {"__tostring", driver_object_tostring},
        {NULL, NULL},
    };
    luaL_newmetatable(L, MAJOR_FUNCTION_MT);
    lua_pushcfunction(L, major_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, major_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pop(L, 1);
    /* The constructors are registered here only under a name an earlier
     * registration set (none today), which they replaced: globals.c
     * resolves the others on first use, and lets a later registration of
     * the same name win, as eager registration did. Whether a name is set
     * yet is the same in every state: found once per process. */
    static signed char replaces[sizeof constructors / sizeof constructors[0]];
    static bool replaces_known;
    lua_pushglobaltable(L);
    for (size_t i = 0; i < sizeof constructors / sizeof constructors[0]; i++) {
        if (!replaces_known)
            replaces[i] = lua_getfield(L, -1, constructors[i].name) != LUA_TNIL;
        if (!replaces_known)
            lua_pop(L, 1);
        if (replaces[i])
            register_constructor(L, constructors[i].name, constructors[i].type);
    }
    replaces_known = true;
    lua_pop(L, 1);
    static const luaL_Reg functions[] = {
        {"FIELD_OFFSET", l_FIELD_OFFSET},
        {"StackObject", l_StackObject},
        {"CONTAINING_RECORD", l_CONTAINING_RECORD},
        {"sizeof", l_sizeof},
        {"ULONG_PTR", l_ULONG_PTR},
        {"ARRAY", l_ARRAY},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, functions);
    lua_pop(L, 1);

    new_metatable(L, DRIVER_OBJECT_MT, (int)(sizeof object_meta / sizeof object_meta[0]) - 1);
    luaL_setfuncs(L, object_meta, 0);
    lb->driver_object_mt = lua_topointer(L, -1);
    lb->driver_object_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}
