/*
 * race.h - drvsim's data race detector (/races, or --races): happens-before
 * over every driver's accesses to simulated memory, FastTrack-style
 * (Flanagan and Freund, PLDI 2009), reported as 0xC4/0xD0030001 in
 * drvsim's private range. Windows' Driver Verifier has nothing like it.
 *
 * What it hears (ke/hooks.h): every load and store a driver makes through a
 * pointer or has an Rtl memory routine make for it (MEMORY_ACCESS), and
 * every ordering the kernel model knows: lock releases and acquisitions of
 * every kind (LOCK_*: spin locks, in-stack queued, interrupt spin locks and
 * KeSynchronizeExecution, fast and guarded mutexes, KMUTEX, ERESOURCE, push
 * locks), signals and satisfied waits of dispatcher objects, DPC queueing
 * and runs, timers set and their DPCs, work items queued and run, thread
 * creation and termination (SYNC_*), interlocked operations and
 * KeMemoryBarrier (ATOMIC), and pool frees (POOL_FREED: the memory's
 * history is forgotten).
 *
 * Two accesses to overlapping bytes from different execution contexts, at
 * least one a write, with no chain of those edges between them, are a
 * race: reported on the first run that performs both, whatever the order
 * the seed gave them. The report (race_report.c) names both accesses:
 * their context, routine, IRQL, scenario line and the locks each held, and
 * the memory (pool block or image, and offset).
 */
#ifndef DRVSIM_VF_RACE_H
#define DRVSIM_VF_RACE_H

#include "io/io.h"
#include "ke/hooks.h"
#include "ke/ke.h"

struct vf_race;

/* The event kinds the detector hears when settings s turn it on (0
 * otherwise). */
uint32_t vf_race_hook_mask(const vf_settings *s);

/* The listener (from vf_kernel_event). */
void vf_race_event(ke_machine *m, const ke_event *ev);

void vf_race_destroy(struct vf_race *r);

/* The report of the race that stopped the machine, if the detector raised
 * it; the caller owns it. NULL otherwise. */
drvsim_race *vf_race_take_report(ke_machine *m);

/* ------------------------------------------------------------------------ */
/* Shared by race.c and race_report.c                                       */
/* ------------------------------------------------------------------------ */

#define RC_NONE     UINT32_MAX
#define RC_MAX_HELD 4 /* locks a report lists per access */

/* What kind of code an execution context is. */
typedef enum rc_ctx_kind { RC_CTX_THREAD = 0, RC_CTX_DPC, RC_CTX_ISR } rc_ctx_kind;

/* A lock held. */
typedef struct rc_lock {
    PVOID_VA lock;
    uint8_t kind; /* ke_lock_kind */
} rc_lock;

/* An execution context: a thread (system, worker or the harness), a DPC
 * (one KDPC's runs on one processor) or an ISR (one interrupt's runs on one
 * processor). */
typedef struct rc_ctx {
    uint32_t *vc;    /* its vector clock: vc[u] for context u, vc[self] its own */
    uint32_t vc_len; /* entries held; the others are 0 */
    uint8_t kind;    /* rc_ctx_kind */
    uint32_t cpu;    /* DPC, ISR: the processor */
    uint32_t thread; /* thread: its id */
    PVOID_VA object; /* DPC: the KDPC; ISR: the KINTERRUPT */
    bool harness;    /* the thread running run() */
    bool worker;     /* a system worker thread */
    bool running;    /* DPC: a run of it is going on (on `cpu`) */
    rc_lock *held;   /* the locks it holds, oldest first */
    uint32_t held_count, held_cap;
} rc_ctx;

/* One access, as a report names it (shared by all the accesses of one
 * context from one line with the same locks held). */
typedef struct rc_info {
    uint32_t ctx;
    ke_site site;
    bool site_known;
    const char *routine; /* the innermost frame (static), NULL for none */
    uint8_t role;        /* ke_role of that frame */
    uint16_t ddi;        /* KE_DDI_POINTER, or the Rtl routine that made it */
    KIRQL irql;
    bool write;
    uint8_t held_count;
    rc_lock held[RC_MAX_HELD];
    uint32_t held_more; /* locks held beyond those listed */
} rc_info;

/* A race found: the earlier access (from the shadow memory), the later one
 * (now), and the bytes. */
typedef struct rc_race {
    const rc_info *earlier, *later;
    PVOID_VA address; /* the later access */
    uint64_t size;
    PVOID_VA overlap; /* the first byte both touched */
} rc_race;

/* Writes the report of a race into buf, and fills *out (race_report.c). */
void rc_report_text(ke_machine *m, const rc_ctx *ctxs, const rc_race *race, char *buf, size_t len);
void rc_report_fill(ke_machine *m, const rc_ctx *ctxs, const rc_race *race, drvsim_race *out);

#endif /* DRVSIM_VF_RACE_H */
