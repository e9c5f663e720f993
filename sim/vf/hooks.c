/*
 * hooks.c - the verifier's end of the kernel's one hook interface
 * (ke/hooks.h): which events the settings in force need, and to which
 * subsystem each goes.
 *
 * Each subsystem that listens (deadlock detection's lock graph, the DDI
 * compliance rule engine, the race detector, invariant MDL checking) adds the kinds it needs to the
 * mask in vf_hooks_update, under the option that turns it on, and its entry
 * point to the switch in vf_kernel_event. Nothing else in the verifier
 * reads ke_event.
 *
 * The kernel calls the entry point set for each kind (m->hook_fn):
 * vf_kernel_event, or, for a lock kind only deadlock detection hears (the
 * race detector off), deadlock detection's own entry for it, which is
 * where the switch would send it (a lock event on every acquisition and
 * release: the switch and its mask tests were 25 host instructions of it).
 */
#include "ke/hooks.h"
#include "vf/ddirules.h"
#include "vf/deadlock.h"
#include "vf/invariant_mdl.h"
#include "vf/race.h"
#include "vf/vf.h"

void vf_hooks_update(ke_machine *m)
{
    uint32_t mask = 0;
    /* DDI compliance (ddirules.c): the rules on driver routines by role. */
    if (m->vf->ddc != NULL && ddc_wants_routines)
        mask |= 1u << KE_EVENT_ROUTINE_ENTER | 1u << KE_EVENT_ROUTINE_EXIT;
    m->vf->deadlock_mask = vf_deadlock_hook_mask(&m->vf->settings);
    mask |= m->vf->deadlock_mask;
    /* The race detector (race.c): memory accesses and every ordering. */
    m->vf->race_mask = vf_race_hook_mask(&m->vf->settings);
    mask |= m->vf->race_mask;
    /* Invariant MDL checking (invariant_mdl.c): read and write requests. */
    m->vf->imdl_mask = vf_imdl_hook_mask(&m->vf->settings);
    mask |= m->vf->imdl_mask;
    m->hook_mask = mask;
    for (uint32_t kind = 0; kind < KE_EVENT_KIND_COUNT; kind++) {
        bool deadlock_only =
            ((m->vf->deadlock_mask >> kind) & 1u) != 0 && ((m->vf->race_mask >> kind) & 1u) == 0;
        m->hook_fn[kind] = deadlock_only ? vf_deadlock_entry((ke_event_kind)kind) : vf_kernel_event;
    }
}

void vf_kernel_event(ke_machine *m, const ke_event *ev)
{
    switch ((ke_event_kind)ev->kind) {
    case KE_EVENT_ROUTINE_ENTER:
    case KE_EVENT_ROUTINE_EXIT:
        ddc_routine_event(m, ev);
        break;
    case KE_EVENT_LOCK_INITIALIZED:
    case KE_EVENT_LOCK_ACQUIRED:
    case KE_EVENT_LOCK_RELEASED:
    case KE_EVENT_THREAD_TERMINATED:
    case KE_EVENT_POOL_FREED:
    case KE_EVENT_LOCK_DELETED:
        if ((m->vf->deadlock_mask >> ev->kind) & 1u)
            vf_deadlock_event(m, ev);
        if (((m->vf->race_mask >> ev->kind) & 1u) && !ke_stopped(m))
            vf_race_event(m, ev);
        break;
    case KE_EVENT_MEMORY_ACCESS:
    case KE_EVENT_SYNC_RELEASE:
    case KE_EVENT_SYNC_ACQUIRE:
    case KE_EVENT_ATOMIC:
        if (!ke_stopped(m))
            vf_race_event(m, ev);
        break;
    case KE_EVENT_IRP_CALL:
    case KE_EVENT_IRP_COMPLETE:
        if (!ke_stopped(m))
            vf_imdl_event(m, ev);
        break;
    case KE_EVENT_KIND_COUNT:
        break;
    }
}
