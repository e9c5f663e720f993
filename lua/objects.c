/*
 * objects.c - the kernel's exported variables as globals (PsProcessType,
 * ExEventObjectType, SeExports, ...), and the harness functions for an
 * application's handles to objects: CreateEvent, SetEvent, ResetEvent,
 * WaitForSingleObject, OpenProcess, OpenThread, HandleAccess (CloseHandle,
 * in io.c, closes them too).
 *
 * Marshalling only: the object manager (sim/ob) keeps the handles and runs
 * the checks; OpenProcess and OpenThread run the Ob callbacks as a batch
 * of driver routines (ps/ps.h).
 */
#include <string.h>

#include "binding.h"
#include "ddi_table.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "ob/ob.h"
#include "ps/ps.h"

static void push_object_global(lua_State *L, ke_arch arch, ob_export e);

void lb_register_object_globals(lua_State *L, ke_arch arch)
{
    for (uint32_t e = 0; e < OB_EXPORT_COUNT; e++) {
        push_object_global(L, arch, (ob_export)e);
        lua_setglobal(L, ob_export_name((ob_export)e));
    }
}

/* The calling thread's process, for an application's handle. */
static ps_process *caller(lua_State *L)
{
    return lb_get(L)->current->thread->process;
}

/* An object handle of the calling process, and its object. */
static PVOID_VA check_object_handle(lua_State *L, const char *fn, ob_type_id want,
                                    ob_type_id *type, ULONG *access)
{
    uint64_t h = lb_check_handle(L, 1, fn, "hHandle");
    PVOID_VA object = 0;
    ob_type_id t = OB_TYPE_NONE;
    ULONG a = 0;
    if (!ob_user_handle_lookup(lb_get(L)->m, caller(L), h, &t, &object, &a))
        lb_scenario_error(L,
                          "%s: argument 1 is not a handle this process holds (CreateEvent, "
                          "OpenProcess and OpenThread return one)",
                          fn);
    if (want != OB_TYPE_NONE && t != want)
        lb_scenario_error(L, "%s: argument 1 is a handle to a %s, not to a %s", fn,
                          ob_type_name(t), ob_type_name(want));
    if (type != NULL)
        *type = t;
    if (access != NULL)
        *access = a;
    return object;
}

/* CreateEvent(ManualReset, InitialState) -> handle: a new event object of
 * the calling process, EVENT_ALL_ACCESS (CreateEventW without a name). */
static int l_CreateEvent(lua_State *L)
{
    lb_check_harness(L, "CreateEvent");
    luaL_checktype(L, 1, LUA_TBOOLEAN);
    luaL_checktype(L, 2, LUA_TBOOLEAN);
    ke_call call;
    lb_harness_call(L, &call);
    PVOID_VA ev = ob_create_event(&call, lua_toboolean(L, 1), lua_toboolean(L, 2));
    if (ev == 0) {
        lua_pushnil(L);
        return 1;
    }
    uint64_t h = ob_user_handle_create(&call, caller(L), OB_TYPE_EVENT, ev,
                                       ob_map_access(OB_TYPE_EVENT, OB_GENERIC_ALL));
    lua_pushinteger(L, (lua_Integer)h);
    return 1;
}

/* SetEvent(handle) / ResetEvent(handle) -> the previous state (0 or 1). */
static int set_or_reset(lua_State *L, const char *fn, bool set)
{
    lb_check_harness(L, fn);
    PVOID_VA ev = check_object_handle(L, fn, OB_TYPE_EVENT, NULL, NULL);
    lua_getglobal(L, set ? "KeSetEvent" : "KeResetEvent");
    lb_push_typed_ptr(L, ev, KE_TYPE_KEVENT);
    if (set) {
        lua_pushinteger(L, 0);
        lua_pushboolean(L, 0);
    }
    lua_call(L, set ? 3 : 1, 1);
    return 1;
}

static int l_SetEvent(lua_State *L)
{
    return set_or_reset(L, "SetEvent", true);
}

static int l_ResetEvent(lua_State *L)
{
    return set_or_reset(L, "ResetEvent", false);
}

static int wait_continue(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return 1;
}

/* WaitForSingleObject(handle [, timeout]) -> STATUS_WAIT_0 or
 * STATUS_TIMEOUT: a UserMode wait on the handle's object (no timeout:
 * forever; a duration as Sleep takes it, "0ms" to poll). */
