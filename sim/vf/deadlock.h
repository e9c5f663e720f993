/*
 * deadlock.h - Driver Verifier's deadlock detection (/flags 0x20, rule class
 * 6, part of /standard), and drvsim's additions to it.
 *
 * The lock graph hears the kernel through its one hook interface
 * (ke/hooks.h): every initialisation, acquisition and release of a lock,
 * thread ends and pool frees. Every acquisition by a verified driver adds an
 * edge from the lock its execution holds last to the lock it takes, keeping
 * the first witness of each edge; an edge that closes a cycle is a lock
 * hierarchy violation (0xC4/0x1001), found the first time the second order
 * is seen, whether or not the paths ever overlapped in time. The misuses
 * Windows reports beside it are 0x1000-0x100B (deadlock.c).
 *
 * drvsim's additions, lockdep's (Documentation/locking/lockdep-design.rst):
 * the graph is over lock classes, all the locks one scenario line
 * initialises (a per-device or per-IRP lock is one class; a lock never
 * initialised is a class of its own), with an annotation for a deliberate
 * nesting of one class (vf_deadlock_set_subclass); and the IRQL-safety rules,
 * a lock taken in an ISR and below its IRQL (0xC4/0xD0010001) and the order
 * ISR lock -> such a lock (0xC4/0xD0010002). The report names every
 * acquisition by scenario line, routine and IRQL (deadlock_report.c).
 */
#ifndef DRVSIM_VF_DEADLOCK_H
#define DRVSIM_VF_DEADLOCK_H

#include "io/io.h"
#include "ke/hooks.h"
#include "ke/ke.h"

struct vf_deadlock;

/* The event kinds the lock graph hears, when deadlock detection is in force
 * for some driver under settings s (0 otherwise). */
uint32_t vf_deadlock_hook_mask(const vf_settings *s);

/* The listener (from vf_kernel_event). */
void vf_deadlock_event(ke_machine *m, const ke_event *ev);
/* What vf_deadlock_event does with events of that kind, as a function of
 * the kind alone (ke_machine.hook_fn, where deadlock detection is the only
 * listener of the kind). */
void (*vf_deadlock_entry(ke_event_kind kind))(ke_machine *m, const ke_event *ev);

void vf_deadlock_destroy(struct vf_deadlock *dl);

/* ExAcquireResourceExclusiveLite's check before it waits: a thread that
 * holds the resource shared asks exclusive access (0x1000). True if it
 * raised. */
bool vf_deadlock_exclusive_of_shared(ke_call *call, PVOID_VA Resource);

/* The nesting annotation: `lock`'s class becomes (its scenario line,
 * subclass), so a lock of a class may be taken while another lock of the
 * same class with a different subclass is held (lockdep_set_subclass). */
void vf_deadlock_set_subclass(ke_machine *m, PVOID_VA lock, uint32_t subclass);

/* The report of the bug check that stopped the machine, if deadlock
 * detection raised it; the caller owns it. NULL otherwise. */
drvsim_deadlock *vf_deadlock_take_report(ke_machine *m);

/* ------------------------------------------------------------------------ */
/* Shared by deadlock.c and deadlock_report.c                               */
/* ------------------------------------------------------------------------ */

/* The kind of code an acquisition ran in. */
typedef enum dl_context {
    DL_CTX_THREAD = 0,
    DL_CTX_HARNESS,
    DL_CTX_WORK_ITEM,
    DL_CTX_DPC,
    DL_CTX_ISR,
    DL_CTX_DISPATCH,
    DL_CTX_COMPLETION,
    DL_CTX_CANCEL,
    DL_CTX_SYNCHRONIZE,
    DL_CTX_STARTIO,  /* DRIVER_STARTIO (or IoStartPacket's cancel routine) */
    DL_CTX_CALLBACK, /* a cancel-safe queue callback, a registry query routine */
} dl_context;

/* One acquisition, as a witness keeps it. */
typedef struct dl_acq {
    PVOID_VA lock;
    uint32_t cls;  /* the lock's class */
    uint8_t kind;  /* ke_lock_kind */
    KIRQL irql;    /* after the acquire */
    uint8_t context; /* dl_context */
    uint32_t cpu;
    uint32_t thread_id;
    const char *routine; /* the innermost frame's name (static), NULL for none */
    ke_site site;
    bool site_known;
} dl_acq;

/* A class: the locks one scenario line initialised, with one subclass. */
typedef struct dl_class {
    ke_site site;   /* where its locks were initialised */
    bool by_site;   /* false: a lock never initialised, a class of its own */
    uint32_t subclass;
    PVOID_VA first_lock;
    uint32_t *out, out_count, out_cap; /* edges from it (indices), in creation order */
    uint32_t *in, in_count, in_cap;    /* edges to it */
    /* IRQL safety: its first acquisition in an ISR (at the highest device
     * IRQL seen) and outside one (at the lowest IRQL seen). */
    bool isr_used, low_used;
    dl_acq isr_acq, low_acq;
    uint32_t visit; /* the search generation that last reached it */
    uint32_t via;   /* the edge the search reached it by */
} dl_class;

/* An edge: `to` acquired while `from` was the lock held last. */
typedef struct dl_edge {
    uint32_t from, to;
    dl_acq held, acquired; /* the first witness */
} dl_edge;

/* What a report needs of the state. */
typedef struct dl_report_input {
    const uint32_t *edges; /* the cycle's edges, the closing one last */
    uint32_t edge_count;
    const dl_edge *edge_table;
    const dl_class *classes;
    bool irql_rule;
    /* The IRQL-safety rules: the acquisition in the ISR and the other. */
    const dl_acq *isr, *low, *order_held;
} dl_report_input;

/* Builds the report of a cycle or an IRQL-safety rule (deadlock_report.c);
 * NULL on host OOM. */
drvsim_deadlock *dl_report_build(ke_machine *m, const dl_report_input *in);

/* Fills an acquisition from an execution (with its scenario line if
 * with_site). */
void dl_acq_fill(ke_machine *m, dl_acq *a, const ke_event *ev, bool with_site);

#endif /* DRVSIM_VF_DEADLOCK_H */
