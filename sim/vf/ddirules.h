/*
 * ddirules.h - the DDI compliance rule engine (Driver Verifier's /flags
 * 0x20000 and 0x80000, /ruleclasses 35, and drvsim's /sdv): Static Driver
 * Verifier's rules run at run time, as Windows runs them.
 *
 * The rules are data: sim/vf/ddi_rules.spec, turned into C at build time by
 * tools/gen_ddi_rules.py (ddi_rules.c in the build directory): the table
 * rows ("these DDIs at this IRQL bound"), the SLIC-shaped stateful rules'
 * handlers as C functions, the texts of their conditions, and one thunk per
 * DDI a rule watches. A verified driver's import table points at those
 * thunks when a DDI compliance option is on (ddc_patch_imports, over the
 * verifier's own thunks), so a call reaches the handlers of its DDI through
 * its import, with no search of the rules; the thunk runs the DDI's entry
 * handlers, calls the verifier's thunk or the kernel (ddc_next), then its
 * exit handlers. Routine entry and exit by role come from the kernel's hook
 * interface (KE_EVENT_ROUTINE_ENTER / EXIT, ke/hooks.h).
 *
 * A stateful rule's state lives in instances keyed by an argument (a lock,
 * an IRP, a thread) or in the rule's one instance; each instance keeps its
 * last transitions (event, states, scenario line, routine, IRQL) for the
 * report. A violation is bug check 0xC4: P1 the rule's code, P2 the address
 * of the violated condition's text in the verifier's image (simulated
 * memory), P3 the rule's state, P4 the instance's key.
 */
#ifndef DRVSIM_VF_DDIRULES_H
#define DRVSIM_VF_DDIRULES_H

#include "ddi_table.h"
#include "ex/pool.h"
#include "ke/hooks.h"
#include "vf/vf.h"

/* What a handler sees (the spec's $ words). */
typedef struct ddc_ctx {
    ke_call *call;
    const uint64_t *args; /* $1, $2, ...: the DDI's parameters, or the routine's */
    uint32_t argc;
    uint64_t result;  /* $return */
    KIRQL irql;       /* $irql */
    KIRQL entry_irql; /* $entry_irql: a routine's IRQL when it started */
    uint64_t thread;  /* $thread: the current thread's id */
    bool mine;        /* $mine: this execution changed the instance last (a lock
                         another processor holds is not "mine") */
    int64_t state;    /* state: the instance's, which the handler may change */
} ddc_ctx;

/* A handler's outcome: done, halt (stop checking the instance), or abort
 * with a condition's text (DDC_ABORT(text index)). */
enum { DDC_HALT = -1, DDC_DONE = 0 };
#define DDC_ABORT(text) ((int)(text) + 1)

typedef int (*ddc_body_fn)(ddc_ctx *x);
typedef uint64_t (*ddc_key_fn)(const ddc_ctx *x);
typedef bool (*ddc_when_fn)(const ddc_ctx *x);

/* A table row's IRQL bound (0: a stateful handler). */
typedef enum ddc_bound {
    DDC_NO_BOUND = 0,
    DDC_EQ_PASSIVE,
    DDC_LE_APC,
    DDC_LE_DISPATCH,
    DDC_EQ_DISPATCH,
} ddc_bound;

typedef struct ddc_handler {
    uint16_t rule;     /* rule_id */
    uint16_t index;    /* the rule's index in ddc_rules */
    const char *event; /* "KeSetEvent.entry", "dispatch.exit": for the report */
    /* A table row: the bound, the condition's text, the argument predicate
     * (NULL: every call). */
    uint8_t bound;
    uint16_t text;
    ddc_when_fn when;
    /* A stateful handler: the instance's key (NULL: the rule's one
     * instance, or for a routine event every instance the routine
     * changed), and the body. */
    ddc_key_fn key;
    ddc_body_fn body;
} ddc_handler;

typedef struct ddc_rule_info {
    uint16_t rule; /* rule_id */
    bool stateful;
    bool keyed;                     /* instances per key (else one for the run) */
    uint8_t state_count;            /* 0: the state is a number (a nesting count) */
    const char *const *state_names; /* state_count names */
} ddc_rule_info;

