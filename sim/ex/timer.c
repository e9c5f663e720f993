/*
 * timer.c - the executive's timers: ExAllocateTimer, ExSetTimer,
 * ExCancelTimer, ExDeleteTimer.
 *
 * An EX_TIMER is opaque to drivers. drvsim makes one from the kernel's
 * own parts, in nonpaged pool the kernel allocates (not the driver's, so
 * pool tracking does not count it): a KTIMER and, after it, a KDPC whose
 * routine is the driver's EXT_CALLBACK, called at DISPATCH_LEVEL with
 * (Timer, Context) when the timer expires. DueTime is as KeSetTimer's
 * (negative: relative, 100 ns units; positive: absolute system time);
 * Period is in 100 ns units (0: one-shot), where KeSetTimerEx takes
 * milliseconds. Simulated time is exact, so EX_TIMER_HIGH_RESOLUTION
 * changes nothing, and the machine never sleeps, so neither does
 * EX_TIMER_NO_WAKE; ExAllocateTimer returns NULL for an attribute bit
 * wdm.h does not define.
 *
 * ExSetTimer and ExCancelTimer return TRUE when the timer was set (and is
 * now set again, or cancelled). ExDeleteTimer cancels the timer if Cancel
 * says so; with Wait it waits for a callback queued or running to return
 * (drvsim waits for every queued DPC, as KeFlushQueuedDpcs does: a
 * superset). The timer's memory goes back to the pool once nothing can
 * touch it; a timer deleted while still set (Cancel FALSE) or while its
 * callback is queued or running is left to expire, and its memory is
 * kept (drvsim does not free it later: a leak of the kernel's, not the
 * driver's).
 *
 * The KTIMER is set on the driver's behalf, so a driver that unloads with
 * its EX_TIMER set is caught as with a KTIMER of its own (0xC7).
 */
#include <stdlib.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "ke/types.h"
#include "mm/mm.h"

#define EX_TIMER_HIGH_RESOLUTION 0x4u
#define EX_TIMER_NO_WAKE         0x8u

static PVOID_VA dpc_of(const ke_machine *m, PVOID_VA timer)
{
    return timer + ke_types[KE_TYPE_KTIMER].size[m->config.arch];
}

/* The DPC record of the EX_TIMER at va, or NULL when va is none: then the
 * routine reads the memory as Windows would (a bad pointer faults). */
static ke_dpc *ex_timer_at(ke_call *call, PVOID_VA timer)
{
    ke_dpc *d = des_map_get(&call->m->dpcs, dpc_of(call->m, timer));
    if (d != NULL && d->ex_timer == timer)
        return d;
    uint8_t probe;
    mm_access(call, timer, &probe, 1, false);
    return NULL;
}

PVOID_VA ExAllocateTimer(ke_call *call, uint32_t Callback, PVOID_VA CallbackContext,
                         ULONG Attributes)
{
    ke_machine *m = call->m;
    if ((Attributes & ~(EX_TIMER_HIGH_RESOLUTION | EX_TIMER_NO_WAKE)) != 0)
        return 0;
    uint32_t bytes = ke_types[KE_TYPE_KTIMER].size[m->config.arch] +
                     ke_types[KE_TYPE_KDPC].size[m->config.arch];
    PVOID_VA timer = ex_alloc_internal(m, NonPagedPoolNx, bytes, 0x6D547845u /* "ExTm" */);
    if (timer == 0)
        return 0;
    ke_call kernel = *call;
    kernel.driver = NULL;
    KeInitializeTimerEx(&kernel, timer, 1 /* SynchronizationTimer */);
    /* The callback is the driver's: its DPC is too. */
    KeInitializeDpc(call, dpc_of(m, timer), Callback, CallbackContext);
    ke_dpc *d = des_map_get(&m->dpcs, dpc_of(m, timer));
    KE_CHECK(m, d != NULL);
    d->ex_timer = timer;
    return timer;
}

bool ExSetTimer(ke_call *call, PVOID_VA Timer, int64_t DueTime, int64_t Period,
                PVOID_VA Parameters)
{
    (void)Parameters; /* EXT_SET_PARAMETERS: NoWakeTolerance, nothing to do */
    ke_dpc *d = ex_timer_at(call, Timer);
    if (d == NULL)
        return false;
    bool was_set = KeSetTimerEx(call, Timer, DueTime, 0, d->routine != 0 ? d->va : 0);
    ke_timer *t = des_map_get(&call->m->timers, Timer);
    if (t != NULL)
        t->period_100ns = Period > 0 ? (uint64_t)Period : 0;
    return was_set;
}

bool ExCancelTimer(ke_call *call, PVOID_VA Timer, PVOID_VA Parameters)
{
    (void)Parameters; /* reserved: NULL */
    if (ex_timer_at(call, Timer) == NULL)
        return false;
    return KeCancelTimer(call, Timer);
}

/* Whether the timer's callback runs now on some processor. */
static bool callback_running(const ke_machine *m, const ke_dpc *d)
{
    for (uint32_t i = 0; i < m->cpu_count; i++) {
        const ke_processor *cpu = &m->cpus[i];
        if (cpu->in_dpc && cpu->dpc_exec.start_args[3] == d->va &&
            cpu->dpc_exec.start_args[0] == d->ex_timer)
            return true;
    }
    return false;
}

bool ExDeleteTimer(ke_call *call, PVOID_VA Timer, bool Cancel, bool Wait, PVOID_VA Parameters)
{
    (void)Parameters; /* reserved: NULL */
    ke_machine *m = call->m;
    ke_dpc *d = ex_timer_at(call, Timer);
    if (d == NULL)
        return false;
    bool cancelled = Cancel && KeCancelTimer(call, Timer);
    ke_timer *t = des_map_get(&m->timers, Timer);
    bool busy = d->queued || callback_running(m, d);
    if ((t != NULL && t->set) || busy) {
        /* Left to expire or to finish: its memory stays (see the top). */
        if (Wait && busy)
            KeFlushQueuedDpcs(call);
        return cancelled;
    }
    /* Nothing can touch it: it goes, with the kernel's records of it. */
    free(des_map_remove(&m->dpcs, d->va));
    ke_call kernel = *call;
    kernel.driver = NULL;
    ExFreePool(&kernel, Timer);
    return cancelled;
}
