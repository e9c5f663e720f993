/*
 * inject.h - low resources simulation: the verifier deliberately fails
 * allocations of verified drivers (verifier.exe /flags 0x4, /faults), and
 * drvsim's systematic forms of it (--fail-nth, --replay, explore-faults).
 *
 * A thunk of an eligible DDI (pool allocations, IoAllocateMdl,
 * IoAllocateWorkItem, MmProbeAndLockPages, the mapping routines, the
 * allocating Rtl string routines) asks vf_inject_fault after its own checks;
 * on true it fails the call the way that DDI fails (NULL, a raise, a status).
 *
 * Eligible: a verified caller, not a must-succeed request, its tag matching
 * /faults PoolTags (when given) and its process image matching /faults
 * Applications (when given). Random mode (the option on): from DelayMins
 * after boot, the scenario's `faults` predicate consulted, each eligible
 * call fails with Probability/10000 drawn from the run's "faults" stream.
 * Systematic modes replace the random one: exactly the Nth eligible call,
 * or exactly the calls of a choice list keyed by meaning (DDI, tag, ordinal
 * of the call among the eligible calls of that DDI and tag).
 *
 * Systematic low resources simulation (/flags 0x40000, Windows 8.1 and
 * later; systematic-low-resource-simulation.md): the first call of a DDI
 * from a given stack of the driver fails, every later call from the same
 * stack passes, from boot, with no draw. drvsim's stack is the scenario
 * lines of the calling routine's frames (ke_host.stack_id), so a stack is
 * the same after the driver is loaded again, as Windows recognises it at
 * another base. It replaces the random mode when both are on (Windows says
 * not to combine them); --fail-nth, --replay and explore-faults replace it.
 *
 * With neither mode on nothing here runs: no stream is drawn from, no trace
 * record is written, so runs without the option keep their digests.
 */
#ifndef DRVSIM_VF_INJECT_H
#define DRVSIM_VF_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "des/des.h"
#include "des/map.h"
#include "ke/ke.h"

/* A call of a choice list: what it is, not where it was in the file. */
typedef struct vf_fault_key {
    uint16_t ddi;
    uint32_t tag;
    uint64_t ordinal; /* 1 = the first eligible call with this DDI and tag */
} vf_fault_key;

/* One eligible call: an injected failure, or a call site (explore). */
typedef struct vf_fault_record {
    vf_fault_key key;
    ke_site site; /* the scenario line of the call */
    uint64_t nth; /* its number among the eligible calls counted (--fail-nth) */
    uint64_t time_100ns;
    int32_t driver; /* the caller's driver index */
} vf_fault_record;

/* What the predicate of the scenario (scenario{ faults = fn }) is asked. */
typedef struct vf_fault_query {
    const ke_call *call;
    uint32_t tag;       /* 0: the DDI takes no tag */
    uint32_t pool_type; /* the request's POOL_TYPE */
    bool has_pool_type;
} vf_fault_query;

/* Returns false to exempt the call. May stop the machine (a scenario
 * error), in which case the answer is ignored. */
typedef bool (*vf_fault_predicate)(void *ctx, const vf_fault_query *q);

/* The systematic modes, from the command line; all zero = none. */
typedef struct vf_inject_mode {
    uint64_t fail_nth; /* fail the Nth eligible call (1-based); 0 = off */
    bool replay;       /* fail exactly the calls of `keys` */
    const vf_fault_key *keys;
    size_t key_count;
    bool list_sites; /* collect every distinct eligible call site */
} vf_inject_mode;

#define VF_INJECT_MAX_RECORDS 65536u /* injected failures kept for reports */

typedef struct vf_inject {
    des_rng rng;    /* the "faults" stream */
    bool rng_drawn; /* drawn from at least once: then it goes into the digest */
    vf_inject_mode mode;
    vf_fault_predicate predicate;
    void *predicate_ctx;
    uint64_t eligible; /* eligible calls counted so far */
    /* Eligible calls per (DDI, tag): the ordinals of keys. */
    struct vf_inject_count {
        uint16_t ddi;
        uint32_t tag;
        uint64_t count;
    } * counts;
    size_t count_count, count_capacity;
    vf_fault_record *injected; /* in order, at most VF_INJECT_MAX_RECORDS */
    size_t injected_count, injected_capacity;
    uint64_t injected_total;
    vf_fault_record *sites; /* mode.list_sites: first call of each (site, DDI) */
    size_t site_count, site_capacity;
    des_map stacks_seen; /* /flags 0x40000: (stack, DDI) keys failed once */
} vf_inject;

void vf_inject_init(vf_inject *in, uint64_t seed);
void vf_inject_free(vf_inject *in);

/*
 * The injection decision for an eligible DDI's call, made by its thunk after
 * its checks passed (so call->driver is a verified image). `tag` is the pool
 * tag the call allocates with (0 if none), `must_succeed` a must-succeed
 * request. True: the thunk fails the call; the failure is counted
 * (AllocationsFailedDeliberately), recorded and traced.
 */
bool vf_inject_fault(ke_call *call, uint32_t tag, uint32_t pool_type, bool has_pool_type,
                     bool must_succeed);

/*
 * The decision at another fault point: force pending I/O (/flags 0x200,
 * iov_pend.c), whose eligible calls are a verified driver's IoCallDriver
 * calls, keyed (DDI, tag 0, ordinal) in the same space as the allocations,
 * so that --fail-nth, --replay, explore-faults and shrink take them as they
 * take allocations. The systematic modes decide as for an allocation (no
 * predicate: the scenario's `faults` speaks of allocations); otherwise the
 * point's own stream decides, `numerator` in VF_FAULTS_PROBABILITY_DENOMINATOR
 * (*drawn set when drawn). True: the call is chosen; it is recorded among
 * the injected faults (not counted as an allocation failed deliberately).
 */
bool vf_inject_point(ke_call *call, des_rng *rng, bool *drawn, uint32_t numerator);

/* A pool tag pattern of /faults PoolTags: 1 to 4 characters where ? stands
 * for one character and * for any run; a shorter pattern is padded with
 * spaces, as tags are. Case-sensitive, as pool tags are. */
bool vf_tag_matches(const char *pattern, uint32_t tag);

/* An image name of /faults Applications against a process image:
 * case-insensitive, with the same wildcards. */
bool vf_app_matches(const char *pattern, const char *image);

#endif /* DRVSIM_VF_INJECT_H */
