/*
 * pnp.c - the binding of the PnP manager (sim/io/pnp.c): the scenario's
 * `devices` field, and the harness functions that make devices arrive and
 * go (PlugDevice, RemoveDevice, SurpriseRemoveDevice, StopDevice,
 * QueryDevice, ProcessDeviceEvents, DeviceInterfaces) and GUID().
 *
 * The kernel decides every step (io_pnp_next); this file runs each: a
 * driver's load or unload (LoadDriver, UnloadDriver), its AddDevice (a
 * driver routine), an IRP sent with IoCallDriver and, when the stack returns
 * STATUS_PENDING, the wait on the PnP manager's event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "ddi_table.h"
#include "hal/hal.h"
#include "io/pnp.h"
#include "ke/hooks.h"
#include "mm/mm.h"
#include "po/po.h"

/* ------------------------------------------------------------------------ */
/* scenario{ devices = { { name = ..., hardware_id = ..., ... }, ... } }    */
/* ------------------------------------------------------------------------ */

static void field_string(lua_State *L, int t, const char *key, char *out, size_t len, bool required,
                         const char *dev)
{
    lua_getfield(L, t, key);
    if (lua_isnil(L, -1)) {
        if (required)
            lb_scenario_error(L, "scenario{}: devices: device \"%s\" needs %s (a string)", dev,
                              key);
        lua_pop(L, 1);
        return;
    }
    if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0 || lua_rawlen(L, -1) >= len)
        lb_scenario_error(L,
                          "scenario{}: devices: device \"%s\": %s must be a string of 1..%d "
                          "characters",
                          dev, key, (int)len - 1);
    snprintf(out, len, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
}

