/*
 * list.c - doubly and singly linked lists in simulated memory:
 * InitializeListHead, IsListEmpty, InsertHeadList, InsertTailList,
 * RemoveHeadList, RemoveTailList, RemoveEntryList, PushEntryList,
 * PopEntryList, and the ExInterlocked... forms that hold a spin lock.
 *
 * In the WDK these are inline functions: the driver's own loads and stores,
 * with no lock and no atomicity. That is what makes an unsynchronised list
 * the classic multiprocessor bug, so they are modelled that way: each does
 * its loads (and the integrity checks Windows 8 added), then passes a
 * preemption point (ke_call.again) where another processor or a DPC may run,
 * then does its stores with the values it loaded, stale or not. The checks
 * are the kernel's own, verified or not: a link that does not point back
 * ends in KERNEL_SECURITY_CHECK_FAILURE (0x139) with P1 = 3,
 * FAST_FAIL_CORRUPT_LIST_ENTRY, blaming the driver whose code it is.
 *
 * The ExInterlocked... routines are real exports: under their spin lock the
 * whole operation is one step, and they spin while another processor holds
 * the lock (through KeAcquireSpinLock, say).
 */
#include <stdio.h>

#include "ddi_table.h"
#include "kd/kd.h"
#include "ke/types.h"

/* FAST_FAIL_CORRUPT_LIST_ENTRY, the P1 of the bug check. */
#define FAST_FAIL_CORRUPT_LIST_ENTRY 3u

typedef struct list_links {
    const ke_field *flink, *blink, *next;
} list_links;

static list_links links(void)
{
    return (list_links){KE_FIELD(LIST_ENTRY, Flink), KE_FIELD(LIST_ENTRY, Blink),
                        KE_FIELD(SINGLE_LIST_ENTRY, Next)};
}

/* A load or store of a link, as the driver's own access (a bad pointer
 * faults). False when it faulted and the machine stopped. */
static bool load(ke_call *call, PVOID_VA entry, const ke_field *f, PVOID_VA *value)
{
    *value = 0;
    return ke_field_get(call, entry, f, value);
}

static bool store(ke_call *call, PVOID_VA entry, const ke_field *f, PVOID_VA value)
{
    return ke_field_set(call, entry, f, value);
}

/* RtlFailFast(FAST_FAIL_CORRUPT_LIST_ENTRY). P2 and P3 are the addresses of
 * the trap frame and exception record on the kernel stack, which are not
 * modelled (0); the detail names the link that did not point back. */
static void corrupt(ke_call *call, const char *routine, PVOID_VA entry, const char *link,
                    PVOID_VA found, PVOID_VA expected)
{
    char detail[160];
    snprintf(detail, sizeof detail,
             "%s: LIST_ENTRY 0x%llX: %s points back at 0x%llX, not at 0x%llX", routine,
             (unsigned long long)entry, link, (unsigned long long)found,
             (unsigned long long)expected);
    const uint64_t p[4] = {FAST_FAIL_CORRUPT_LIST_ENTRY, 0, 0, 0};
    kd_raise_full(call, RULE_klist_entry_corrupted, 0x139, p, NULL, detail);
}

/* ------------------------------------------------------------------------ */
/* Between loads and stores                                                 */
/* ------------------------------------------------------------------------ */

/* Whether this call is the second half of an interrupted one: its loads
 * were done, the values saved in the execution. */
static bool resuming(const ke_call *call)
{
    return call->exec->resume_ddi == call->ddi;
}

/* The loads are done: save what they found and ask for a preemption point
 * before the stores. An atomic caller (an ExInterlocked... routine under its
 * lock) goes straight on. Returns true when the caller must return now. */
static bool suspend(ke_call *call, bool atomic, PVOID_VA a, PVOID_VA b, PVOID_VA c)
{
    if (atomic)
        return false;
    ke_exec *e = call->exec;
    KE_CHECK(call->m, e->resume_ddi == 0);
    e->resume_ddi = call->ddi;
    e->resume_values[0] = a;
    e->resume_values[1] = b;
    e->resume_values[2] = c;
    call->again = true;
    return true;
}

static void resume(ke_call *call, PVOID_VA *a, PVOID_VA *b, PVOID_VA *c)
{
    ke_exec *e = call->exec;
    *a = e->resume_values[0];
    *b = e->resume_values[1];
    *c = e->resume_values[2];
    e->resume_ddi = 0;
}

/* ------------------------------------------------------------------------ */
/* Doubly linked lists                                                      */
/* ------------------------------------------------------------------------ */

