/*
 * process.c - the harness functions for user processes: CreateProcess,
 * RunInProcess, StartInProcess.
 *
 * A scenario plays the applications that use a driver: it creates a process
 * and runs harness code on a thread of it, so that whatever that code asks
 * of the driver runs in the application's context (PsGetCurrentProcess is
 * the application, quota is charged to it).
 */
#include <string.h>

#include "binding.h"
#include "ddi_table.h"
#include "ps/ps.h"

/* The process notify routines have run: the new process, or, when an Ex
 * routine refused it (CreationStatus), nil and that status. */
static int create_finish(lua_State *L, lb_batch *b)
{
    ps_process *p = b->b.process;
    NTSTATUS status = b->b.status;
    lua_pop(L, 1);
    if (!NT_SUCCESS(status)) {
        ke_call call;
        lb_harness_call(L, &call);
        ps_process_refused(&call, p);
        lua_pushnil(L);
        lb_push_status(L, status);
        return 2;
    }
    lb_push_ptr(L, p->eprocess);
    return 1;
}

/* The process notify routines of a new process: they run on this thread,
 * in the creating process's context (a user process's thread is not a
 * system thread). */
static int notify_created(lua_State *L, ps_process *p, const char *command_line)
{
    lb_state *lb = lb_get(L);
    if (lb->m->process_notify_count == 0) {
        lb_push_ptr(L, p->eprocess);
        return 1;
    }
    lb_batch *b = lb_push_batch(L, create_finish);
    ke_call call;
    lb_harness_call(L, &call);
    ps_batch_process(&call, &b->b, p, true, command_line);
    return lb_run_batch(L);
}

/* The executable is mapped: the load image notify routines, then the
 * process notify routines. The command line stays in the stack slot
 * below the batch. */
static int image_finish(lua_State *L, lb_batch *b)
{
    ps_process *p = b->b.process;
    lua_pop(L, 1);
    const char *line = lua_tostring(L, -1);
    return notify_created(L, p, line);
}

/* CreateProcess(name [, command line]) -> PEPROCESS: a new user process. */
static int l_CreateProcess(lua_State *L)
{
    lb_check_harness(L, "CreateProcess");
    size_t len = 0;
    const char *image = luaL_checklstring(L, 1, &len);
    if (len == 0 || len >= sizeof((ps_process *)0)->image || strpbrk(image, "\\/:") != NULL)
        lb_scenario_error(L, "CreateProcess: \"%s\" is not an image file name (\"app.exe\")",
                          image);
    if (!lua_isnoneornil(L, 2) && lua_type(L, 2) != LUA_TSTRING)
        lb_scenario_error(L, "CreateProcess: argument 2, the command line, must be a string");
    if (lua_type(L, 2) == LUA_TSTRING && lua_rawlen(L, 2) > 1024)
        lb_scenario_error(L, "CreateProcess: a command line is at most 1024 characters here");
    lb_state *lb = lb_get(L);
    ps_process *p = ps_create_process(lb->m, image);
    if (p == NULL)
        lb_scenario_error(L, "CreateProcess: no room for another process (at most %d)",
                          KE_MAX_PROCESSES - 2);
    p->parent_id = lb->current->thread->process->id;
    bool image_notify = ps_image_notify_any(lb->m);
    if (lb->m->process_notify_count == 0 && !image_notify) {
        lb_push_ptr(L, p->eprocess);
        return 1;
    }
    lb_check_yieldable(L, "CreateProcess");
    lua_settop(L, 2);
    if (!image_notify)
        return notify_created(L, p, lua_tostring(L, 2));
    lb_batch *b = lb_push_batch(L, image_finish);
    ke_call call;
    lb_harness_call(L, &call);
    ps_batch_image_process(&call, &b->b, p);
    b->b.process = p;
    return lb_run_batch(L);
}

static ps_process *check_process(lua_State *L, const char *fn)
{
    lb_state *lb = lb_get(L);
    uint64_t va = lb_check_ulongptr(L, 1, fn, "Process");
    ps_process *p = ps_process_at(lb->m, va);
    if (p == NULL || p == lb->m->idle_process)
        lb_scenario_error(L, "%s: argument 1 is not a process (CreateProcess returns one)", fn);
    if (p->exited)
        lb_scenario_error(L,
                          "%s: %s has ended (a process ends when its last thread does); "
                          "CreateProcess another",
                          fn, p->image);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    return p;
}

/* Starts fn on a new thread of process p; returns its thread object, with
 * one reference taken for the caller. */
static ke_object *start(lua_State *L, ps_process *p)
{
    lb_state *lb = lb_get(L);
    ke_call call = {.m = lb->m, .exec = lb->current, .thread = lb->current->thread};
    if (ke_thread_limit_reached(&call))
        lb_refuse(L); /* the machine stopped */
    ke_thread *t = ps_create_harness_thread(lb->m, p, lb_routine_ref(L, 2), lb->current);
    if (t == NULL)
        lb_scenario_error(L, "out of host memory creating a thread");
    t->object->references++;
    return t->object;
}

static int run_continue(lua_State *L, int status, lua_KContext object)
{
    (void)status;
    lb_state *lb = lb_get(L);
    if (ke_stopped(lb->m))
        return lb_stopped(L);
    ke_call call;
    lb_harness_call(L, &call);
    ObDereferenceObject(&call, (PVOID_VA)object); /* the reference start() took */
    return 0;
}

/* RunInProcess(process, fn): runs fn() on a new thread of the process and
 * returns when it has returned. */
static int l_RunInProcess(lua_State *L)
{
    lb_check_harness(L, "RunInProcess");
    ps_process *p = check_process(L, "RunInProcess");
    lb_check_yieldable(L, "RunInProcess");
    ke_object *o = start(L, p);
    ke_call call;
    lb_harness_call(L, &call);
    ke_wait_on(&call, o);
    if (!call.blocked)
        return run_continue(L, LUA_OK, (lua_KContext)o->va);
    return lua_yieldk(L, 0, (lua_KContext)o->va, run_continue);
}

/* StartInProcess(process, fn) -> PETHREAD: starts fn() on a new thread of
 * the process and returns at once. The thread object is referenced, as
 * ObReferenceObjectByHandle would give it: wait for it with
 * KeWaitForSingleObject, then ObDereferenceObject it. */
static int l_StartInProcess(lua_State *L)
{
    lb_check_harness(L, "StartInProcess");
    ps_process *p = check_process(L, "StartInProcess");
    lb_push_ptr(L, start(L, p)->va);
    return 1;
}

void lb_register_process(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"CreateProcess", l_CreateProcess},
        {"RunInProcess", l_RunInProcess},
        {"StartInProcess", l_StartInProcess},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, functions);
    lua_pop(L, 1);
}
