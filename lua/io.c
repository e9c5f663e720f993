/*
 * io.c - the harness functions for an application's I/O: CreateFile,
 * ReadFile, WriteFile, DeviceIoControl, GetOverlappedResult, CancelIoEx,
 * CloseHandle. Callable in run() (the System process) and in code running
 * in an application's process (RunInProcess, StartInProcess): the requestor
 * is the calling thread's process.
 *
 * Each call builds the request's IRP (io/request.c) and sends it the way
 * the I/O manager does, through the DDIs themselves: IoCallDriver runs the
 * driver's dispatch routine on the calling thread; a synchronous caller
 * whose request pends waits on the request's event (KeWaitForSingleObject);
 * an overlapped one gets STATUS_PENDING, the request and its event.
 */
#include <string.h>

#include "binding.h"
#include "ddi_table.h"
#include "io/io.h"
#include "ke/types.h"
#include "ob/ob.h"

static io_file *check_file(lua_State *L, const char *fn)
{
    lb_state *lb = lb_get(L);
    uint64_t handle = lb_check_handle(L, 1, fn, "Handle");
    io_file *f = io_file_of_handle(lb->m, handle);
    if (f == NULL)
        lb_scenario_error(L, "%s: argument 1 is not an open handle (CreateFile returns one)", fn);
    return f;
}

static int finish(lua_State *L, io_request *r, NTSTATUS status);

static int after_wait(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    lb_state *lb = lb_get(L);
    if (ke_stopped(lb->m))
        return lb_stopped(L);
    lua_pop(L, 1); /* the wait's status */
    io_request *r = io_request_of_id(lb->m, (uint32_t)lua_tointeger(L, -1));
    lua_pop(L, 1);
    KE_CHECK(lb->m, r != NULL && r->done);
    return finish(L, r, r->status);
}

/* After IoCallDriver returned `status`; below it, the request id and
 * whether the caller asked for overlapped I/O. */
static int after_call(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    lb_state *lb = lb_get(L);
    if (ke_stopped(lb->m))
        return lb_stopped(L);
    NTSTATUS s = (NTSTATUS)(uint32_t)lua_tointeger(L, -1);
    bool overlapped = lua_toboolean(L, -2);
    uint32_t id = (uint32_t)lua_tointeger(L, -3);
    lua_pop(L, 3);
    io_request *r = io_request_of_id(lb->m, id);
    KE_CHECK(lb->m, r != NULL);
    /* An overlapped caller gets the status IoCallDriver returned, as
     * NtReadFile returns it for a handle opened for asynchronous I/O:
     * STATUS_PENDING even when the IRP completed on another processor
     * before the dispatch routine returned (its event is set then). */
    if (s == STATUS_PENDING && (overlapped || !r->done)) {
        if (overlapped) {
            lb_push_status(L, STATUS_PENDING);
            lua_pushinteger(L, r->id);
            lb_push_typed_ptr(L, r->event, KE_TYPE_KEVENT);
            return 3;
        }
        lua_pushinteger(L, r->id);
        lua_getglobal(L, "KeWaitForSingleObject");
        lb_push_typed_ptr(L, r->event, KE_TYPE_KEVENT);
        lua_pushinteger(L, 0); /* Executive */
        lua_pushinteger(L, 0); /* KernelMode: the I/O manager's own wait */
        lua_pushboolean(L, 0);
        lua_pushnil(L);
        lua_callk(L, 5, 1, 0, after_wait);
        return after_wait(L, LUA_OK, 0);
    }
    /* Completed, or a status returned without completing (a driver bug the
     * verifier reports): the returned status is what the caller sees. */
    return finish(L, r, r->done && s == STATUS_PENDING ? r->status : s);
}

/* Sends the request to the top of its device's stack. */
static int send(lua_State *L, io_request *r, bool overlapped)
{
    lua_pushinteger(L, r->id);
    lua_pushboolean(L, overlapped);
    lua_getglobal(L, "IoCallDriver");
    lb_push_device(L, io_attached_top(r->file->device)->va);
    lb_push_irp(L, r->irp);
    lua_callk(L, 2, 1, 0, after_call);
    return after_call(L, LUA_OK, 0);
}