static int l_WaitForSingleObject(lua_State *L)
{
    lb_check_harness(L, "WaitForSingleObject");
    PVOID_VA object = check_object_handle(L, "WaitForSingleObject", OB_TYPE_NONE, NULL, NULL);
    bool timed = !lua_isnoneornil(L, 2);
    uint64_t timeout = timed ? lb_check_duration(L, 2, "WaitForSingleObject") : 0;
    lb_check_yieldable(L, "WaitForSingleObject");
    lua_getglobal(L, "KeWaitForSingleObject");
    lb_push_ptr(L, object);
    lua_pushinteger(L, 6); /* UserRequest */
    lua_pushinteger(L, 1); /* UserMode */
    lua_pushboolean(L, 0);
    if (timed)
        lua_pushinteger(L, -(lua_Integer)timeout); /* relative */
    else
        lua_pushnil(L);
    lua_callk(L, 5, 1, 0, wait_continue);
    return wait_continue(L, LUA_OK, 0);
}

/* OpenProcess and OpenThread: after the Ob callbacks, the handle with the
 * access they left, and its status. */
static int open_finish(lua_State *L, lb_batch *b)
{
    ob_type_id type = b->b.ob.type;
    PVOID_VA object = b->b.ob.object;
    ULONG access = (ULONG)b->b.status;
    lua_pop(L, 1);
    ke_call call;
    lb_harness_call(L, &call);
    uint64_t h = ob_user_handle_create(&call, caller(L), type, object, access);
    lua_pushinteger(L, (lua_Integer)h);
    lb_push_status(L, STATUS_SUCCESS);
    return 2;
}

static int open_object(lua_State *L, const char *fn, ob_type_id type)
{
    lb_check_harness(L, fn);
    ULONG desired = lb_check_ulong(L, 1, fn, "dwDesiredAccess");
    luaL_checktype(L, 2, LUA_TBOOLEAN); /* bInheritHandle: no child inherits here */
    uint64_t id = lb_check_handle(L, 3, fn, type == OB_TYPE_PROCESS ? "dwProcessId" : "dwThreadId");
    lb_state *lb = lb_get(L);
    ke_call call;
    lb_harness_call(L, &call);
    /* The object, by id, as the system service finds it (a reference the
     * handle's creation then keeps). */
    PVOID_VA object = 0;
    NTSTATUS s = type == OB_TYPE_PROCESS ? PsLookupProcessByProcessId(&call, id, &object)
                                         : PsLookupThreadByThreadId(&call, id, &object);
    if (!NT_SUCCESS(s)) {
        lua_pushnil(L);
        lb_push_status(L, s);
        return 2;
    }
    ObDereferenceObject(&call, object);
    ULONG access = ob_map_access(type, desired);
    if (!ob_callbacks_watch(lb->m, type)) {
        uint64_t h = ob_user_handle_create(&call, caller(L), type, object, access);
        lua_pushinteger(L, (lua_Integer)h);
        lb_push_status(L, STATUS_SUCCESS);
        return 2;
    }
    lb_check_yieldable(L, fn);
    lua_settop(L, 0);
    lb_batch *b = lb_push_batch(L, open_finish);
    if (!ps_batch_ob(&call, &b->b, type, object, OB_OPERATION_HANDLE_CREATE, false, access)) {
        lua_pop(L, 1);
        lua_pushnil(L);
        lb_push_status(L, STATUS_INSUFFICIENT_RESOURCES);
        return 2;
    }
    return lb_run_batch(L);
}

/* OpenProcess(DesiredAccess, InheritHandle, ProcessId) -> handle, status. */
static int l_OpenProcess(lua_State *L)
{
    return open_object(L, "OpenProcess", OB_TYPE_PROCESS);
}

/* OpenThread(DesiredAccess, InheritHandle, ThreadId) -> handle, status. */
static int l_OpenThread(lua_State *L)
{
    return open_object(L, "OpenThread", OB_TYPE_THREAD);
}

/* HandleAccess(handle) -> the access the handle grants (what
 * NtQueryObject's ObjectBasicInformation.GrantedAccess reports). */
static int l_HandleAccess(lua_State *L)
{
    lb_check_harness(L, "HandleAccess");
    ULONG access = 0;
    check_object_handle(L, "HandleAccess", OB_TYPE_NONE, NULL, &access);
    lua_pushinteger(L, access);
    return 1;
}

/* VirtualAlloc(size) -> pointer: zeroed pages of the calling process's
 * user address space (MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE), followed
 * by a page that is not there; nil when its range is full. */
