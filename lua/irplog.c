/*
 * irplog.c - IrpLog(device), the harness' view of IRP logging's record
 * (/flags 0x400, sim/vf/irplog.h). Marshalling only.
 */
#include "binding.h"
#include "io/io.h"
#include "vf/vf.h"

/*
 * IrpLog(device) -> entries, total. `device` is a device object or the name
 * it was created with ("\\Device\\Echo"). entries: a list of the record's
 * entries in its slot order (at most 20; once a 21st IRP came, slot 1 holds
 * it, as Windows' record does), each { major, minor, thread, time (100 ns
 * since boot), seq (1 = the run's first logged IRP), and for an IOCTL
 * ioctl (the code), input_length, output_length }; total: the IRPs logged
 * for the device, also those the record no longer holds. An empty list and
 * 0 when none was logged (0x400 off, or the device not a verified driver's).
 */
static int l_IrpLog(lua_State *L)
{
    lb_check_harness(L, "IrpLog");
    lb_state *lb = lb_get(L);
    PVOID_VA device = 0;
    if (lua_type(L, 1) == LUA_TSTRING) {
        const char *name = lua_tostring(L, 1);
        const io_device *d = io_device_by_name(lb->m, name);
        if (d == NULL)
            lb_scenario_error(L, "IrpLog: no device object is named \"%s\"", name);
        device = d->va;
    } else {
        device = lb_check_ptr(L, 1, "IrpLog", "DeviceObject");
        if (device == 0)
            lb_scenario_error(L, "IrpLog: argument 1 must be a device object or a device name");
    }
    const vf_irplog_device *r = vf_irplog_find(lb->m, device);
    uint32_t count = r != NULL ? r->count : 0;
    lua_createtable(L, (int)count, 0);
    for (uint32_t k = 0; k < count; k++) {
        const vf_irplog_entry *e = &r->ring[k];
        lua_createtable(L, 0, 8);
        lua_pushinteger(L, e->major);
        lua_setfield(L, -2, "major");
        lua_pushinteger(L, e->minor);
        lua_setfield(L, -2, "minor");
        lua_pushinteger(L, e->thread);
        lua_setfield(L, -2, "thread");
        lua_pushinteger(L, (lua_Integer)e->time_100ns);
        lua_setfield(L, -2, "time");
        lua_pushinteger(L, (lua_Integer)e->seq);
        lua_setfield(L, -2, "seq");
        if (e->major == 0x0E || e->major == 0x0F) { /* IRP_MJ_(INTERNAL_)DEVICE_CONTROL */
            lua_pushinteger(L, e->ioctl);
            lua_setfield(L, -2, "ioctl");
            lua_pushinteger(L, e->input_bytes);
            lua_setfield(L, -2, "input_length");
            lua_pushinteger(L, e->output_bytes);
            lua_setfield(L, -2, "output_length");
        }
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_pushinteger(L, r != NULL ? (lua_Integer)r->total : 0);
    return 2;
}

void lb_register_irplog(lua_State *L)
{
    lua_pushcfunction(L, l_IrpLog);
    lua_setglobal(L, "IrpLog");
}