static uint32_t field_filters(lua_State *L, int t, const char *key, char out[][PNP_NAME_MAX],
                              const char *dev)
{
    lua_getfield(L, t, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1) || lua_rawlen(L, -1) > PNP_MAX_FILTERS)
        lb_scenario_error(L,
                          "scenario{}: devices: device \"%s\": %s must be an array of at most "
                          "%d driver names",
                          dev, key, PNP_MAX_FILTERS);
    uint32_t n = (uint32_t)lua_rawlen(L, -1);
    for (uint32_t i = 0; i < n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) >= PNP_NAME_MAX)
            lb_scenario_error(L, "scenario{}: devices: device \"%s\": %s[%u] must be a driver name",
                              dev, key, i + 1);
        snprintf(out[i], PNP_NAME_MAX, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

static uint64_t res_integer(lua_State *L, int t, const char *key, const char *dev, uint32_t i,
                            uint64_t max)
{
    lua_getfield(L, t, key);
    uint64_t v = 0;
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 ||
            (uint64_t)lua_tointeger(L, -1) > max)
            lb_scenario_error(L,
                              "scenario{}: devices: device \"%s\": resources[%u].%s must be an "
                              "integer 0..0x%llX",
                              dev, i, key, (unsigned long long)max);
        v = (uint64_t)lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static void field_resources(lua_State *L, int t, pnp_device_decl *d)
{
    lua_getfield(L, t, "resources");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1) || lua_rawlen(L, -1) > PNP_MAX_RESOURCES)
        lb_scenario_error(L,
                          "scenario{}: devices: device \"%s\": resources must be an array of at "
                          "most %d { type = \"port\" | \"memory\" | \"interrupt\", ... }",
                          d->name, PNP_MAX_RESOURCES);
    d->resource_count = (uint32_t)lua_rawlen(L, -1);
    for (uint32_t i = 0; i < d->resource_count; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        int r = lua_gettop(L);
        if (!lua_istable(L, r))
            lb_scenario_error(L,
                              "scenario{}: devices: device \"%s\": resources[%u] must be a table",
                              d->name, i + 1);
        pnp_resource *res = &d->resources[i];
        lua_getfield(L, r, "type");
        const char *type = lua_tostring(L, -1);
        if (type != NULL && strcmp(type, "port") == 0) {
            res->type = CmResourceTypePort;
            res->flags = 0x1; /* CM_RESOURCE_PORT_IO */
        } else if (type != NULL && strcmp(type, "memory") == 0) {
            res->type = CmResourceTypeMemory;
        } else if (type != NULL && strcmp(type, "interrupt") == 0) {
            res->type = CmResourceTypeInterrupt;
        } else {
            lb_scenario_error(L,
                              "scenario{}: devices: device \"%s\": resources[%u].type must be "
                              "\"port\", \"memory\" or \"interrupt\"",
                              d->name, i + 1);
        }
        lua_pop(L, 1);
        res->share = 1; /* CmResourceShareDeviceExclusive */
        if (res->type == CmResourceTypeInterrupt) {
            res->level = (uint32_t)res_integer(L, r, "level", d->name, i + 1, 0xFFFF);
            res->vector = (uint32_t)res_integer(L, r, "vector", d->name, i + 1, 0xFFFFFFFFu);
            res->affinity = res_integer(L, r, "affinity", d->name, i + 1, 0xFFFFFFFFu);
            if (res_integer(L, r, "latched", d->name, i + 1, 1))
                res->flags = 0x1; /* CM_RESOURCE_INTERRUPT_LATCHED */
        } else {
            res->start = res_integer(L, r, "start", d->name, i + 1, UINT64_MAX >> 1);
            res->length = (uint32_t)res_integer(L, r, "length", d->name, i + 1, 0xFFFFFFFFu);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

void lb_devices_parse(lua_State *L, int idx, lb_scenario *sc)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx))
        lb_scenario_error(L, "scenario{}: devices must be an array of { name = ..., hardware_id = "
                             "..., driver = ..., ... }");
    lb_devices_free(sc);
    size_t n = lua_rawlen(L, idx);
    if (n == 0 || n > 64)
        lb_scenario_error(L, "scenario{}: devices must hold 1..64 devices");
    sc->devices = calloc(n, sizeof *sc->devices);
    if (sc->devices == NULL)
        lb_scenario_error(L, "scenario{}: out of host memory");
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        int t = lua_gettop(L);
        if (!lua_istable(L, t))
            lb_scenario_error(L, "scenario{}: devices[%d] must be a table", (int)i + 1);
        pnp_device_decl *d = &sc->devices[i];
        char label[16];
        snprintf(label, sizeof label, "#%d", (int)i + 1);
        field_string(L, t, "name", d->name, sizeof d->name, true, label);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(sc->devices[j].name, d->name) == 0)
                lb_scenario_error(L, "scenario{}: devices: \"%s\" is declared twice", d->name);
        }
        field_string(L, t, "hardware_id", d->hardware_id, sizeof d->hardware_id, true, d->name);
        if (strchr(d->hardware_id, '\\') == NULL)
            lb_scenario_error(L,
                              "scenario{}: devices: device \"%s\": hardware_id must name its "
                              "enumerator (\"ROOT\\\\X\")",
                              d->name);
        field_string(L, t, "driver", d->function, sizeof d->function, true, d->name);
        field_string(L, t, "description", d->description, sizeof d->description, false, d->name);
        d->lower_count = field_filters(L, t, "lower_filters", d->lower, d->name);
        d->upper_count = field_filters(L, t, "upper_filters", d->upper, d->name);
        field_resources(L, t, d);
        lua_getfield(L, t, "removable");
        d->removable = lua_toboolean(L, -1);
        lua_pop(L, 2);
        sc->device_count = i + 1;
    }
}

void lb_devices_free(lb_scenario *sc)
{
    free(sc->devices);
    sc->devices = NULL;
    sc->device_count = 0;
}

