/*
 * delay_fuzz.h - Kernel synchronization delay fuzzing (verifier.exe /flags
 * 0x800000, rule class 24; Windows 8.1 and later, deprecated from Windows 10
 * build 19042).
 *
 * Windows (kernel-synchronization-delay-fuzzing.md): the verifier inserts
 * random delays at the kernel synchronization API calls of the verified
 * drivers, so that the race windows between them widen and races that
 * stress tests rarely meet happen during the test. The page documents no
 * probability, no delay and no API list.
 *
 * drvsim: every call a verified driver makes to a kernel synchronization
 * DDI (the `sync` flag of sim/ddi.tbl: spin locks of every kind, waits,
 * events, semaphores, mutexes, fast and guarded mutexes, ERESOURCEs, push
 * locks) is a point where the call may be held back, before it takes
 * effect, for a random simulated time (ke_delay_call): a thread below
 * DISPATCH_LEVEL waits, its processor free for the others; at
 * DISPATCH_LEVEL or above (a DPC, an ISR, a spin lock held) the processor
 * stalls, as Windows would spin there, while the other processors run. The
 * choice is drawn from the run's "delayfuzz" stream only: one point in
 * VF_DELAY_FUZZ_CHANCE_DEN / VF_DELAY_FUZZ_CHANCE_NUM is delayed, by
 * VF_DELAY_FUZZ_MIN_100NS to VF_DELAY_FUZZ_MAX_100NS (uniform, 100 ns units).
 * The call made again after its delay, and a spinning acquire's retries,
 * draw nothing: each call is one point.
 *
 * With 0x800000 off nothing here exists: no thunk is patched in, no stream
 * is drawn from, nothing reaches the trace or the digest.
 */
#ifndef DRVSIM_VF_DELAY_FUZZ_H
#define DRVSIM_VF_DELAY_FUZZ_H

#include <stdint.h>

#include "ddi_table.h"
#include "des/des.h"

/* Windows documents neither: one call in four is delayed, by 1 to 100 us
 * (the time of 10 to 1,000 DDI calls here: longer than most critical
 * sections of a driver, shorter than a timer's period). */
#define VF_DELAY_FUZZ_CHANCE_NUM 1u
#define VF_DELAY_FUZZ_CHANCE_DEN 4u
#define VF_DELAY_FUZZ_MIN_100NS  10u
#define VF_DELAY_FUZZ_MAX_100NS  1000u

typedef struct vf_delay_fuzz {
    des_rng rng;          /* the "delayfuzz" stream */
    ddi_imports next;     /* what a call goes on to: the verifier's thunks, the DDI rules' */
    uint64_t count;       /* calls delayed */
    uint64_t total_100ns; /* their delays, summed */
} vf_delay_fuzz;

/* NULL on host OOM. `next` is the import table of a verified image without
 * delay fuzzing; `seed` seeds the stream without drawing from it. */
vf_delay_fuzz *vf_delay_fuzz_create(uint64_t seed, const ddi_imports *next);
void vf_delay_fuzz_destroy(vf_delay_fuzz *fz);

/* Points a verified image's kernel synchronization imports at the delay
 * thunks, over whatever they pointed at (which must be fz->next's). */
void vf_delay_fuzz_patch(ddi_imports *imports);

#endif /* DRVSIM_VF_DELAY_FUZZ_H */
