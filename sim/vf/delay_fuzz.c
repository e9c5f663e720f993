/*
 * delay_fuzz.c - kernel synchronization delay fuzzing (/flags 0x800000):
 * the thunks over the verified images' synchronization imports, and the
 * choice of the calls held back (see delay_fuzz.h).
 */
#include <stdlib.h>

#include "vf/delay_fuzz.h"
#include "vf/vf.h"

vf_delay_fuzz *vf_delay_fuzz_create(uint64_t seed, const ddi_imports *next)
{
    vf_delay_fuzz *fz = calloc(1, sizeof *fz);
    if (fz == NULL)
        return NULL;
    des_rng_stream(&fz->rng, seed, "delayfuzz");
    fz->next = *next;
    return fz;
}

void vf_delay_fuzz_destroy(vf_delay_fuzz *fz)
{
    free(fz);
}

/*
 * A verified driver's synchronization call: true when it is held back now
 * (ke_delay_call: the thunk returns without calling on, and the host makes
 * the call again once the delay has passed). The call made again, and a
 * spinning acquire's retries (its processor spins on the lock), draw
 * nothing.
 */
static bool delay_point(ke_call *call)
{
    ke_exec *e = call->exec;
    if (e->delay_done) {
        e->delay_done = false; /* this is the call held back: it goes on */
        return false;
    }
    ke_machine *m = call->m;
    if (ke_call_cpu(call)->spinning_on != 0 || ke_stopped(m))
        return false;
    vf_delay_fuzz *fz = m->vf->delay;
    if (!des_rng_chance(&fz->rng, VF_DELAY_FUZZ_CHANCE_NUM, VF_DELAY_FUZZ_CHANCE_DEN))
        return false;
    uint64_t delay = VF_DELAY_FUZZ_MIN_100NS +
                     des_rng_below(&fz->rng, VF_DELAY_FUZZ_MAX_100NS - VF_DELAY_FUZZ_MIN_100NS + 1);
    fz->count++;
    fz->total_100ns += delay;
    (void)ke_delay_call(call, delay);
    return true;
}

static inline const ddi_imports *next(const ke_call *call)
{
    return &call->m->vf->delay->next;
}

/* One thunk per synchronization DDI, from the `sync` rows of sim/ddi.tbl
 * (ddi_table.h): the delay point, then the call goes on. A call held back
 * returns 0 (nothing reads it: the host makes the call again). */
#define DELAY_THUNK_VOID(name, params, args)                                                       \
    static void delay_##name params                                                                \
    {                                                                                              \
        if (delay_point(call))                                                                     \
            return;                                                                                \
        next(call)->name args;                                                                     \
    }
#define DELAY_THUNK_VALUE(name, type, params, args)                                                \
    static type delay_##name params                                                                \
    {                                                                                              \
        if (delay_point(call))                                                                     \
            return (type)0;                                                                        \
        return next(call)->name args;                                                              \
    }
DDI_SYNC_VOID(DELAY_THUNK_VOID)
DDI_SYNC_VALUE(DELAY_THUNK_VALUE)

void vf_delay_fuzz_patch(ddi_imports *imports)
{
#define PATCH_VOID(name, params, args)        imports->name = delay_##name;
#define PATCH_VALUE(name, type, params, args) imports->name = delay_##name;
    DDI_SYNC_VOID(PATCH_VOID)
    DDI_SYNC_VALUE(PATCH_VALUE)
#undef PATCH_VOID
#undef PATCH_VALUE
}
