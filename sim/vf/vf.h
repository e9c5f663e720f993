/*
 * vf.h - Driver Verifier: its settings in force, its counters, and the
 * decision of which images are verified.
 *
 * As in Windows, the verifier is a layer of thunks: a verified image's import
 * table points at vf_* functions (thunks.c) that check, count, then call the
 * kernel's routine. Images that are not verified call the kernel directly
 * and get only the kernel's own checks.
 */
#ifndef DRVSIM_VF_H
#define DRVSIM_VF_H

#include "ddi_table.h"
#include "io/io.h"
#include "ke/ke.h"
#include "vf/inject.h"
#include "vf/iov_pend.h"
#include "vf/irplog.h"
#include "vf/rules.h"
#include "vf/vf_settings.h"

/* The /flags bits drvsim simulates so far; the others are reported. */
#define VF_FLAGS_SIMULATED                                                                         \
    (VF_FLAG_SPECIAL_POOL | VF_FLAG_POOL_TRACKING | VF_FLAG_FORCE_IRQL_CHECKING |                  \
     VF_FLAG_LOW_RESOURCES | VF_FLAG_DEADLOCK_DETECTION | VF_FLAG_FORCE_PENDING_IO |                \
     VF_FLAG_IRP_LOGGING | VF_FLAG_INVARIANT_MDL_STACK | VF_FLAG_INVARIANT_MDL_DRIVER |           \
     VF_FLAG_SECURITY_CHECKS | VF_FLAG_MISC_CHECKS |                                              \
     VF_FLAG_SYSTEMATIC_LOW_RESOURCES | VF_FLAG_KERNEL_SYNC_DELAY_FUZZING)

typedef struct vf_state {
    vf_settings settings;
    vf_gflags gflags;
    uint64_t counters[DRVSIM_GLOBAL_COUNTER_COUNT];
    vf_inject inject; /* low resources simulation */
    vf_pend pend;     /* force pending I/O (iov_pend.c) */
    vf_irplog irplog; /* IRP logging (irplog.c) */
    /* The DDI compliance rule engine (vf/ddirules.h), when the settings
     * turn a DDI rule on; NULL otherwise. */
    struct ddc_engine *ddc;
    struct vf_deadlock *deadlock; /* deadlock detection's lock graph (deadlock.c), lazily */
    uint32_t deadlock_mask;       /* the hook kinds it listens to now (vf_hooks_update) */
    struct vf_race *race;         /* the data race detector (race.c), lazily */
    struct vf_dma *dma;           /* DMA verification's guarded buffers (dma_verify.c), lazily */
    uint32_t race_mask;           /* the hook kinds it listens to now (vf_hooks_update) */
    struct vf_iov_children *children; /* I/O verification's record of bus children (iov_pnp2.c) */
    struct vf_imdl *imdl;         /* invariant MDL checking's signatures (invariant_mdl.c) */
    uint32_t imdl_mask;           /* the hook kinds it listens to now (vf_hooks_update) */
    struct vf_delay_fuzz *delay;  /* kernel synchronization delay fuzzing (delay_fuzz.c), or NULL */
} vf_state;

/* `seed` seeds the "faults" stream (without drawing from it). */
vf_state *vf_create(const vf_settings *settings, const vf_gflags *gflags, uint64_t seed);
void vf_destroy(vf_state *vf);
void vf_iov_children_destroy(struct vf_iov_children *c);

/* Called while an image loads: decides whether it is verified and sets its
 * import table. Graphics drivers get special pool only (seed 003, 2.1.2). */
void vf_driver_loading(ke_machine *m, io_driver *d);

/* Whether an option is on for this call's caller: a verified image (graphics
 * drivers are exempt from some options, as on Windows). Inline: every check
 * of every verified call asks. */