/* Roles are ke_role values; the tables have a slot for each. */
#define DDC_ROLE_COUNT (KE_ROLE_OTHER + 1)

/* The generated tables (ddi_rules.c). Handlers are grouped by event: those
 * of DDI d's entry are ddc_handlers[ddc_ddi_entry_at[d] .. at[d + 1]). */
extern const ddc_rule_info ddc_rules[];
extern const ddc_handler ddc_handlers[];
extern const uint16_t ddc_ddi_entry_at[DDI_COUNT + 1];
extern const uint16_t ddc_ddi_exit_at[DDI_COUNT + 1];
extern const uint16_t ddc_role_entry_at[DDC_ROLE_COUNT + 1];
extern const uint16_t ddc_role_exit_at[DDC_ROLE_COUNT + 1];
extern const bool ddc_wants_routines;
extern const char *const ddc_texts[];   /* the conditions' texts */
extern const uint32_t ddc_text_offset[]; /* each one's, in the verifier's image: a
                                            slot per rule, so that no rule's text
                                            moves when another changes */

/* Points a verified image's watched imports at the rules' thunks. */
void ddc_patch_imports(ddi_imports *imports);

/* ------------------------------------------------------------------------ */
/* The engine (ddirules.c)                                                  */
/* ------------------------------------------------------------------------ */

typedef struct ddc_engine ddc_engine;

/* Whether the settings turn on any DDI rule (0x20000, 0x80000, /rc 35,
 * /sdv): only then do verified images get the thunks. */
bool ddc_wanted(const vf_settings *s);

/* The engine of a machine whose settings want it; NULL on host OOM. */
ddc_engine *ddc_create(void);
void ddc_destroy(ddc_engine *e);

/* What the rules' thunks call on: the verifier's thunks and the kernel. */
const ddi_imports *ddc_next(const ke_call *call);

/* A watched DDI's entry (false: a rule stopped the machine, the DDI must
 * not run) and exit (out parameters filled in args, result converted to
 * 64 bits as the trace converts it). */
bool ddc_ddi_entry(ke_call *call, uint16_t ddi, uint64_t *args, uint32_t argc);
void ddc_ddi_exit(ke_call *call, uint16_t ddi, uint64_t *args, uint32_t argc, uint64_t result);

/* A driver routine starts or returns (ke/hooks.h). */
void ddc_routine_event(ke_machine *m, const ke_event *ev);

/* Helpers for the spec's predicates. */
static inline bool ddc_pool_paged(uint64_t pool_type)
{
    return ex_pool_type_paged((ULONG)pool_type);
}

/* What the WDM rules read of the objects a DDI is handed (ddirules_wdm.c):
 * the verifier's own reads, which neither fault nor reach the trace; 0
 * where the memory cannot be read. */
/* The spin lock a KLOCK_QUEUE_HANDLE holds (KeReleaseInStackQueuedSpinLock's). */
uint64_t ddc_queued_lock_of(const ddc_ctx *x, uint64_t handle);
/* Irp->IoStatus.Status. */
int32_t ddc_irp_status(const ddc_ctx *x, uint64_t irp);
/* Whether IoCallDriver may pass this IRP down at DISPATCH_LEVEL: the major
 * function of its next stack location is IRP_MJ_POWER, READ, WRITE,
 * DEVICE_CONTROL or INTERNAL_DEVICE_CONTROL (ForwardedAtBadIrql). */
bool ddc_forward_allowed_at_dispatch(const ddc_ctx *x, uint64_t irp);
/* The IRP whose Tail.Overlay.ListEntry is `entry`, or 0 when it is none. */
uint64_t ddc_irp_of_list_entry(const ddc_ctx *x, uint64_t entry);
/* Whether the IRP was made by IoAllocateIrp (or is no IRP drvsim knows). */
bool ddc_irp_allocated(const ddc_ctx *x, uint64_t irp);

#endif /* DRVSIM_VF_DDIRULES_H */