static io_request *build_at(lua_State *L, io_file *f, uint8_t major, ULONG code,
                            const char *input, size_t input_len, uint64_t output_len,
                            PVOID_VA in_va, PVOID_VA out_va, const char *fn)
{
    if (input_len > 0x1000000 || output_len > 0x1000000)
        lb_scenario_error(L, "%s: buffers are at most 16 MiB", fn);
    ke_call call;
    lb_harness_call(L, &call);
    NTSTATUS status = STATUS_SUCCESS;
    io_request *r = io_request_build(&call, f, major, code, input, (uint32_t)input_len,
                                     (uint32_t)output_len, in_va, out_va, &status);
    if (r == NULL && status == STATUS_NOT_SUPPORTED)
        lb_scenario_error(L,
                          "%s: the driver would get the caller's user addresses "
                          "(METHOD_NEITHER, or a device with neither DO_BUFFERED_IO nor "
                          "DO_DIRECT_IO), and run() is the System process, which has none: "
                          "call it from an application's code (RunInProcess)",
                          fn);
    return r;
}

static io_request *build(lua_State *L, io_file *f, uint8_t major, ULONG code, const char *input,
                         size_t input_len, uint64_t output_len, const char *fn)
{
    return build_at(L, f, major, code, input, input_len, output_len, 0, 0, fn);
}

/* A buffer the application names: {pointer, length} (its own memory, for
 * METHOD_NEITHER); false when the argument is not a table. */
static bool user_buffer(lua_State *L, int arg, const char *fn, const char *what, PVOID_VA *va,
                        uint64_t *length)
{
    if (!lua_istable(L, arg))
        return false;
    lua_rawgeti(L, arg, 1);
    lua_rawgeti(L, arg, 2);
    if (lua_rawlen(L, arg) != 2 || !lua_isinteger(L, -1))
        lb_scenario_error(L, "%s: %s (argument %d) is {pointer, length}", fn, what, arg);
    *va = lb_check_ptr(L, -2, fn, what);
    *length = lb_check_ulong(L, -1, fn, what);
    lua_pop(L, 2);
    return true;
}

static void start_close(lua_State *L, io_file *f);

static int finish(lua_State *L, io_request *r, NTSTATUS status)
{
    lb_state *lb = lb_get(L);
    ke_call call;
    lb_harness_call(L, &call);
    io_file *f = r->file;
    uint8_t major = r->major;
    int results = 0;
    switch (major) {
    case IRP_MJ_CREATE:
        if (NT_SUCCESS(status)) {
            lua_pushinteger(L, (lua_Integer)f->handle);
        } else {
            lua_pushnil(L);
            f->closed = true;
        }
        lb_push_status(L, status);
        results = 2;
        break;
    case IRP_MJ_READ:
    case IRP_MJ_DEVICE_CONTROL:
    case IRP_MJ_INTERNAL_DEVICE_CONTROL:
        lb_push_status(L, status);
        lua_pushlstring(L, r->data != NULL ? r->data : "", r->data_len);
        results = 2;
        break;
    case IRP_MJ_WRITE:
        lb_push_status(L, status);
        lua_pushinteger(L, (lua_Integer)r->information);
        results = 2;
        break;
    case IRP_MJ_CLEANUP:
        io_request_free(&call, r);
        start_close(L, f);
        return lua_gettop(L) == 0 ? 0 : 1; /* not reached: start_close returns through send */
    case IRP_MJ_CLOSE:
        lb_push_status(L, status);
        results = 1;
        break;
    default:
        KE_CHECK(lb->m, false);
    }
    io_request_free(&call, r);
    if (major == IRP_MJ_CLOSE || (major == IRP_MJ_CREATE && !NT_SUCCESS(status)))
        io_file_release(&call, f);
    return results;
}

/* CreateFile(path) -> handle, status: opens the device a path names
 * ("\\\\.\\Echo" through a \\DosDevices link, or "\\Device\\Echo"); nil
 * and the status when it fails. */