void InitializeListHead(ke_call *call, PVOID_VA ListHead)
{
    list_links l = links();
    if (store(call, ListHead, l.flink, ListHead))
        store(call, ListHead, l.blink, ListHead);
}

bool IsListEmpty(ke_call *call, PVOID_VA ListHead)
{
    PVOID_VA first;
    return load(call, ListHead, links().flink, &first) && first == ListHead;
}

static void insert_head(ke_call *call, PVOID_VA head, PVOID_VA entry, bool atomic)
{
    list_links l = links();
    PVOID_VA next, unused;
    if (resuming(call)) {
        resume(call, &next, &unused, &unused);
    } else {
        PVOID_VA back;
        if (!load(call, head, l.flink, &next) || !load(call, next, l.blink, &back))
            return;
        if (back != head) {
            corrupt(call, "InsertHeadList", next, "Blink", back, head);
            return;
        }
        if (suspend(call, atomic, next, 0, 0))
            return;
    }
    if (store(call, entry, l.flink, next) && store(call, entry, l.blink, head) &&
        store(call, next, l.blink, entry))
        store(call, head, l.flink, entry);
}

static void insert_tail(ke_call *call, PVOID_VA head, PVOID_VA entry, bool atomic)
{
    list_links l = links();
    PVOID_VA prev, unused;
    if (resuming(call)) {
        resume(call, &prev, &unused, &unused);
    } else {
        PVOID_VA forward;
        if (!load(call, head, l.blink, &prev) || !load(call, prev, l.flink, &forward))
            return;
        if (forward != head) {
            corrupt(call, "InsertTailList", prev, "Flink", forward, head);
            return;
        }
        if (suspend(call, atomic, prev, 0, 0))
            return;
    }
    if (store(call, entry, l.flink, head) && store(call, entry, l.blink, prev) &&
        store(call, prev, l.flink, entry))
        store(call, head, l.blink, entry);
}

/* Unlinks entry from between prev and next (both loaded and checked). */
static void unlink_entry(ke_call *call, PVOID_VA prev, PVOID_VA next)
{
    list_links l = links();
    if (store(call, prev, l.flink, next))
        store(call, next, l.blink, prev);
}

/* Loads entry's neighbours and checks that both point back at it. */
static bool neighbours(ke_call *call, const char *routine, PVOID_VA entry, PVOID_VA *prev,
                       PVOID_VA *next)
{
    list_links l = links();
    PVOID_VA back, forward;
    if (!load(call, entry, l.flink, next) || !load(call, entry, l.blink, prev) ||
        !load(call, *next, l.blink, &back) || !load(call, *prev, l.flink, &forward))
        return false;
    if (back != entry) {
        corrupt(call, routine, *next, "Blink", back, entry);
        return false;
    }
    if (forward != entry) {
        corrupt(call, routine, *prev, "Flink", forward, entry);
        return false;
    }
    return true;
}

bool RemoveEntryList(ke_call *call, PVOID_VA Entry)
{
    PVOID_VA prev, next, unused;
    if (resuming(call)) {
        resume(call, &prev, &next, &unused);
    } else {
        if (!neighbours(call, "RemoveEntryList", Entry, &prev, &next) ||
            suspend(call, false, prev, next, 0))
            return false;
    }
    unlink_entry(call, prev, next);
    return next == prev; /* TRUE: the list is empty now */
}

/* RemoveHeadList and RemoveTailList: the entry after (or before) the head,
 * unlinked. On an empty list that is the head itself, unlinked from itself:
 * Windows returns the head, and so does this (callers test IsListEmpty). */
static PVOID_VA remove_end(ke_call *call, const char *routine, PVOID_VA head, bool tail,
                           bool atomic)
{
    list_links l = links();
    PVOID_VA entry, prev, next;
    if (resuming(call)) {
        resume(call, &entry, &prev, &next);
    } else {
        if (!load(call, head, tail ? l.blink : l.flink, &entry) ||
            !neighbours(call, routine, entry, &prev, &next) ||
            suspend(call, atomic, entry, prev, next))
            return 0;
    }
    unlink_entry(call, prev, next);
    return entry;
}

PVOID_VA RemoveHeadList(ke_call *call, PVOID_VA ListHead)
{
    return remove_end(call, "RemoveHeadList", ListHead, false, false);
}

PVOID_VA RemoveTailList(ke_call *call, PVOID_VA ListHead)
{
    return remove_end(call, "RemoveTailList", ListHead, true, false);
}

