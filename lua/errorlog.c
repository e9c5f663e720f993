/*
 * errorlog.c - the harness's view of the system event log: ErrorLog()
 * returns the entries drivers wrote with IoWriteErrorLogEntry (the kernel's,
 * sim/io/errorlog.c), as the event viewer would list them. Marshalling only.
 */
#include "binding.h"

static void set_integer(lua_State *L, const char *name, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, name);
}

/* ErrorLog() -> { entry, ... } in the order written; each entry a table
 * with the IO_ERROR_LOG_PACKET's fields by name, DumpData (a string of its
 * bytes), Strings (the insertion strings), Driver (the image name) and
 * DeviceObject (a pointer, nil for a driver object's entry). */
static int l_ErrorLog(lua_State *L)
{
    lb_check_harness(L, "ErrorLog");
    uint32_t count = 0;
    const io_error_entry *e = io_error_log_entries(lb_get(L)->m, &count);
    lua_createtable(L, (int)count, 0);
    for (uint32_t i = 0; i < count; i++, e++) {
        lua_createtable(L, 0, 16);
        lua_pushstring(L, e->driver);
        lua_setfield(L, -2, "Driver");
        lb_push_ptr(L, e->device);
        lua_setfield(L, -2, "DeviceObject");
        set_integer(L, "TimeStamp", e->time_stamp);
        set_integer(L, "MajorFunctionCode", e->major_function);
        set_integer(L, "RetryCount", e->retry_count);
        set_integer(L, "EventCategory", e->event_category);
        set_integer(L, "ErrorCode", e->error_code);
        set_integer(L, "UniqueErrorValue", e->unique_error_value);
        set_integer(L, "FinalStatus", e->final_status);
        set_integer(L, "SequenceNumber", e->sequence_number);
        set_integer(L, "IoControlCode", e->io_control_code);
        set_integer(L, "DeviceOffset", (lua_Integer)e->device_offset);
        lua_pushlstring(L, (const char *)e->dump, e->dump_bytes);
        lua_setfield(L, -2, "DumpData");
        lua_createtable(L, (int)e->string_count, 0);
        for (uint32_t s = 0; s < e->string_count; s++) {
            lua_pushstring(L, e->strings[s]);
            lua_rawseti(L, -2, (lua_Integer)s + 1);
        }
        lua_setfield(L, -2, "Strings");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

void lb_register_errorlog(lua_State *L)
{
    lua_register(L, "ErrorLog", l_ErrorLog);
}