static int l_CreateFile(lua_State *L)
{
    lb_check_harness(L, "CreateFile");
    const char *path = luaL_checkstring(L, 1);
    lb_check_yieldable(L, "CreateFile");
    lb_state *lb = lb_get(L);
    io_device *dev = io_resolve_path(lb->m, path);
    if (dev == NULL) {
        lua_pushnil(L);
        lb_push_status(L, STATUS_OBJECT_NAME_NOT_FOUND);
        return 2;
    }
    ke_call call;
    lb_harness_call(L, &call);
    io_file *f = io_file_open(&call, dev);
    io_request *r = f != NULL ? build(L, f, IRP_MJ_CREATE, 0, NULL, 0, 0, "CreateFile") : NULL;
    if (r == NULL) {
        if (f != NULL)
            io_file_release(&call, f);
        lua_pushnil(L);
        lb_push_status(L, STATUS_INSUFFICIENT_RESOURCES);
        return 2;
    }
    return send(L, r, false);
}

static bool check_overlapped(lua_State *L, int idx)
{
    return lua_toboolean(L, idx);
}

/* ReadFile(handle, length [, overlapped]) -> status, data. */
static int l_ReadFile(lua_State *L)
{
    lb_check_harness(L, "ReadFile");
    io_file *f = check_file(L, "ReadFile");
    uint64_t length = lb_check_ulong(L, 2, "ReadFile", "Length");
    bool overlapped = check_overlapped(L, 3);
    lb_check_yieldable(L, "ReadFile");
    io_request *r = build(L, f, IRP_MJ_READ, 0, NULL, 0, length, "ReadFile");
    if (r == NULL) {
        lb_push_status(L, STATUS_INSUFFICIENT_RESOURCES);
        lua_pushliteral(L, "");
        return 2;
    }
    return send(L, r, overlapped);
}

/* WriteFile(handle, data [, overlapped]) -> status, bytes written. */
static int l_WriteFile(lua_State *L)
{
    lb_check_harness(L, "WriteFile");
    io_file *f = check_file(L, "WriteFile");
    size_t len = 0;
    const char *data = luaL_checklstring(L, 2, &len);
    bool overlapped = check_overlapped(L, 3);
    lb_check_yieldable(L, "WriteFile");
    io_request *r = build(L, f, IRP_MJ_WRITE, 0, data, len, 0, "WriteFile");
    if (r == NULL) {
        lb_push_status(L, STATUS_INSUFFICIENT_RESOURCES);
        lua_pushinteger(L, 0);
        return 2;
    }
    return send(L, r, overlapped);
}

/* DeviceIoControl(handle, code, input (string or nil), output length
 * [, overlapped]) -> status, output. For METHOD_NEITHER, input and output
 * may be {pointer, length}: the application's own memory, handed to the
 * driver as it is. */
static int l_DeviceIoControl(lua_State *L)
{
    lb_check_harness(L, "DeviceIoControl");
    io_file *f = check_file(L, "DeviceIoControl");
    ULONG code = lb_check_ulong(L, 2, "DeviceIoControl", "IoControlCode");
    size_t len = 0;
    const char *input = NULL;
    PVOID_VA in_va = 0, out_va = 0;
    uint64_t in_len = 0, output_len = 0;
    bool own_in = user_buffer(L, 3, "DeviceIoControl", "InputBuffer", &in_va, &in_len);
    bool own_out = user_buffer(L, 4, "DeviceIoControl", "OutputBuffer", &out_va, &output_len);
    if (own_in)
        len = in_len;
    else if (!lua_isnil(L, 3))
        input = luaL_checklstring(L, 3, &len);
    if (!own_out)
        output_len = lb_check_ulong(L, 4, "DeviceIoControl", "OutputBufferLength");
    if ((own_in || own_out) && (code & 3u) != 3u)
        lb_scenario_error(L, "DeviceIoControl: a {pointer, length} buffer is for METHOD_NEITHER "
                             "(the other methods copy a string)");
    bool overlapped = check_overlapped(L, 5);
    lb_check_yieldable(L, "DeviceIoControl");
    io_request *r = build_at(L, f, IRP_MJ_DEVICE_CONTROL, code, input, len, output_len, in_va,
                             out_va, "DeviceIoControl");
    if (r == NULL) {
        lb_push_status(L, STATUS_INSUFFICIENT_RESOURCES);
        lua_pushliteral(L, "");
        return 2;
    }
    return send(L, r, overlapped);
}

