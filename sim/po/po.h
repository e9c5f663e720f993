/*
 * po.h - the power manager (power.c): device power IRPs a power policy owner
 * requests (PoRequestPowerIrp and its completion callback), device and
 * system power states (PoSetPowerState, PoRegisterSystemState), idle
 * detection's counters, and the system transitions the harness drives
 * (SetSystemPowerState: the S-IRPs to every started device, with the PnP
 * manager's machinery of io/pnp.c).
 */
#ifndef DRVSIM_PO_H
#define DRVSIM_PO_H

#include "io/pnp.h"

#define PowerSystemWorking   1u
#define PowerSystemSleeping1 2u
#define PowerSystemHibernate 5u
#define PowerSystemShutdown  6u
#define PowerDeviceD0        1u
#define SystemPowerState     0u
#define DevicePowerState     1u

/* A device power IRP in flight (PoRequestPowerIrp). */
typedef struct po_request {
    PVOID_VA irp;
    PVOID_VA device; /* the device the request named: the callback's first argument */
    uint8_t minor;
    uint32_t state;
    io_routine routine; /* PREQUEST_POWER_COMPLETE, 0 = none */
    io_driver *driver;
    PVOID_VA context;
    /* Sent later from a worker thread (the stack is pageable and the
     * request came above PASSIVE_LEVEL): the top of the stack, which the
     * request references until it completes. */
    PVOID_VA top;
    struct po_request *next;
} po_request;

typedef struct po_manager {
    po_request *requests;
    uint32_t system_state; /* PowerSystemWorking, or the state the system went to */
    /* SetSystemPowerState in progress: the target, the pass (0 queries,
     * 1 sets, 2 the S0 that cancels a vetoed query), the next node. */
    uint32_t target, pass, cursor, queried;
    NTSTATUS status;
    void *idle; /* idle detection's registrations (power.c) */
} po_manager;

/* An IRP of PoRequestPowerIrp completed to the top: pushes its callback
 * (KE_CALLOUT_POWER_COMPLETE) or frees it. `result` is what the completing
 * DDI returns. */
void po_request_completed(ke_call *call, io_irp *irp, uint64_t result);
uint64_t po_callout_end(ke_call *call, const ke_callout *c);

/* SetSystemPowerState: starts a transition (STATUS_INVALID_PARAMETER for a
 * state that is no S-state); then the next device and operation to run
 * (NULL when the transition is over: *status its outcome). */
NTSTATUS po_system_begin(ke_machine *m, uint32_t state);
io_devnode *po_system_next(ke_machine *m, pnp_op *op, uint32_t *arg, NTSTATUS last,
                           NTSTATUS *status);
void po_destroy(ke_machine *m);

#endif /* DRVSIM_PO_H */