static int l_VirtualAlloc(lua_State *L)
{
    lb_check_harness(L, "VirtualAlloc");
    uint64_t bytes = lb_check_size(L, 1, "VirtualAlloc", "dwSize");
    ps_process *p = caller(L);
    if (p == lb_get(L)->m->system_process)
        lb_scenario_error(L, "VirtualAlloc: run() is the System process, which has no user "
                             "address space: call it in an application (RunInProcess)");
    if (bytes == 0 || bytes > 0x1000000)
        lb_scenario_error(L, "VirtualAlloc: dwSize must be 1 byte to 16 MiB");
    PVOID_VA va = mm_user_alloc(lb_get(L)->m, p, bytes);
    if (va == 0) {
        lua_pushnil(L);
        return 1;
    }
    lb_push_ptr(L, va);
    return 1;
}

/* VirtualFree(pointer, size) -> true: the pages go (MEM_RELEASE); touching
 * them afterwards faults. */
static int l_VirtualFree(lua_State *L)
{
    lb_check_harness(L, "VirtualFree");
    PVOID_VA va = lb_check_ptr(L, 1, "VirtualFree", "lpAddress");
    uint64_t bytes = lb_check_size(L, 2, "VirtualFree", "dwSize");
    if (!mm_user_free(lb_get(L)->m, caller(L), va, bytes))
        lb_scenario_error(L, "VirtualFree: argument 1 is not what VirtualAlloc gave this process");
    lua_pushboolean(L, 1);
    return 1;
}

/* NtCurrentProcess() and NtCurrentThread() (and their Zw names): the
 * pseudo-handles, (HANDLE)-1 and (HANDLE)-2 at the scenario's width. */
static int current_handle(lua_State *L)
{
    lua_Integer v = lua_tointeger(L, lua_upvalueindex(1));
    if (lb_get(L)->sc.arch == KE_ARCH_X86)
        v &= 0xFFFFFFFF;
    lua_pushinteger(L, v);
    return 1;
}

/* lb_globals_defer_made's makers (the name is argument 1): the pseudo
 * handles' functions, and x64's exported variables (scenario{ arch = }
 * registers them again). */
static int make_current_handle(lua_State *L)
{
    lua_pushinteger(L, strstr(lua_tostring(L, 1), "Process") != NULL ? -1 : -2);
    lua_pushcclosure(L, current_handle, 1);
    return 1;
}

static void push_object_global(lua_State *L, ke_arch arch, ob_export e)
{
    /* C's PsProcessType is a POBJECT_TYPE * (the variable's address);
     * SeExports is the PSE_EXPORTS variable itself. */
    if (e == OB_EXPORT_SeExports)
        lb_push_typed_ptr(L, ob_se_exports_va(arch), KE_TYPE_SE_EXPORTS);
    else
        lb_push_ptr(L, ob_export_va(arch, e));
}

static int make_x64_object_global(lua_State *L)
{
    const char *name = lua_tostring(L, 1);
    for (uint32_t e = 0; e < OB_EXPORT_COUNT; e++) {
        if (strcmp(ob_export_name((ob_export)e), name) == 0) {
            push_object_global(L, KE_ARCH_X64, (ob_export)e);
            return 1;
        }
    }
    return 0;
}

void lb_register_objects(lua_State *L)
{
    static const luaL_Reg pseudo[] = {
        {"NtCurrentProcess", make_current_handle},
        {"ZwCurrentProcess", make_current_handle},
        {"NtCurrentThread", make_current_handle},
        {"ZwCurrentThread", make_current_handle},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer_made(L, pseudo);
    lua_pop(L, 1);
    static const luaL_Reg functions[] = {
        {"CreateEvent", l_CreateEvent},
        {"SetEvent", l_SetEvent},
        {"ResetEvent", l_ResetEvent},
        {"WaitForSingleObject", l_WaitForSingleObject},
        {"OpenProcess", l_OpenProcess},
        {"OpenThread", l_OpenThread},
        {"HandleAccess", l_HandleAccess},
        {"VirtualAlloc", l_VirtualAlloc},
        {"VirtualFree", l_VirtualFree},
        {NULL, NULL},
    };
    static luaL_Reg exports[OB_EXPORT_COUNT + 1];
    for (uint32_t e = 0; e < OB_EXPORT_COUNT; e++)
        exports[e] = (luaL_Reg){ob_export_name((ob_export)e), make_x64_object_global};
    lua_pushglobaltable(L);
    lb_globals_defer(L, functions);
    lb_globals_defer_made(L, exports);
    lua_pop(L, 1);
}