bool lb_devices_seed(ke_machine *m, const lb_scenario *sc, char *err, size_t err_len)
{
    for (size_t i = 0; i < sc->device_count; i++) {
        const pnp_device_decl *decl = &sc->devices[i];
        io_driver *stack[2 * PNP_MAX_FILTERS + 1];
        uint32_t count = 0;
        const char *missing = NULL;
        for (uint32_t j = 0; j < decl->lower_count; j++)
            if ((stack[count++] = io_find_driver(m, decl->lower[j])) == NULL)
                missing = decl->lower[j];
        if ((stack[count++] = io_find_driver(m, decl->function)) == NULL)
            missing = decl->function;
        for (uint32_t j = 0; j < decl->upper_count; j++)
            if ((stack[count++] = io_find_driver(m, decl->upper[j])) == NULL)
                missing = decl->upper[j];
        if (missing != NULL) {
            snprintf(err, err_len,
                     "%s: scenario{}: devices: device \"%s\" names \"%s\", which no driver "
                     "\"...\" { } declares",
                     sc->where, decl->name, missing);
            return false;
        }
        io_devnode *n = io_pnp_declare(m, decl);
        if (n == NULL) {
            snprintf(err, err_len, "out of host memory declaring devices");
            return false;
        }
        memcpy(n->drivers, stack, count * sizeof stack[0]);
        n->driver_count = count;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Running an operation                                                     */
/* ------------------------------------------------------------------------ */

/* What the harness function returns when the operation ends. */
enum { HOP_STATUS = 0, HOP_QUERY, HOP_EVENTS, HOP_WMI, HOP_POWER };

/* The continuation's context: the node's index, the action just run, the
 * harness function's kind, and whether the IRP's wait is over. */
#define CTX(node, act, hop, waited)                                                                \
    ((lua_KContext)(node) | (lua_KContext)(act) << 16 | (lua_KContext)(hop) << 20 |                \
     (lua_KContext)(waited) << 24)
#define CTX_NODE(c)   ((uint32_t)((c)&0xFFFF))
#define CTX_ACT(c)    ((pnp_action_kind)(((c) >> 16) & 0xF))
#define CTX_HOP(c)    ((int)(((c) >> 20) & 0xF))
#define CTX_WAITED(c) ((int)(((c) >> 24) & 0x1))

static io_devnode *node_at(ke_machine *m, uint32_t index)
{
    io_devnode *n = m->pnp != NULL ? m->pnp->nodes : NULL;
    while (n != NULL && index-- > 0)
        n = n->next;
    return n;
}

static uint32_t node_index(ke_machine *m, const io_devnode *n)
{
    uint32_t i = 0;
    for (io_devnode *o = m->pnp->nodes; o != n; o = o->next)
        i++;
    return i;
}

static int drive(lua_State *L, io_devnode *n, int hop, NTSTATUS last);
static int events_next(lua_State *L);
static int power_next(lua_State *L, NTSTATUS last);

static int finish(lua_State *L, io_devnode *n, int hop)
{
    if (hop == HOP_EVENTS)
        return events_next(L);
    if (hop == HOP_POWER)
        return power_next(L, n->op_status);
    lb_push_status(L, n->op_status);
    if (hop == HOP_STATUS)
        return 1;
    if (hop == HOP_WMI) {
        lua_pushinteger(L, (lua_Integer)n->result_info);
        lua_pushlstring(L, n->result_text, n->result_len);
        return 3;
    }
    /* A query: its answer after the status. */
    switch (n->query_minor) {
    case IRP_MN_QUERY_ID:
    case IRP_MN_QUERY_DEVICE_TEXT:
        if (NT_SUCCESS(n->op_status) && n->result_text[0] != '\0')
            lua_pushstring(L, n->result_text);
        else
            lua_pushnil(L);
        return 2;
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        lua_pushinteger(L, n->result_relations);
        return 2;
    case IRP_MN_QUERY_PNP_DEVICE_STATE:
        lua_pushinteger(L, n->pnp_device_state);
        return 2;
    case IRP_MN_QUERY_CAPABILITIES: {
        lua_createtable(L, 0, 8);
        static const char *const names[] = {
            "DeviceD1",   "DeviceD2", "LockSupported", "EjectSupported", "Removable",
            "DockDevice", "UniqueID", "SilentInstall", "RawDeviceOK",    "SurpriseRemovalOK"};
        for (uint32_t b = 0; b < sizeof names / sizeof names[0]; b++) {
            lua_pushboolean(L, (n->capabilities[1] >> b) & 1u);
            lua_setfield(L, -2, names[b]);
        }
        lua_createtable(L, 7, 0);
        for (int s = 0; s < 7; s++) {
            lua_pushinteger(L, n->capabilities[4 + s]);
            lua_rawseti(L, -2, s);
        }
        lua_setfield(L, -2, "DeviceState");
        lua_pushinteger(L, n->capabilities[11]);
        lua_setfield(L, -2, "SystemWake");
        lua_pushinteger(L, n->capabilities[12]);
        lua_setfield(L, -2, "DeviceWake");
        return 2;
    }
    default:
        return 1;
    }
}

static int act_continue(lua_State *L, int status, lua_KContext ctx)
{
    lb_state *lb = lb_get(L);
    io_devnode *n = node_at(lb->m, CTX_NODE(ctx));
    pnp_action_kind act = CTX_ACT(ctx);
    int hop = CTX_HOP(ctx);
    NTSTATUS last = STATUS_SUCCESS;
    if (act == PNP_ACT_ADD_DEVICE) {
        if (lb_routine_returned(L, status, 1))
            return lb_routine_failed(L, n->drivers[n->index - 1]);
    }
    if (ke_stopped(lb->m))
        return lb_stopped(L);
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    if (act == PNP_ACT_ADD_DEVICE && !isnum)
        lb_scenario_error(L, "AddDevice of %s returned %s, not an NTSTATUS",
                          n->drivers[n->index - 1]->name, luaL_typename(L, -1));
    lua_pop(L, 1);
    last = (NTSTATUS)(uint32_t)v;
    if (act == PNP_ACT_SEND && last == STATUS_PENDING && !CTX_WAITED(ctx)) {
        /* The PnP manager waits for the IRP (its IO_STATUS_BLOCK). */
        lua_getglobal(L, "KeWaitForSingleObject");
        lb_push_typed_ptr(L, n->sync, KE_TYPE_KEVENT);
        lua_pushinteger(L, 0); /* Executive */
        lua_pushinteger(L, 0); /* KernelMode */
        lua_pushboolean(L, 0);
        lua_pushnil(L);
        lua_KContext k = CTX(CTX_NODE(ctx), act, hop, 1);
        lua_callk(L, 5, 1, k, act_continue);
        return act_continue(L, LUA_OK, k);
    }
    if (CTX_WAITED(ctx))
        last = STATUS_PENDING; /* the kernel reads the completed IRP's status */
    return drive(L, n, hop, last);
}

static int drive(lua_State *L, io_devnode *n, int hop, NTSTATUS last)
{
    lb_state *lb = lb_get(L);
    ke_call call;
    lb_harness_call(L, &call);
    pnp_action a;
    io_pnp_next(&call, n, last, &a);
    if (ke_stopped(lb->m))
        return lb_stopped(L);
    lua_KContext k = CTX(node_index(lb->m, n), a.kind, hop, 0);
    switch (a.kind) {
    case PNP_ACT_DONE:
        return finish(L, n, hop);
    case PNP_ACT_LOAD:
        lua_getglobal(L, "LoadDriver");
        lua_pushstring(L, a.driver->name);
        lua_callk(L, 1, 1, k, act_continue);
        return act_continue(L, LUA_OK, k);
    case PNP_ACT_UNLOAD:
        lua_getglobal(L, "UnloadDriver");
        lua_pushstring(L, a.driver->name);
        lua_callk(L, 1, 1, k, act_continue);
        return act_continue(L, LUA_OK, k);
    case PNP_ACT_ADD_DEVICE: {
        lb_push_routine(L, (io_routine)a.routine);
        lb_push_driver_object(L, a.driver);
        lb_push_device(L, a.device);
        return lb_call_routine(L, a.driver, "AddDevice",
                               io_routine_token(a.driver, (io_routine)a.routine),
                               KE_ROLE_ADD_DEVICE, 2, 1, k, act_continue);
    }
    case PNP_ACT_SEND:
        lua_getglobal(L, "IoCallDriver");
        lb_push_device(L, a.device);
        lb_push_irp(L, a.irp);
        lua_callk(L, 2, 1, k, act_continue);
        return act_continue(L, LUA_OK, k);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Harness functions                                                        */
/* ------------------------------------------------------------------------ */

static io_devnode *check_node(lua_State *L, const char *fn)
{
    const char *name = luaL_checkstring(L, 1);
    io_devnode *n = io_pnp_find(lb_get(L)->m, name);
    if (n == NULL)
        lb_scenario_error(L, "%s: no device named \"%s\" is declared in scenario{ devices = ... }",
                          fn, name);
    return n;
}

static int start(lua_State *L, const char *fn, pnp_op op, uint8_t minor, uint32_t arg, int hop)
{
    io_devnode *n = check_node(L, fn);
    lb_check_yieldable(L, fn);
    ke_call call;
    lb_harness_call(L, &call);
    NTSTATUS s = io_pnp_begin(&call, n, op, minor, arg);
    lua_settop(L, 0);
    if (!NT_SUCCESS(s)) {
        lb_push_status(L, s);
        if (hop == HOP_QUERY) {
            lua_pushnil(L);
            return 2;
        }
        if (hop == HOP_WMI) {
            lua_pushinteger(L, 0);
            lua_pushliteral(L, "");
            return 3;
        }
        return 1;
    }
    return drive(L, n, hop, STATUS_SUCCESS);
}

/* PlugDevice(name) -> status: the device arrives (its drivers loaded, each
 * AddDevice, START_DEVICE and the queries after it). */
static int l_PlugDevice(lua_State *L)
{
    lb_check_harness(L, "PlugDevice");
    return start(L, "PlugDevice", PNP_OP_ARRIVE, 0, 0, HOP_STATUS);
}

/* RemoveDevice(name) -> status: QUERY_REMOVE then REMOVE (the query's
 * failure, after CANCEL_REMOVE, when a driver vetoes); after a surprise
 * removal, the REMOVE that waited for the last handle. */
static int l_RemoveDevice(lua_State *L)
{
    lb_check_harness(L, "RemoveDevice");
    return start(L, "RemoveDevice", PNP_OP_REMOVE, 0, 0, HOP_STATUS);
}

/* SurpriseRemoveDevice(name) -> status: the device is pulled out. */
static int l_SurpriseRemoveDevice(lua_State *L)
{
    lb_check_harness(L, "SurpriseRemoveDevice");
    return start(L, "SurpriseRemoveDevice", PNP_OP_SURPRISE, 0, 0, HOP_STATUS);
}

/* StopDevice(name [, "cancel"]) -> status: a rebalance (QUERY_STOP, STOP,
 * START), or with "cancel" QUERY_STOP then CANCEL_STOP. */
static int l_StopDevice(lua_State *L)
{
    lb_check_harness(L, "StopDevice");
    pnp_op op = PNP_OP_REBALANCE;
    if (!lua_isnoneornil(L, 2)) {
        const char *how = luaL_checkstring(L, 2);
        if (strcmp(how, "cancel") != 0)
            lb_scenario_error(L, "StopDevice: argument 2 must be \"cancel\" or nothing");
        op = PNP_OP_STOP_CANCEL;
    }
    return start(L, "StopDevice", op, 0, 0, HOP_STATUS);
}

/* QueryDevice(name, what [, arg [, version]]) -> status, answer: one query
 * IRP to the top of the stack. what: "capabilities" (a table), "id" (arg a
 * BusQueryXxx: a string, a MULTI_SZ's strings joined with ';'), "text"
 * (arg a DeviceTextXxx), "relations" (arg a relation type: the count),
 * "pnp_state" (PNP_DEVICE_xxx flags), "interface" (arg the INTERFACE size,
 * version: the status only). */
static int l_QueryDevice(lua_State *L)
{
    lb_check_harness(L, "QueryDevice");
    const char *what = luaL_checkstring(L, 2);
    uint32_t arg = (uint32_t)luaL_optinteger(L, 3, 0);
    uint8_t minor;
    if (strcmp(what, "capabilities") == 0) {
        minor = IRP_MN_QUERY_CAPABILITIES;
    } else if (strcmp(what, "id") == 0) {
        minor = IRP_MN_QUERY_ID;
    } else if (strcmp(what, "text") == 0) {
        minor = IRP_MN_QUERY_DEVICE_TEXT;
    } else if (strcmp(what, "relations") == 0) {
        minor = IRP_MN_QUERY_DEVICE_RELATIONS;
    } else if (strcmp(what, "pnp_state") == 0) {
        minor = IRP_MN_QUERY_PNP_DEVICE_STATE;
    } else if (strcmp(what, "interface") == 0) {
        minor = IRP_MN_QUERY_INTERFACE;
        lua_Integer size = luaL_optinteger(L, 3, 0), version = luaL_optinteger(L, 4, 1);
        if (size < 0 || size > 0x1000 || version < 0 || version > 0xFFFF)
            lb_scenario_error(L,
                              "QueryDevice: an interface's size is 0..4096, its version 0..65535");
        arg = (uint32_t)size | (uint32_t)version << 16;
    } else {
        lb_scenario_error(L, "QueryDevice: argument 2 must be \"capabilities\", \"id\", \"text\", "
                             "\"relations\", \"pnp_state\" or \"interface\"");
    }
    return start(L, "QueryDevice", PNP_OP_QUERY, minor, arg, HOP_QUERY);
}

/* WmiRequest(name, minor [, size]) -> status, information, data: WMI's
 * IRP_MJ_SYSTEM_CONTROL request (IRP_MN_REGINFO_EX, IRP_MN_QUERY_ALL_DATA,
 * ...) to the top of the device's stack, Parameters.WMI.ProviderId the
 * stack's registered device, a buffer of `size` bytes (the bytes the
 * provider wrote, up to Information, come back as a string);
 * STATUS_WMI_GUID_NOT_FOUND when no device of the stack is registered. */
static int l_WmiRequest(lua_State *L)
{
    lb_check_harness(L, "WmiRequest");
    lua_Integer minor = luaL_checkinteger(L, 2), size = luaL_optinteger(L, 3, 0);
    if (minor < 0 || minor > 0x0B || size < 0 || size > 512)
        lb_scenario_error(L, "WmiRequest: the minor code is IRP_MN_QUERY_ALL_DATA .. "
                             "IRP_MN_REGINFO_EX, the buffer 0..512 bytes");
    return start(L, "WmiRequest", PNP_OP_WMI, (uint8_t)minor, (uint32_t)size, HOP_WMI);
}

static int events_next(lua_State *L)
{
    lb_state *lb = lb_get(L);
    pnp_op op;
    uint8_t minor;
    uint32_t arg;
    io_devnode *n;
    while ((n = io_pnp_pending_event(lb->m, &op, &minor, &arg)) != NULL) {
        ke_call call;
        lb_harness_call(L, &call);
        lua_settop(L, 0);
        if (NT_SUCCESS(io_pnp_begin(&call, n, op, minor, arg)))
            return drive(L, n, HOP_EVENTS, STATUS_SUCCESS);
    }
    lua_settop(L, 0);
    return 0;
}

static int power_next(lua_State *L, NTSTATUS last)
{
    lb_state *lb = lb_get(L);
    pnp_op op;
    uint32_t arg;
    NTSTATUS status = STATUS_SUCCESS;
    io_devnode *n;
    while ((n = po_system_next(lb->m, &op, &arg, last, &status)) != NULL) {
        ke_call call;
        lb_harness_call(L, &call);
        lua_settop(L, 0);
        if (NT_SUCCESS(io_pnp_begin(&call, n, op, 0, arg)))
            return drive(L, n, HOP_POWER, STATUS_SUCCESS);
        last = STATUS_SUCCESS;
    }
    lua_settop(L, 0);
    lb_push_status(L, status);
    return 1;
}

/* SetSystemPowerState(state) -> status: the system goes to a PowerSystemXxx
 * state (PowerSystemSleeping3, PowerSystemHibernate, PowerSystemShutdown, or
 * back to PowerSystemWorking): the power manager's S-IRPs to every started
 * device (IRP_MN_QUERY_POWER, then IRP_MN_SET_POWER); a veto's status, after
 * the S0 IRP that cancels the query. */
static int l_SetSystemPowerState(lua_State *L)
{
    lb_check_harness(L, "SetSystemPowerState");
    lua_Integer state = luaL_checkinteger(L, 1);
    lb_check_yieldable(L, "SetSystemPowerState");
    if (state < 1 || state > 6 || !NT_SUCCESS(po_system_begin(lb_get(L)->m, (uint32_t)state)))
        lb_scenario_error(L, "SetSystemPowerState: the state is PowerSystemWorking .. "
                             "PowerSystemShutdown");
    return power_next(L, STATUS_SUCCESS);
}

/* ProcessDeviceEvents(): the PnP manager's worker runs what drivers asked
 * for (IoInvalidateDeviceState: QUERY_PNP_DEVICE_STATE and what its answer
 * calls for; IoInvalidateDeviceRelations: QUERY_DEVICE_RELATIONS). */
static int l_ProcessDeviceEvents(lua_State *L)
{
    lb_check_harness(L, "ProcessDeviceEvents");
    lb_check_yieldable(L, "ProcessDeviceEvents");
    return events_next(L);
}

/* DeviceInterfaces(name) -> { path, ... }: the device's enabled interfaces
 * as CreateFile opens them ("\\.\ROOT#X#0000#{guid}"). */
static int l_DeviceInterfaces(lua_State *L)
{
    lb_check_harness(L, "DeviceInterfaces");
    io_devnode *n = check_node(L, "DeviceInterfaces");
    lua_newtable(L);
    lua_Integer i = 0;
    for (pnp_interface *f = lb_get(L)->m->pnp->interfaces; f != NULL; f = f->next) {
        if (f->node == n && f->enabled) {
            lua_pushfstring(L, "\\\\.\\%s", f->link + 4);
            lua_rawseti(L, -2, ++i);
        }
    }
    return 1;
}

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* GUID("{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}") -> a pointer to the GUID,
 * as DEFINE_GUID declares one (in the running driver's image). */
static int l_GUID(lua_State *L)
{
    const char *t = luaL_checkstring(L, 1);
    static const int groups[] = {8, 4, 4, 4, 12};
    uint8_t digits[32];
    size_t d = 0;
    const char *p = t;
    bool ok = *p++ == '{';
    for (int g = 0; ok && g < 5; g++) {
        for (int i = 0; ok && i < groups[g]; i++) {
            int v = hex((unsigned char)*p++);
            ok = v >= 0;
            if (ok)
                digits[d++] = (uint8_t)v;
        }
        if (ok)
            ok = *p++ == (g < 4 ? '-' : '}');
    }
    if (!ok || *p != '\0')
        lb_scenario_error(L, "GUID: \"%s\" is not {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", t);
    uint8_t g[16];
    /* Data1, Data2, Data3 little-endian; Data4 as written. */
    for (int i = 0; i < 4; i++)
        g[3 - i] = (uint8_t)(digits[2 * i] << 4 | digits[2 * i + 1]);
    for (int i = 0; i < 2; i++) {
        g[5 - i] = (uint8_t)(digits[8 + 2 * i] << 4 | digits[9 + 2 * i]);
        g[7 - i] = (uint8_t)(digits[12 + 2 * i] << 4 | digits[13 + 2 * i]);
    }
    for (int i = 0; i < 8; i++)
        g[8 + i] = (uint8_t)(digits[16 + 2 * i] << 4 | digits[17 + 2 * i]);
    PVOID_VA va = lb_object_storage(L, 16, 4, "GUID");
    mm_poke(lb_get(L)->m->mm, va, g, sizeof g);
    lb_push_ptr(L, va);
    return 1;
}

/*
 * The bus-master device's side of DMA (sim/hal/dma.c): DeviceDmaWrite(
 * LogicalAddress, bytes) is the device writing a Lua string into memory at a
 * logical address the HAL gave the driver (a common buffer, a map
 * register), DeviceDmaRead(LogicalAddress, Length) the device reading;
 * callable from harness code and from the scenario's device model (a
 * timer's DPC standing for the device's completion). An address no live
 * adapter maps is a scenario error: drvsim has no other memory a device
 * could reach.
 */
static uint64_t check_logical(lua_State *L, const char *fn)
{
    lb_state *lb = lb_get(L);
    if (lb->m == NULL)
        lb_scenario_error(L, "%s can only be used inside run() and driver routines", fn);
    lua_Integer logical = luaL_checkinteger(L, 1);
    if (logical <= 0)
        lb_scenario_error(L, "%s: LogicalAddress (argument 1) must be a positive integer", fn);
    return (uint64_t)logical;
}

static int l_DeviceDmaWrite(lua_State *L)
{
    uint64_t logical = check_logical(L, "DeviceDmaWrite");
    size_t len = 0;
    const char *data = luaL_checklstring(L, 2, &len);
    if (len == 0 || len > PAGE_SIZE * 64u ||
        !hal_dma_device_access(lb_get(L)->m, logical, (void *)data, (uint32_t)len, true))
        lb_scenario_error(L, "DeviceDmaWrite: no DMA adapter maps %zu bytes at logical address "
                             "0x%llx",
                          len, (unsigned long long)logical);
    return 0;
}

static int l_DeviceDmaRead(lua_State *L)
{
    uint64_t logical = check_logical(L, "DeviceDmaRead");
    lua_Integer len = luaL_checkinteger(L, 2);
    if (len <= 0 || len > (lua_Integer)PAGE_SIZE * 64)
        lb_scenario_error(L, "DeviceDmaRead: Length (argument 2) must be 1..%u", PAGE_SIZE * 64u);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, (size_t)len);
    if (!hal_dma_device_access(lb_get(L)->m, logical, p, (uint32_t)len, false))
        lb_scenario_error(L, "DeviceDmaRead: no DMA adapter maps %lld bytes at logical address "
                             "0x%llx",
                          (long long)len, (unsigned long long)logical);
    luaL_pushresultsize(&b, (size_t)len);
    return 1;
}

void lb_register_pnp(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"PlugDevice", l_PlugDevice},
        {"RemoveDevice", l_RemoveDevice},
        {"SurpriseRemoveDevice", l_SurpriseRemoveDevice},
        {"StopDevice", l_StopDevice},
        {"QueryDevice", l_QueryDevice},
        {"ProcessDeviceEvents", l_ProcessDeviceEvents},
        {"DeviceInterfaces", l_DeviceInterfaces},
        {"GUID", l_GUID},
        {"WmiRequest", l_WmiRequest},
        {"SetSystemPowerState", l_SetSystemPowerState},
        {"DeviceDmaWrite", l_DeviceDmaWrite},
        {"DeviceDmaRead", l_DeviceDmaRead},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, functions);
    lua_pop(L, 1);
}