/* GetOverlappedResult(request) -> status, data (or bytes written): the
 * outcome of an overlapped request once its event is set; STATUS_PENDING
 * while it is not. */
static int l_GetOverlappedResult(lua_State *L)
{
    lb_check_harness(L, "GetOverlappedResult");
    lb_state *lb = lb_get(L);
    io_request *r = io_request_of_id(lb->m, (uint32_t)luaL_checkinteger(L, 1));
    if (r == NULL)
        lb_scenario_error(L, "GetOverlappedResult: not a request in flight (an overlapped "
                             "ReadFile, WriteFile or DeviceIoControl returns one)");
    if (!r->done) {
        lb_push_status(L, STATUS_PENDING);
        lua_pushnil(L);
        return 2;
    }
    return finish(L, r, r->status);
}

static int after_cancel(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return 1; /* IoCancelIrp's BOOLEAN */
}

/* CancelIoEx(request) -> whether a cancel routine was called: IoCancelIrp on
 * the request's IRP, as the I/O manager does for the application. */
static int l_CancelIoEx(lua_State *L)
{
    lb_check_harness(L, "CancelIoEx");
    lb_state *lb = lb_get(L);
    io_request *r = io_request_of_id(lb->m, (uint32_t)luaL_checkinteger(L, 1));
    if (r == NULL)
        lb_scenario_error(L, "CancelIoEx: not a request in flight");
    if (r->done) {
        lua_pushboolean(L, 0);
        return 1;
    }
    lb_check_yieldable(L, "CancelIoEx");
    lua_getglobal(L, "IoCancelIrp");
    lb_push_irp(L, r->irp);
    lua_callk(L, 1, 1, 0, after_cancel);
    return after_cancel(L, LUA_OK, 0);
}

static void start_close(lua_State *L, io_file *f)
{
    io_request *r = build(L, f, IRP_MJ_CLOSE, 0, NULL, 0, 0, "CloseHandle");
    if (r == NULL) {
        lb_push_status(L, STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    /* The CLOSE request's own results are CloseHandle's. */
    lua_pushinteger(L, r->id);
    lua_pushboolean(L, 0);
    lua_getglobal(L, "IoCallDriver");
    lb_push_device(L, io_attached_top(f->device)->va);
    lb_push_irp(L, r->irp);
    lua_callk(L, 2, 1, 0, after_call);
    after_call(L, LUA_OK, 0);
}

/* CloseHandle(handle) -> status: for a file, IRP_MJ_CLEANUP, then
 * IRP_MJ_CLOSE; an object's handle (CreateEvent, OpenProcess, OpenThread)
 * drops its reference. */
static int l_CloseHandle(lua_State *L)
{
    lb_check_harness(L, "CloseHandle");
    lb_state *lb = lb_get(L);
    if (lua_isinteger(L, 1) && io_file_of_handle(lb->m, (uint64_t)lua_tointeger(L, 1)) == NULL) {
        ke_call call;
        lb_harness_call(L, &call);
        if (ob_user_handle_close(&call, call.thread->process, (uint64_t)lua_tointeger(L, 1))) {
            lb_push_status(L, STATUS_SUCCESS);
            return 1;
        }
    }
    io_file *f = check_file(L, "CloseHandle");
    lb_check_yieldable(L, "CloseHandle");
    f->closed = true; /* no new request through the handle */
    io_request *r = build(L, f, IRP_MJ_CLEANUP, 0, NULL, 0, 0, "CloseHandle");
    if (r == NULL) {
        lb_push_status(L, STATUS_INSUFFICIENT_RESOURCES);
        return 1;
    }
    lua_settop(L, 0);
    return send(L, r, false);
}

void lb_register_io(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"CreateFile", l_CreateFile},
        {"ReadFile", l_ReadFile},
        {"WriteFile", l_WriteFile},
        {"DeviceIoControl", l_DeviceIoControl},
        {"GetOverlappedResult", l_GetOverlappedResult},
        {"CancelIoEx", l_CancelIoEx},
        {"CloseHandle", l_CloseHandle},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, functions);
    lua_pop(L, 1);
}
