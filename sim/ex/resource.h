/*
 * resource.h - executive resources (ERESOURCE): the kernel's state of each
 * one, for the verifier's checks and the wait-for graph of a deadlock
 * (ke/waitgraph.c).
 *
 * The ERESOURCE lives in simulated memory with its wdm.h layout (0x68 bytes
 * on x64, 0x38 on x86); the kernel keeps its owners and waiters here and
 * mirrors ActiveCount, Flag, the waiter objects, OwnerEntry, ActiveEntries,
 * ContentionCount and the waiter counts into that memory after every change.
 */
#ifndef DRVSIM_EX_RESOURCE_H
#define DRVSIM_EX_RESOURCE_H

#include "ke/ke.h"

#define ERESOURCE_SIZE_X64 0x68u
#define ERESOURCE_SIZE_X86 0x38u

/* One owner: a thread and how many times it holds the resource. */
typedef struct ex_resource_owner {
    ke_thread *thread;
    uint32_t count;
} ex_resource_owner;

typedef struct ex_resource {
    PVOID_VA va;
    /* Initialised by ExInitializeResourceLite and not deleted since (on
     * ExpSystemResourcesList, in Windows' terms); false for a zeroed
     * ERESOURCE used without initialisation, which Windows tolerates. */
    bool listed;
    /* Driver Verifier tracks it (miscellaneous checks were on when a
     * verified driver initialised it): 0xC4/0xD0 and 0xD2 look here. */
    bool vf_tracked;
    bool exclusive; /* Flag & ResourceOwnedExclusive */
    /* owners[0] is the exclusive owner when `exclusive`; otherwise the
     * shared owners, in the order they acquired it. */
    ex_resource_owner *owners;
    uint32_t owner_count, owner_capacity;
    uint32_t shared_waiters, exclusive_waiters; /* NumberOf...Waiters */
    uint32_t contention_count;
    /* SharedWaiters (a semaphore) and ExclusiveWaiters (a synchronization
     * event), allocated from nonpaged pool at the first contention, as
     * Windows does; 0 until then. */
    PVOID_VA shared_semaphore, exclusive_event;
} ex_resource;

/* The resource at va, or NULL. */
ex_resource *ex_resource_at(const ke_machine *m, PVOID_VA va);

/* The first initialised resource that Driver Verifier tracks in [start,
 * end), for the free check; NULL if none. */
ex_resource *ex_resource_tracked_in_range(const ke_machine *m, PVOID_VA start, PVOID_VA end);

/* The calling thread's ownership: its count, shared or exclusive. */
uint32_t ex_resource_held(const ex_resource *r, const ke_thread *t);

/* Frees the kernel's state of every resource (machine teardown). */
void ex_resource_free_all(ke_machine *m);

#endif /* DRVSIM_EX_RESOURCE_H */