void InsertHeadList(ke_call *call, PVOID_VA ListHead, PVOID_VA Entry)
{
    insert_head(call, ListHead, Entry, false);
}

void InsertTailList(ke_call *call, PVOID_VA ListHead, PVOID_VA Entry)
{
    insert_tail(call, ListHead, Entry, false);
}

/* ------------------------------------------------------------------------ */
/* Singly linked lists (no integrity checks in Windows either)              */
/* ------------------------------------------------------------------------ */

static void push_entry(ke_call *call, PVOID_VA head, PVOID_VA entry, bool atomic)
{
    const ke_field *next_link = links().next;
    PVOID_VA first, unused;
    if (resuming(call)) {
        resume(call, &first, &unused, &unused);
    } else if (!load(call, head, next_link, &first) || suspend(call, atomic, first, 0, 0)) {
        return;
    }
    if (store(call, entry, next_link, first))
        store(call, head, next_link, entry);
}

static PVOID_VA pop_entry(ke_call *call, PVOID_VA head, bool atomic)
{
    const ke_field *next_link = links().next;
    PVOID_VA first, second = 0, unused;
    if (resuming(call)) {
        resume(call, &first, &second, &unused);
    } else {
        if (!load(call, head, next_link, &first) ||
            (first != 0 && !load(call, first, next_link, &second)) ||
            suspend(call, atomic, first, second, 0))
            return 0;
    }
    if (first != 0)
        store(call, head, next_link, second);
    return first;
}

void PushEntryList(ke_call *call, PVOID_VA ListHead, PVOID_VA Entry)
{
    push_entry(call, ListHead, Entry, false);
}

PVOID_VA PopEntryList(ke_call *call, PVOID_VA ListHead)
{
    return pop_entry(call, ListHead, false);
}

/* ------------------------------------------------------------------------ */
/* ExInterlocked...: the same operations under a spin lock                  */
/* ------------------------------------------------------------------------ */

/* The first (or last) entry of a list, or 0 when it is empty: what the
 * ExInterlockedInsert... routines return. */
static PVOID_VA end_entry(ke_call *call, PVOID_VA head, bool tail)
{
    list_links l = links();
    PVOID_VA entry;
    if (!load(call, head, tail ? l.blink : l.flink, &entry))
        return 0;
    return entry == head ? 0 : entry;
}

PVOID_VA ExInterlockedInsertHeadList(ke_call *call, PVOID_VA ListHead, PVOID_VA ListEntry,
                                     PVOID_VA Lock)
{
    if (!ke_spinlock_take(call, Lock))
        return 0; /* spinning: the call is made again */
    PVOID_VA first = end_entry(call, ListHead, false);
    insert_head(call, ListHead, ListEntry, true);
    ke_spinlock_give(call, Lock);
    return first;
}

PVOID_VA ExInterlockedInsertTailList(ke_call *call, PVOID_VA ListHead, PVOID_VA ListEntry,
                                     PVOID_VA Lock)
{
    if (!ke_spinlock_take(call, Lock))
        return 0;
    PVOID_VA last = end_entry(call, ListHead, true);
    insert_tail(call, ListHead, ListEntry, true);
    ke_spinlock_give(call, Lock);
    return last;
}

PVOID_VA ExInterlockedRemoveHeadList(ke_call *call, PVOID_VA ListHead, PVOID_VA Lock)
{
    if (!ke_spinlock_take(call, Lock))
        return 0;
    PVOID_VA entry = 0;
    if (end_entry(call, ListHead, false) != 0)
        entry = remove_end(call, "ExInterlockedRemoveHeadList", ListHead, false, true);
    ke_spinlock_give(call, Lock);
    return entry;
}

PVOID_VA ExInterlockedPushEntryList(ke_call *call, PVOID_VA ListHead, PVOID_VA ListEntry,
                                    PVOID_VA Lock)
{
    if (!ke_spinlock_take(call, Lock))
        return 0;
    PVOID_VA first = 0;
    load(call, ListHead, links().next, &first);
    push_entry(call, ListHead, ListEntry, true);
    ke_spinlock_give(call, Lock);
    return first;
}

PVOID_VA ExInterlockedPopEntryList(ke_call *call, PVOID_VA ListHead, PVOID_VA Lock)
{
    if (!ke_spinlock_take(call, Lock))
        return 0;
    PVOID_VA first = pop_entry(call, ListHead, true);
    ke_spinlock_give(call, Lock);
    return first;
}