static inline bool vf_option_enabled(const ke_call *call, uint32_t option)
{
    const io_driver *d = call->driver;
    if (d == NULL || !d->verified)
        return false;
    /* Graphics drivers get special pool and low resources simulation only:
     * the automatic checks, force IRQL checking, pool tracking and I/O
     * verification do not apply to them (seed 003, 2.1.2). */
    if (d->graphics && (option == 0 || option == VF_FLAG_FORCE_IRQL_CHECKING ||
                        option == VF_FLAG_POOL_TRACKING || option == VF_FLAG_IO_VERIFICATION))
        return false;
    const vf_settings *s = &call->m->vf->settings;
    return option == 0 || ((s->flags | s->options) & option) != 0;
}

/* Whether a rule applies to this call: the caller is a verified image and
 * the rule is automatic or its option is on. */
static inline bool vf_rule_enabled(const ke_call *call, rule_id rule)
{
    uint32_t option = rule_table[rule].option;
    if (option == RULE_KERNEL)
        return false; /* the kernel checks those itself */
    return vf_option_enabled(call, option);
}

/* Pool tracking: a new allocation of the caller (thunks.c), tracked when
 * it asked for less than a page, in normal or special pool alike, else
 * counted in UnTrackedPool; one freed by anyone (the kernel's free calls it
 * for tracked blocks, as ExFreePool calls the verifier). */
/* DMA verification's state (dma_verify.c). */
struct vf_dma;
void vf_dma_destroy(struct vf_dma *d);

struct ex_block;
void vf_pool_track(ke_call *call, struct ex_block *b);
void vf_pool_untrack(ke_machine *m, struct ex_block *b);

/* The unload checks of a verified driver after its DriverUnload returned. */
void vf_driver_unloaded(ke_call *call, io_driver *d);

/*
 * I/O verification (thunks.c). vf_io_watched: whether it applies to a
 * driver's IRPs (a verified driver with /flags 0x10). The checks made when
 * a dispatch routine returns (the callout that ran it, the IRP record or
 * NULL once freed) and when a completion routine returns; level 2 checks
 * are reported per vf_io_level2.
 */
struct io_irp;
bool vf_io_watched(const ke_machine *m, const io_driver *d);
void vf_io_dispatch_returned(ke_call *call, const ke_callout *c, struct io_irp *irp,
                             NTSTATUS status);
void vf_io_completion_returned(ke_call *call, const ke_callout *c, struct io_irp *irp,
                               NTSTATUS status);
/* A dispatch routine is about to run (its callout pushed): the checks of
 * the device it runs for (iov_pnp.c). */
void vf_io_dispatch_called(ke_call *call, ke_callout *c, struct io_irp *irp);
/* The IRP reached a device whose driver has no dispatch routine for its
 * major function (the driver is verified). */
void vf_io_no_dispatch(ke_call *call, struct io_irp *irp, struct io_device *dev, uint64_t major);

/* An ISR of a verified driver returned at `after`, not at the `before` it
 * was called at (the interrupt dispatcher's check, thunks_ke.c): 0xC4/0x111,
 * where the kernel alone would raise 0xC8. True if it raised. */
bool vf_isr_irql_changed(ke_call *call, PVOID_VA isr, KIRQL before, KIRQL after);

/* Sets m->hook_mask to the kernel events (ke/hooks.h) the verifier's
 * subsystems need under the settings in force; called when the machine is
 * created and after a /volatile change. */
void vf_hooks_update(ke_machine *m);

/* Points the imports of a verified image at the thunks. */
void vf_patch_imports(ddi_imports *imports);

/* A /volatile change from the scenario (Verifier "..."). Returns false with a
 * message when the arguments are invalid. */
bool vf_apply_volatile(ke_machine *m, const char *args, char *err, size_t err_len);

/*
 * Appends to *notes (a growing array of malloc'd strings) one line per
 * setting that is parsed but not simulated or simulated in part, and one
 * when the settings name no driver (options without /driver or /all).
 * Returns false on host OOM.
 */
bool vf_unsimulated_notes(const vf_settings *s, const vf_gflags *g, char ***notes, size_t *count);

#endif /* DRVSIM_VF_H */
