/*
 * rules.h - the rule catalogue: every check drvsim can raise, in one table.
 *
 * Each row: the rule id (also its name in reports), the bug check code, which
 * parameter carries the sub-code that selects the case (1 for 0xC4/0xC2/0xC9,
 * 4 for 0xC1, 0 when the code alone says it) and its value, the /flags bit
 * that enables it (0 = automatic checks, always on for a verified driver;
 * RULE_KERNEL = checked by the kernel itself, verified or not), what it
 * means in one line, and what each of its four parameters holds. Check sites
 * name the rule; code and sub-code come from here, so they cannot disagree
 * with `drvsim rules`.
 *
 * The last column is a parenthesised list of four strings, the meanings of
 * P1, P2, P3 and P4 as `!analyze -v` prints them after each Argn (the
 * sub-code parameter's meaning is the case it selects), in the words of the
 * bug check's page on learn.microsoft.com. Where drvsim gives something else
 * than the page documents, the meaning says what drvsim gives and names the
 * Windows value in parentheses: "Current IRQL (Windows: the address of a
 * variable that holds it)", "... (drvsim: 0)". A row without the column, with
 * fewer or more than four, or with an empty one does not compile (rules.c).
 *
 * Add rows at the end of their group. Every row needs a scenario that
 * triggers it and a clean twin (tests/scenarios/README.md).
 */
#ifndef DRVSIM_VF_RULES_H
#define DRVSIM_VF_RULES_H

#include <stdint.h>

#include "drvsim/drvsim.h"
#include "vf/vf_settings.h"

#define RULE_KERNEL 0xFFFFFFFFu

/* X(id, code, sub_param, sub_value, option, description, (p1, p2, p3, p4)) */
#define DRVSIM_RULES(X)                                                                            \
    /* Automatic checks: IRQL (0xC4, verifier_options.md "Automatic checks"). */                   \
    X(irql_raise_below_current, 0xC4, 1, 0x30, 0,                                                  \
      "KeRaiseIrql called to lower the IRQL, or to a value above HIGH_LEVEL",                      \
      ("KeRaiseIrql to an IRQL below the current one, or above HIGH_LEVEL", "Current IRQL",        \
       "IRQL asked for", "Not used (0)"))                                                          \
    X(irql_lower_above_current, 0xC4, 1, 0x31, 0,                                                  \
      "KeLowerIrql called to raise the IRQL, or to a value above HIGH_LEVEL (P4 0); or below "     \
      "DISPATCH_LEVEL inside a DPC routine (P4 1)",                                                \
      ("KeLowerIrql to an IRQL above the current one, or above HIGH_LEVEL", "Current IRQL",        \
       "IRQL asked for", "0: the new IRQL is bad; 1: the new IRQL is not allowed inside a DPC"))   \
    X(isr_irql_changed, 0xC4, 1, 0x111, 0,                                                         \
      "an interrupt service routine returned at an IRQL other than its device IRQL (0xC8 for "     \
      "a driver that is not verified)",                                                            \
      ("An ISR returned at an IRQL other than it was called at", "Address of the ISR",             \
       "IRQL before the ISR", "IRQL after the ISR"))                                               \
    /* Automatic checks: waits, events, object references (0xC4). */                               \
    X(wait_above_dispatch, 0xC4, 1, 0x120, 0,                                                      \
      "a KeWaitXxx routine called above DISPATCH_LEVEL (drvsim: P2 the IRQL and P4 the timeout "   \
      "value, 0 for none, where Windows gives their addresses)",                                   \
      ("A wait at IRQL above DISPATCH_LEVEL",                                                      \
       "Current IRQL (Windows: the address of a variable that holds it)", "Object waited on",      \
       "Timeout in 100 ns units, 0 for none (Windows: the address of the timeout)"))               \
    X(wait_at_dispatch_forever, 0xC4, 1, 0x121, 0,                                                 \
      "a KeWaitXxx routine called at DISPATCH_LEVEL with no timeout (drvsim: P2 the IRQL, "        \
      "where Windows gives its address)",                                                          \
      ("A wait at DISPATCH_LEVEL with no timeout (Timeout is NULL)",                               \
       "Current IRQL (Windows: the address of a variable that holds it)", "Object waited on",      \
       "Address of the timeout: NULL (0)"))                                                        \
    X(wait_at_dispatch_timeout, 0xC4, 1, 0x122, 0,                                                 \
      "a KeWaitXxx routine or KeDelayExecutionThread called at DISPATCH_LEVEL with a nonzero "     \
      "timeout (drvsim: P2 the IRQL and P4 the timeout value, where Windows gives their "          \
      "addresses)",                                                                                \
      ("A wait at DISPATCH_LEVEL with a nonzero timeout",                                          \
       "Current IRQL (Windows: the address of a variable that holds it)",                          \
       "Object waited on (0 for KeDelayExecutionThread)",                                          \
       "Timeout in 100 ns units (Windows: the address of the timeout)"))                           \
    X(set_event_above_dispatch, 0xC4, 1, 0x80, 0, "KeSetEvent called above DISPATCH_LEVEL",        \
      ("KeSetEvent at IRQL above DISPATCH_LEVEL", "Current IRQL", "Event object", "Not used (0)")) \
    X(ob_bad_handle, 0xC4, 1, 0x3C, 0,                                                             \
      "ObReferenceObjectByHandle given a handle that is not valid (0x93 instead with "             \
      "miscellaneous checks on)",                                                                  \
      ("ObReferenceObjectByHandle given a bad handle", "Bad handle", "Object type",                \
       "Not used (0)"))                                                                            \
    X(ob_reference_count_zero, 0xC4, 1, 0x3F, 0,                                                   \
      "an object referenced or dereferenced with its reference count already zero",                \
      ("An object referenced or dereferenced with its reference count already zero", "Object",     \
       "New reference count: -1 on a dereference, 1 on a reference", "Not used (0)"))              \
    /* Automatic checks: spin locks (0xC4). */                                                     \
    X(spinlock_release_not_dispatch, 0xC4, 1, 0x32, 0,                                             \
      "KeReleaseSpinLock called at an IRQL other than DISPATCH_LEVEL (often a double release)",    \
      ("KeReleaseSpinLock at an IRQL other than DISPATCH_LEVEL", "Current IRQL", "Spin lock",      \
       "Not used (0)"))                                                                            \
    X(spinlock_acquire_dpc_below_dispatch, 0xC4, 1, 0x40, 0,                                       \
      "KeAcquireSpinLockAtDpcLevel called below DISPATCH_LEVEL",                                   \
      ("KeAcquireSpinLockAtDpcLevel below DISPATCH_LEVEL", "Current IRQL", "Spin lock",            \
       "Not used (0)"))                                                                            \
    X(spinlock_release_dpc_below_dispatch, 0xC4, 1, 0x41, 0,                                       \
      "KeReleaseSpinLockFromDpcLevel called below DISPATCH_LEVEL",                                 \
      ("KeReleaseSpinLockFromDpcLevel below DISPATCH_LEVEL", "Current IRQL", "Spin lock",          \
       "Not used (0)"))                                                                            \
    X(spinlock_acquire_above_dispatch, 0xC4, 1, 0x42, 0,                                           \
      "KeAcquireSpinLock called above DISPATCH_LEVEL",                                             \
      ("KeAcquireSpinLock above DISPATCH_LEVEL", "Current IRQL", "Spin lock", "Not used (0)"))     \
    /* Automatic checks: fast mutexes and critical regions (0xC4). */                              \
    X(fast_mutex_acquire_above_apc, 0xC4, 1, 0x33, 0,                                              \
      "ExAcquireFastMutex or ExTryToAcquireFastMutex called above APC_LEVEL",                      \
      ("Fast mutex acquired above APC_LEVEL", "Current IRQL", "Fast mutex", "Not used (0)"))       \
    X(fast_mutex_release_not_apc, 0xC4, 1, 0x34, 0,                                                \
      "ExReleaseFastMutex called at an IRQL other than APC_LEVEL",                                 \
      ("Fast mutex released at an IRQL other than APC_LEVEL", "Current IRQL",                      \
       "Thread's APC disable count", "Fast mutex"))                                                \
    X(fast_mutex_unsafe_acquire_bad_irql, 0xC4, 1, 0x39, 0,                                        \
      "ExAcquireFastMutexUnsafe called above APC_LEVEL, or below it outside a critical region",    \
      ("ExAcquireFastMutexUnsafe at an IRQL other than APC_LEVEL", "Current IRQL",                 \
       "Thread's APC disable count", "Fast mutex"))                                                \
    X(fast_mutex_unsafe_release_bad_irql, 0xC4, 1, 0x3A, 0,                                        \
      "ExReleaseFastMutexUnsafe called above APC_LEVEL, or below it outside a critical region",    \
      ("ExReleaseFastMutexUnsafe at an IRQL other than APC_LEVEL", "Current IRQL",                 \
       "Thread's APC disable count", "Fast mutex"))                                                \
    X(critical_region_leave_not_entered, 0xC4, 1, 0x3E, 0,                                         \
      "KeLeaveCriticalRegion called by a thread that is not in a critical region",                 \
      ("KeLeaveCriticalRegion by a thread not in a critical region", "Not used (0)",               \
       "Not used (0)", "Not used (0)"))                                                            \
    X(critical_region_enter_above_apc, 0xC4, 1, 0x11A, VF_FLAG_FORCE_IRQL_CHECKING,                \
      "KeEnterCriticalRegion called above APC_LEVEL (force IRQL checking)",                        \
      ("KeEnterCriticalRegion above APC_LEVEL", "Current IRQL", "Not used (0)", "Not used (0)"))   \
    X(critical_region_leave_above_apc, 0xC4, 1, 0x11B, VF_FLAG_FORCE_IRQL_CHECKING,                \
      "KeLeaveCriticalRegion called above APC_LEVEL (force IRQL checking)",                        \
      ("KeLeaveCriticalRegion above APC_LEVEL", "Current IRQL", "Not used (0)", "Not used (0)"))   \
    X(sync_object_pageable, 0xC4, 1, 0xE1, VF_FLAG_FORCE_IRQL_CHECKING,                            \
      "a dispatcher object (KEVENT, KTIMER, KSEMAPHORE, KMUTEX) initialised or waited on at an "   \
      "address that is pageable or not valid: the kernel touches it at DISPATCH_LEVEL",            \
      ("Synchronization object at a pageable or invalid address", "The object", "Reserved (0)",    \
       "Reserved (0)"))                                                                            \
    /* Automatic checks: executive resources (0xC4). System threads are exempt from 0x37 and       \
     * 0x38, as in Windows: nothing can suspend them from user mode. */                            \
    X(resource_acquire_apcs_enabled, 0xC4, 1, 0x37, 0,                                             \
      "ERESOURCE acquired with normal kernel APCs enabled (outside a critical region, below "      \
      "APC_LEVEL) on a thread an application could suspend",                                       \
      ("ERESOURCE acquired with normal kernel APCs enabled", "Current IRQL",                       \
       "Thread's APC disable count", "ERESOURCE"))                                                 \
    X(resource_release_apcs_enabled, 0xC4, 1, 0x38, 0,                                             \
      "ERESOURCE released with normal kernel APCs enabled (the critical region left too early)",   \
      ("ERESOURCE released with normal kernel APCs enabled", "Current IRQL",                       \
       "Thread's APC disable count", "ERESOURCE"))                                                 \
    X(resource_unaligned, 0xC4, 1, 0x3D, 0,                                                        \
      "ERESOURCE at an address not aligned to a pointer's size passed to an acquire routine",      \
      ("Unaligned ERESOURCE passed to an acquire routine", "Not used (0)", "Not used (0)",         \
       "ERESOURCE"))                                                                               \
    /* Automatic checks: push locks and memory copies (0xC4). */                                   \
    X(pushlock_acquire_apcs_enabled, 0xC4, 1, 0xEA, 0,                                             \
      "a push lock acquired with normal kernel APCs enabled (below APC_LEVEL, outside a critical " \
      "or guarded region)",                                                                        \
      ("Push lock acquired with APCs enabled", "Current IRQL",                                     \
       "Thread's APC disable count (CombinedApcDisable)", "Push lock"))                            \
    X(pushlock_release_apcs_enabled, 0xC4, 1, 0xEB, 0,                                             \
      "a push lock released with normal kernel APCs enabled (below APC_LEVEL, outside a critical " \
      "or guarded region)",                                                                        \
      ("Push lock released with APCs enabled", "Current IRQL",                                     \
       "Thread's APC disable count (CombinedApcDisable)", "Push lock"))                            \
    X(memcpy_overlap, 0xC4, 1, 0xF0, 0,                                                            \
      "RtlCopyMemory (memcpy) with a source and destination that overlap: RtlMoveMemory is "       \
      "expected",                                                                                  \
      ("memcpy with overlapping source and destination", "Destination", "Source",                  \
       "Number of bytes"))                                                                         \
    /* Miscellaneous checks (/flags 0x800): executive resources (0xC4). */                         \
    X(resource_initialized_twice, 0xC4, 1, 0xD0, VF_FLAG_MISC_CHECKS,                              \
      "ExInitializeResourceLite on an ERESOURCE initialised before and not deleted",               \
      ("ERESOURCE initialised twice", "ERESOURCE", "Reserved", "Reserved"))                        \
    X(resource_delete_uninitialized, 0xC4, 1, 0xD1, VF_FLAG_MISC_CHECKS,                           \
      "ExDeleteResourceLite on an ERESOURCE that is not initialised (or deleted already)",         \
      ("ERESOURCE deleted that is not initialised", "ERESOURCE", "Reserved", "Reserved"))          \
    X(pool_free_active_resource, 0xC4, 1, 0xD2, VF_FLAG_MISC_CHECKS,                               \
      "pool freed while an ERESOURCE in it is still initialised (ExDeleteResourceLite missing)",   \
      ("Pool freed that holds an initialised ERESOURCE", "ERESOURCE",                              \
       "Start of the pool block being freed", "Size of the pool block, in bytes"))                 \
    /* Automatic checks: pool allocate and free (0xC4). */                                         \
    X(pool_zero_size, 0xC4, 1, 0x00, 0, "pool request of zero bytes",                              \
      ("Pool request of zero bytes", "Current IRQL", "Pool type", "Number of bytes"))              \
    X(pool_paged_above_apc, 0xC4, 1, 0x01, 0, "paged pool allocated at IRQL above APC_LEVEL",      \
      ("Paged pool allocated above APC_LEVEL", "Current IRQL", "Pool type",                        \
       "Size of the allocation, in bytes"))                                                        \
    X(pool_nonpaged_above_dispatch, 0xC4, 1, 0x02, 0,                                              \
      "nonpaged pool allocated at IRQL above DISPATCH_LEVEL",                                      \
      ("Nonpaged pool allocated above DISPATCH_LEVEL", "Current IRQL", "Pool type",                \
       "Size of the allocation, in bytes"))                                                        \
    X(pool_must_succeed, 0xC4, 1, 0x03, 0,                                                         \
      "must-succeed pool request for more than one page (a smaller one is the kernel's "           \
      "0xC2/0x9A)",                                                                                \
      ("More than one page of must-succeed pool asked for (one page is the most)",                 \
       "Not given (0)", "Not given (0)", "Not given (0)"))                                         \
    X(pool_free_bad_address, 0xC4, 1, 0x10, 0,                                                     \
      "free of an address that no pool allocation returned",                                       \
      ("Free of an address that no allocation returned", "Bad address", "Not used (0)",            \
       "Not used (0)"))                                                                            \
    X(pool_free_paged_above_apc, 0xC4, 1, 0x11, 0, "paged pool freed at IRQL above APC_LEVEL",     \
      ("Paged pool freed above APC_LEVEL", "Current IRQL", "Pool type",                            \
       "Address of the pool being freed"))                                                         \
    X(pool_free_nonpaged_above_dispatch, 0xC4, 1, 0x12, 0,                                         \
      "nonpaged pool freed at IRQL above DISPATCH_LEVEL",                                          \
      ("Nonpaged pool freed above DISPATCH_LEVEL", "Current IRQL", "Pool type",                    \
       "Address of the pool being freed"))                                                         \
    X(pool_double_free, 0xC4, 1, 0x13, 0, "pool block freed twice",                                \
      ("Pool block freed that is already free", "Reserved", "Pool header",                         \
       "Pool header contents (drvsim: 0)"))                                                        \
    /* Automatic checks: MDLs (0xC4). */                                                           \
    X(mdl_probe_above_dispatch, 0xC4, 1, 0x70, 0,                                                  \
      "MmProbeAndLockPages called above DISPATCH_LEVEL",                                           \
      ("MmProbeAndLockPages above DISPATCH_LEVEL", "Current IRQL", "MDL", "Access mode"))          \
    X(mdl_map_above_dispatch, 0xC4, 1, 0x76, 0,                                                    \
      "MmMapLockedPagesSpecifyCache (KernelMode) called above DISPATCH_LEVEL",                     \
      ("MmMapLockedPagesSpecifyCache (KernelMode) above DISPATCH_LEVEL", "Current IRQL", "MDL",    \
       "Access mode"))                                                                             \
    X(mdl_unlock_above_dispatch, 0xC4, 1, 0x78, 0, "MmUnlockPages called above DISPATCH_LEVEL",    \
      ("MmUnlockPages above DISPATCH_LEVEL", "Current IRQL", "MDL", "Not used (0)"))               \
    X(mdl_unmap_above_dispatch, 0xC4, 1, 0x79, 0,                                                  \
      "MmUnmapLockedPages (system address) called above DISPATCH_LEVEL",                           \
      ("MmUnmapLockedPages (system address) above DISPATCH_LEVEL", "Current IRQL",                 \
       "Virtual address being unmapped", "MDL"))                                                   \
    X(mdl_unlock_not_locked, 0xC4, 1, 0x7C, 0,                                                     \
      "MmUnlockPages on an MDL whose pages are not locked",                                        \
      ("MmUnlockPages on an MDL whose pages are not locked", "MDL", "MDL flags", "Not used (0)"))  \
    X(mdl_unlock_nonpaged, 0xC4, 1, 0x7D, 0,                                                       \
      "MmUnlockPages on an MDL built for nonpaged pool (never locked, never to unlock)",           \
      ("MmUnlockPages on an MDL that describes nonpaged pool", "MDL", "MDL flags",                 \
       "Not used (0)"))                                                                            \
    X(mdl_map_bugcheck_on_failure, 0xC4, 1, 0x82, 0,                                               \
      "MmMapLockedPagesSpecifyCache with BugCheckOnFailure: a failed mapping must be handled",     \
      ("MmMapLockedPagesSpecifyCache with BugCheckOnFailure set", "MDL", "MDL flags",              \
       "Not used (0)"))                                                                            \
    X(mdl_probe_wrong_flags, 0xC4, 1, 0xB0, 0,                                                     \
      "MmProbeAndLockPages on an MDL whose flags forbid it (built for nonpaged pool, locked, "     \
      "partial)",                                                                                  \
      ("MmProbeAndLockPages on an MDL with flags it must not have", "MDL", "MDL flags",            \
       "Offending flags"))                                                                         \
    X(mdl_map_already_mapped, 0xC4, 1, 0xB2, 0,                                                    \
      "MmMapLockedPagesSpecifyCache on an MDL already mapped to system space",                     \
      ("MmMapLockedPagesSpecifyCache on an MDL already mapped to system space", "MDL",             \
       "MDL flags", "Offending flags"))                                                            \
    X(mdl_map_not_locked, 0xC4, 1, 0xB3, 0,                                                        \
      "MmMapLockedPagesSpecifyCache on an MDL whose pages are not locked",                         \
      ("MmMapLockedPagesSpecifyCache on an MDL without a required flag (not locked)", "MDL",       \
       "MDL flags", "Missing flags"))                                                              \
    X(mdl_free_mapped, 0xC4, 1, 0xB8, 0, "IoFreeMdl on an MDL still mapped to system space",       \
      ("IoFreeMdl on an MDL still mapped to system space", "MDL", "MDL flags", "Reserved"))        \
    X(mdl_map_user_above_apc, 0xC4, 1, 0x77, 0,                                                    \
      "MmMapLockedPagesSpecifyCache called with AccessMode UserMode above APC_LEVEL",              \
      ("MmMapLockedPagesSpecifyCache (UserMode) at IRQL above APC_LEVEL", "Current IRQL", "MDL",   \
       "Access mode"))                                                                             \
    X(mdl_old_map_above_dispatch, 0xC4, 1, 0x74, 0,                                                \
      "MmMapLockedPages called with AccessMode KernelMode above DISPATCH_LEVEL",                   \
      ("MmMapLockedPages (KernelMode) at IRQL above DISPATCH_LEVEL", "Current IRQL", "MDL",        \
       "Access mode"))                                                                             \
    X(mdl_old_map_user_above_apc, 0xC4, 1, 0x75, 0,                                                \
      "MmMapLockedPages called with AccessMode UserMode above APC_LEVEL",                          \
      ("MmMapLockedPages (UserMode) at IRQL above APC_LEVEL", "Current IRQL", "MDL",               \
       "Access mode"))                                                                             \
    X(mdl_old_map, 0xC4, 1, 0x81, 0,                                                               \
      "MmMapLockedPages called at all: it bug-checks when it cannot map; "                         \
      "MmMapLockedPagesSpecifyCache with BugCheckOnFailure FALSE is expected",                     \
      ("MmMapLockedPages called (use MmMapLockedPagesSpecifyCache, BugCheckOnFailure FALSE)",      \
       "MDL", "MDL flags", "Not used (0)"))                                                        \
    X(mdl_unlock_partial, 0xC4, 1, 0xB4, 0,                                                        \
      "MmUnlockPages on a partial MDL (IoBuildPartialMdl): its pages are its source's to unlock",  \
      ("MmUnlockPages on a partial MDL", "MDL", "MDL flags", "The partial flag (MDL_PARTIAL)"))    \
    X(mdl_unmap_partial, 0xC4, 1, 0xB5, 0,                                                         \
      "MmUnmapLockedPages on a partial MDL not mapped on its own: its system address is its "      \
      "source's mapping (drvsim's reading; MmPrepareMdlForReuse unmaps one it mapped)",            \
      ("MmUnmapLockedPages on a partial MDL", "MDL", "MDL flags",                                  \
       "The partial flag (MDL_PARTIAL)"))                                                          \
    X(mdl_unmap_not_mapped, 0xC4, 1, 0xB6, 0,                                                      \
      "MmUnmapLockedPages of a system address on an MDL that is not mapped to system space",       \
      ("MmUnmapLockedPages on an MDL not mapped to a system address", "MDL", "MDL flags",          \
       "The missing flag (MDL_MAPPED_TO_SYSTEM_VA)"))                                              \
    X(iospace_map_above_dispatch, 0xC4, 1, 0x73, 0,                                                \
      "MmMapIoSpace or MmMapIoSpaceEx called above DISPATCH_LEVEL",                                \
      ("MmMapIoSpace at IRQL above DISPATCH_LEVEL", "Current IRQL",                                \
       "Physical address (x86: its low 32 bits)", "Number of bytes"))                              \
    X(iospace_unmap_above_apc, 0xC4, 1, 0x7B, 0, "MmUnmapIoSpace called above APC_LEVEL",          \
      ("MmUnmapIoSpace at IRQL above APC_LEVEL", "Current IRQL", "Virtual address being unmapped", \
       "Number of bytes"))                                                                         \
    X(mdl_pages_above_dispatch, 0xC4, 1, 0x7E, 0,                                                  \
      "MmAllocatePagesForMdl, MmAllocatePagesForMdlEx or MmFreePagesFromMdl called above "         \
      "DISPATCH_LEVEL",                                                                            \
      ("MmAllocatePagesForMdl(Ex) or MmFreePagesFromMdl at IRQL above DISPATCH_LEVEL",             \
       "Current IRQL", "The highest IRQL allowed (DISPATCH_LEVEL)", "Not used (0)"))               \
    X(physical_memory_below_4gb, 0xC4, 1, 0x141, 0,                                                \
      "physical memory asked for below 4 GB (MmAllocateContiguousMemory(SpecifyCache)'s "          \
      "HighestAcceptableAddress, MmAllocatePagesForMdl(Ex)'s HighAddress under 4 GB; x64 only)",   \
      ("The driver explicitly asked for physical memory below 4 GB",                               \
       "Highest acceptable physical address", "Number of bytes", "Not used (0)"))                  \
    X(mdl_probe_process_above_dispatch, 0xC4, 1, 0x71, 0,                                          \
      "MmProbeAndLockProcessPages called above DISPATCH_LEVEL",                                    \
      ("MmProbeAndLockProcessPages at IRQL above DISPATCH_LEVEL", "Current IRQL", "MDL",           \
       "Process"))                                                                                 \
    X(mdl_probe_process_wrong_flags, 0xC4, 1, 0xB1, 0,                                             \
      "MmProbeAndLockProcessPages on an MDL whose flags forbid it (built for nonpaged pool, "       \
      "locked, partial)",                                                                          \
      ("MmProbeAndLockProcessPages on an MDL with flags it must not have", "MDL", "MDL flags",     \
       "Offending flags"))                                                                         \
    X(sync_object_session, 0xC4, 1, 0xDF, 0,                                                       \
      "a synchronisation object (KEVENT, KTIMER, KSEMAPHORE, KMUTEX, ERESOURCE) initialised in "    \
      "session space: a session pool allocation (PagedPoolSession, NonPagedPoolSession(Nx))",      \
      ("A synchronization object is in session space", "The object", "Not used (0)",              \
       "Not used (0)"))                                                                            \
    X(pool_free_active_timer, 0xC4, 1, 0x15, 0, "pool freed while a timer in it is still set",     \
      ("Pool freed that holds an active timer", "Timer", "Pool type",                              \
       "Address of the pool being freed"))                                                         \
    /* Automatic checks: work items and lookaside lists (0xC4). */                                 \
    X(workitem_pageable, 0xC4, 1, 0x131, 0, "a work item in pageable memory queued",               \
      ("Work item in pageable memory", "Work item", "Not used (0)", "Not used (0)"))               \
    X(lookaside_init_twice, 0xC4, 1, 0xCA, 0, "a lookaside list initialised twice",                \
      ("Lookaside list initialised twice", "Lookaside list", "Reserved", "Reserved"))              \
    X(lookaside_delete_uninitialized, 0xC4, 1, 0xCB, 0,                                            \
      "a lookaside list deleted that is not initialised (never, or deleted before)",               \
      ("Lookaside list deleted that is not initialised", "Lookaside list", "Reserved",             \
       "Reserved"))                                                                                \
    X(lookaside_block_too_small, 0xC4, 1, 0xCD, 0,                                                 \
      "a lookaside list made for blocks too small to hold its free-list link",                     \
      ("Lookaside list made with a block size too small", "Lookaside list",                        \
       "Block size asked for", "Minimum block size"))                                              \
    /* Miscellaneous checks (/flags 0x800). */                                                     \
    X(pool_free_active_lookaside, 0xC4, 1, 0xCC, VF_FLAG_MISC_CHECKS,                              \
      "pool freed while a lookaside list in it is still initialised",                              \
      ("Pool freed that holds an initialised lookaside list", "Lookaside list",                    \
       "Start of the pool block being freed", "Size of the pool block, in bytes"))                 \
    X(pool_free_queued_workitem, 0xE4, 1, 0x0, VF_FLAG_MISC_CHECKS,                                \
      "pool freed while a work item in it is still queued",                                        \
      ("Pool freed that holds an active work item", "Work item",                                   \
       "Start of the pool block being freed", "End of the pool block"))                            \
    X(ob_bad_kernel_handle_referenced, 0x93, 4, 0x1, VF_FLAG_MISC_CHECKS,                          \
      "ObReferenceObjectByHandle given a kernel handle that is not valid (closed already), "       \
      "found by bad handle detection (P2, the handle table, is not modelled: 0)",                  \
      ("Handle referenced", "Handle table (drvsim: 0)", "Not used (0)",                            \
       "1: an invalid kernel handle was referenced (bad handle detection)"))                       \
    X(ob_user_handle_kernel_mode, 0xC4, 1, 0xF6, VF_FLAG_MISC_CHECKS,                              \
      "ObReferenceObjectByHandle given an application's handle with AccessMode KernelMode, "       \
      "which skips the access check the application's handle carries (drvsim: P4 the address "     \
      "of the calling routine, where Windows gives the call site)",                                \
      ("A user-mode handle referenced with KernelMode access", "Handle referenced",                \
       "Current process", "Address of the calling routine (Windows: the call site)"))              \
    X(ob_kernel_handle_user_mode, 0xC4, 1, 0xF7, VF_FLAG_MISC_CHECKS,                              \
      "ObReferenceObjectByHandle given a kernel handle with AccessMode UserMode in the System "    \
      "process's context: the reference fails (STATUS_INVALID_HANDLE) where KernelMode was meant", \
      ("A kernel handle referenced with UserMode access in the System process", "Handle",          \
       "Object type", "Access mode"))                                                              \
    X(wait_user_mode_stack_object, 0xC4, 1, 0x123, VF_FLAG_MISC_CHECKS,                            \
      "KeWaitForSingleObject or KeWaitForMultipleObjects with WaitMode UserMode on an object on "  \
      "the kernel stack: a user-mode wait lets the stack be paged out under the object",           \
      ("A UserMode wait on an object that lives on the kernel stack", "The object",                \
       "Reserved (0)", "Reserved (0)"))                                                            \
    X(wmi_unload_callback_registered, 0xC4, 1, 0xDA, VF_FLAG_MISC_CHECKS,                          \
      "driver unloaded with a WMI callback (IoWMIRegistrationControl, WMIREG_FLAG_CALLBACK) "      \
      "still registered",                                                                          \
      ("Driver unloading without deregistering its WMI callback", "Driver start address",          \
       "WMI callback address", "Reserved (0)"))                                                    \
    X(wmi_delete_device_registered, 0xC4, 1, 0xDB, VF_FLAG_MISC_CHECKS,                            \
      "IoDeleteDevice of a device object still registered with WMI (IoWMIRegistrationControl "     \
      "WMIREG_ACTION_DEREGISTER missing)",                                                         \
      ("Device object deleted without deregistering from WMI", "Device object", "Reserved (0)",    \
       "Reserved (0)"))                                                                            \
    X(etw_unregister_invalid, 0xC4, 1, 0xDC, VF_FLAG_MISC_CHECKS,                                  \
      "EtwUnregister given a RegHandle that is not a live registration (unregistered already, or " \
      "never registered)",                                                                         \
      ("EtwUnregister with an invalid RegHandle", "Reserved (drvsim: the RegHandle)",              \
       "Reserved (0)", "Reserved (0)"))                                                            \
    X(etw_unload_registered, 0xC4, 1, 0xDD, VF_FLAG_MISC_CHECKS,                                   \
      "driver unloaded with an ETW provider (EtwRegister) still registered",                       \
      ("Driver unloading without EtwUnregister", "Address of the EtwRegister call",                \
       "Driver start address", "RegHandle"))                                                       \
    /* Automatic checks on unload (0xC7). */                                                       \
    X(unload_timer_set, 0xC7, 1, 0x0, 0, "driver unloaded with a timer of its still set",          \
      ("A timer in memory where timers are not allowed (an unloading driver's image)", "Timer",    \
       "Start of the memory range", "End of the memory range"))                                    \
    X(unload_dpc_queued, 0xC7, 1, 0x1, 0, "driver unloaded with a DPC of its still queued",        \
      ("A DPC in memory where DPCs are not allowed (an unloading driver's image)", "DPC object",   \
       "Start of the memory range", "End of the memory range"))                                    \
    X(unload_dpc_routine, 0xC7, 1, 0x2, 0,                                                         \
      "driver unloaded with a timer set or a DPC queued, outside its image (in pool), whose DPC "  \
      "routine is its code",                                                                       \
      ("A DPC routine in memory where DPCs are not allowed (an unloading driver's image)",         \
       "Address of the DPC routine", "Start of the memory range", "End of the memory range"))      \
    /* Pool tracking (/flags 0x8). */                                                              \
    X(pool_overrun_tracked, 0xC4, 1, 0x51, VF_FLAG_POOL_TRACKING,                                  \
      "a block being freed was written past its end (found by pool tracking)",                     \
      ("Free of a block written past its end", "Base address of the allocation",                   \
       "Address of the reference beyond the allocation", "Number of charged bytes"))               \
    X(pool_header_damaged_tracked, 0xC4, 1, 0x53, VF_FLAG_POOL_TRACKING,                           \
      "a block being freed has a damaged POOL_HEADER: an overrun of the block before it, or an "   \
      "underrun of its own (found by pool tracking)",                                              \
      ("Free of a block whose pool header is damaged", "Base address of the allocation",           \
       "Pool header", "Reserved"))                                                                 \
    X(pool_leak_on_unload, 0xC4, 1, 0x62, VF_FLAG_POOL_TRACKING,                                   \
      "driver unloaded without freeing its pool allocations",                                      \
      ("A driver unloaded without freeing its pool allocations", "Name of the driver", "Reserved", \
       "Number of allocations not freed, paged and nonpaged"))                                     \
    X(pool_alloc_during_unload, 0xC4, 1, 0x61, VF_FLAG_POOL_TRACKING,                              \
      "a thread of a driver allocated pool while the driver was unloading",                        \
      ("A thread of the driver allocated pool while the driver was unloading",                     \
       "Paged pool bytes outstanding", "Nonpaged pool bytes outstanding",                          \
       "Number of allocations not freed"))                                                         \
    X(pool_quota_idle_process, 0xC4, 1, 0x10A, VF_FLAG_POOL_TRACKING,                              \
      "pool quota charged to the Idle process (a DPC that interrupted an idle processor)",         \
      ("Pool quota charged to the Idle process", "Not used (0)", "Not used (0)", "Not used (0)"))  \
    X(pool_quota_from_dpc, 0xC4, 1, 0x10B, VF_FLAG_POOL_TRACKING,                                  \
      "pool quota charged from a DPC routine, whose process context is arbitrary",                 \
      ("Pool quota charged from a DPC routine", "Not used (0)", "Not used (0)", "Not used (0)"))   \
    X(locked_pages_at_process_exit, 0xCB, 0, 0, VF_FLAG_POOL_TRACKING,                             \
      "a process ended with pages a driver locked in its context still locked (locked-page "       \
      "tracking, which pool tracking turns on)",                                                   \
      ("Lock-tracking structure (drvsim: 0)", "Reserved", "MDL of the locked pages",               \
       "Number of locked pages"))                                                                  \
    /* Special pool (/flags 0x1, and GFlags +spp for any driver): the memory manager raises        \
     * these for every special pool allocation, verified or not. */                                \
    X(special_pool_overrun_driver, 0xD6, 0, 0, VF_FLAG_SPECIAL_POOL,                               \
      "driver code touched a special pool guard page: an access beyond its allocation",            \
      ("Memory address referenced", "0: read, 1: write",                                           \
       "Address of the code that referenced it, if known (drvsim: 0)", "Reserved"))                \
    X(special_pool_overrun, 0xCD, 0, 0, VF_FLAG_SPECIAL_POOL,                                      \
      "code of no driver touched a special pool guard page: an access beyond an allocation",       \
      ("Memory address referenced", "0: read, 1: write",                                           \
       "Address of the code that referenced it, if known (drvsim: 0)", "Reserved"))                \
    X(special_pool_freed_driver, 0xD5, 0, 0, VF_FLAG_SPECIAL_POOL,                                 \
      "driver code touched special pool after it was freed",                                       \
      ("Memory address referenced", "0: read, 1: write",                                           \
       "Address of the code that referenced it, if known (drvsim: 0)", "Reserved"))                \
    X(special_pool_freed, 0xCC, 0, 0, VF_FLAG_SPECIAL_POOL,                                        \
      "code of no driver touched special pool after it was freed",                                 \
      ("Memory address referenced", "0: read, 1: write",                                           \
       "Address of the code that referenced it, if known (drvsim: 0)", "Reserved"))                \
    X(special_pool_free_unallocated, 0xC1, 4, 0x20, VF_FLAG_SPECIAL_POOL,                          \
      "free of a special pool address that holds no allocation (never allocated, or freed "        \
      "already)",                                                                                  \
      ("Address being freed", "Reserved", "Not used (0)",                                          \
       "Free of special pool that was never allocated (or is free already)"))                      \
    X(special_pool_free_bad_address, 0xC1, 4, 0x21, VF_FLAG_SPECIAL_POOL,                          \
      "free of an address inside a special pool block, past its start",                            \
      ("Address being freed", "Number of bytes asked for", "Number of bytes calculated",           \
       "Free of a bad address (inside the block, past its start)"))                                \
    X(special_pool_free_below_block, 0xC1, 4, 0x22, VF_FLAG_SPECIAL_POOL,                          \
      "free of an address in a special pool page before its block's start",                        \
      ("Address being freed", "Number of bytes asked for", "Number of bytes calculated",           \
       "Free of a bad address (before the block's start)"))                                        \
    X(special_pool_underrun, 0xC1, 4, 0x23, VF_FLAG_SPECIAL_POOL,                                  \
      "bytes before a special pool block were overwritten (pattern check at free)",                \
      ("Address being freed", "Address of the corrupted byte",                                     \
       "Fill byte expected there (Windows: reserved)",                                             \
       "Bytes in front of the block, in its page, were overwritten"))                              \
    X(special_pool_overrun_slack, 0xC1, 4, 0x24, VF_FLAG_SPECIAL_POOL,                             \
      "bytes after a special pool block were overwritten (pattern check at free)",                 \
      ("Address being freed", "Address of the corrupted byte",                                     \
       "Fill byte expected there (Windows: reserved)",                                             \
       "Bytes after the end of the block were overwritten"))                                       \
    X(special_pool_alloc_bad_irql, 0xC1, 4, 0x30, VF_FLAG_SPECIAL_POOL,                            \
      "special pool allocated at an IRQL too high for its pool type",                              \
      ("Current IRQL", "Pool type", "Number of bytes",                                             \
       "Allocation at an IRQL too high for its pool type"))                                        \
    X(special_pool_free_bad_irql, 0xC1, 4, 0x31, VF_FLAG_SPECIAL_POOL,                             \
      "special pool freed at an IRQL too high for its pool type",                                  \
      ("Current IRQL", "Pool type", "Address being freed",                                         \
       "Free at an IRQL too high for its pool type"))                                              \
    X(special_pool_single_bit, 0xC1, 4, 0x32, VF_FLAG_SPECIAL_POOL,                                \
      "one bit flipped in the pattern around a special pool block (found at free)",                \
      ("Address being freed", "Address of the bad bit", "Reserved",                                \
       "A single-bit error around the block, found at free"))                                      \
    /* The kernel's own pool checks, raised without the verifier (0xC2). */                        \
    X(kpool_zero_size, 0xC2, 1, 0x00, RULE_KERNEL, "zero-byte pool allocation",                    \
      ("Zero-byte pool allocation", "Not used (0)", "Pool type", "Pool tag"))                      \
    X(kpool_double_free, 0xC2, 1, 0x07, RULE_KERNEL, "pool block freed twice",                     \
      ("Pool block freed twice", "Reserved", "Pool header contents",                               \
       "Address of the block being freed"))                                                        \
    X(kpool_alloc_bad_irql, 0xC2, 1, 0x08, RULE_KERNEL,                                            \
      "pool allocation at an IRQL too high for its pool type",                                     \
      ("Pool allocation at an invalid IRQL", "Current IRQL", "Pool type",                          \
       "Size of the allocation, in bytes"))                                                        \
    X(kpool_free_bad_irql, 0xC2, 1, 0x09, RULE_KERNEL,                                             \
      "pool free at an IRQL too high for its pool type",                                           \
      ("Pool free at an invalid IRQL", "Current IRQL", "Pool type",                                \
       "Address of the block being freed"))                                                        \
    X(kpool_free_wrong_tag, 0xC2, 1, 0x0A, RULE_KERNEL,                                            \
      "ExFreePoolWithTag given a tag other than the allocation's",                                 \
      ("ExFreePoolWithTag given a tag other than the allocation's",                                \
       "Address of the block being freed", "Tag the block was allocated with",                     \
       "Tag given to the free"))                                                                   \
    X(kpool_free_not_pool, 0xC2, 1, 0x46, RULE_KERNEL,                                             \
      "free of an address that is not a pool allocation",                                          \
      ("Free of an invalid pool address", "Address being freed", "Not used (0)", "Not used (0)"))  \
    X(kpool_must_succeed, 0xC2, 1, 0x9A, RULE_KERNEL,                                              \
      "pool request marked MUST_SUCCEED (no longer supported)",                                    \
      ("Pool request marked MUST_SUCCEED (no longer supported)", "Pool type",                      \
       "Number of bytes asked for", "Pool tag"))                                                   \
    X(kpool_tag_zero, 0xC2, 1, 0x9B, RULE_KERNEL, "pool allocation with tag 0",                    \
      ("Pool allocation with a tag of zero", "Pool type", "Number of bytes asked for",             \
       "Address of the caller (drvsim: 0)"))                                                       \
    X(kpool_header_corrupt, 0x19, 0, 0, RULE_KERNEL,                                               \
      "a pool header is damaged (usually an overrun of the block before it), found at free",       \
      ("0x5: pool entries next to each other disagree (a damaged pool header)", "One pool entry",  \
       "Reserved", "The other pool entry"))                                                        \
    X(kpool_tag_invalid, 0xC2, 1, 0x9D, RULE_KERNEL,                                               \
      "pool tag with no letter or digit, or a character outside 0x20..0x7E",                       \
      ("Pool tag with no letter or digit", "The bad tag", "Pool type",                             \
       "Address of the caller (drvsim: 0)"))                                                       \
    X(kwait_too_many, 0x0C, 0, 0, RULE_KERNEL,                                                     \
      "KeWaitForMultipleObjects given more objects than its wait blocks can hold",                 \
      ("Number of objects waited on (Windows documents no parameters)",                            \
       "Wait block array (0: none given)", "Not used (0)", "Not used (0)"))                        \
    X(kob_reference_by_pointer, 0x18, 0, 0, RULE_KERNEL,                                           \
      "an object dereferenced more often than it was referenced",                                  \
      ("Object type (drvsim: its type number)", "Object", "Reserved (handle count)",               \
       "Reserved (pointer count)"))                                                                \
    X(kdpc_switch, 0xB8, 0, 0, RULE_KERNEL,                                                        \
      "a DPC routine tried to wait: it has no thread of its own to put to sleep",                  \
      ("Original thread", "New thread (drvsim: 0)",                                                \
       "Stack address of the original thread (drvsim: 0)", "Reserved"))                            \
    X(ktimer_in_freed_memory, 0xC7, 1, 0x0, RULE_KERNEL,                                           \
      "pool freed while a timer in it is still set",                                               \
      ("A timer in memory being freed", "Timer", "Start of the memory range",                      \
       "End of the memory range"))                                                                 \
    X(kdpc_in_freed_memory, 0xC7, 1, 0x1, RULE_KERNEL, "pool freed while a DPC in it is queued",   \
      ("A DPC in memory being freed", "DPC object", "Start of the memory range",                   \
       "End of the memory range"))                                                                 \
    X(klist_entry_corrupted, 0x139, 1, 0x3, RULE_KERNEL,                                           \
      "a LIST_ENTRY's neighbour does not point back at it (a double remove, or a list updated "    \
      "by two processors without a lock): the list routines' fast-fail check",                     \
      ("3: a LIST_ENTRY was corrupted", "Trap frame (drvsim: 0)", "Exception record (drvsim: 0)",  \
       "Reserved"))                                                                                \
    X(kirp_completed_twice, 0x44, 0, 0, RULE_KERNEL,                                               \
      "IoCompleteRequest on an IRP already completed (its stack walked past the top), or on "      \
      "something that is not an IRP",                                                              \
      ("IRP", "Reserved", "Reserved", "Reserved"))                                                 \
    X(kdpc_watchdog, 0x133, 0, 0, RULE_KERNEL,                                                     \
      "a processor stayed at DISPATCH_LEVEL or above for the whole DPC watchdog period "           \
      "(a deadlock on a spin lock, a lock never released)",                                        \
      ("1: a processor exceeded the cumulative DPC watchdog period",                               \
       "Watchdog period, in clock ticks", "Triage block (drvsim: 0)", "Reserved"))                 \
    X(unloaded_code_executed, 0xCE, 0, 0, RULE_KERNEL,                                             \
      "code of an unloaded driver ran: a thread (or DPC or timer) it left behind",                 \
      ("Memory address referenced", "0: read, 1: write", "Address of the code that referenced it", \
       "Reserved"))                                                                                \
    X(kmdl_unlock_not_locked, 0x76, 1, 0x1, RULE_KERNEL,                                           \
      "MmUnlockPages on pages that are not locked",                                                \
      ("1: pages unlocked that were not locked", "MDL", "Number of locked pages",                  \
       "Pointer to driver stacks, or 0"))                                                          \
    X(kprocess_has_locked_pages, 0x76, 1, 0x0, RULE_KERNEL,                                        \
      "a process ended with pages still locked in its context (a driver's MmProbeAndLockPages "    \
      "never undone)",                                                                             \
      ("0: a process ended with pages still locked", "Process", "Number of locked pages",          \
       "Pointer to driver stacks, or 0"))                                                          \
    X(kthread_exit_apcs_disabled, 0x20, 0, 0, RULE_KERNEL,                                         \
      "a thread ended inside a critical or guarded region (a KeLeaveCriticalRegion, "              \
      "KeReleaseMutex or KeLeaveGuardedRegion missing)",                                           \
      ("APC found pending (0: none)", "Thread's APC disable count", "Current IRQL", "Reserved"))   \
    X(kthread_exit_mutex_held, 0x4000008A, 0, 0, RULE_KERNEL,                                      \
      "a thread ended still owning a KMUTEX", ("Thread", "Mutex held", "Reserved", "Reserved"))    \
    X(kworker_queued_again, 0xE4, 1, 0x1, RULE_KERNEL,                                             \
      "a work item queued again while it is still queued",                                         \
      ("A work item queued again while it is queued", "Work item", "Queue number",                 \
       "Not used (0)"))                                                                            \
    X(kworker_free_queued, 0xE4, 1, 0x2, RULE_KERNEL,                                              \
      "IoFreeWorkItem (or IoUninitializeWorkItem) on a work item still queued",                    \
      ("An I/O work item freed while it is queued", "Work item", "Worker routine",                 \
       "Not used (0)"))                                                                            \
    X(kworker_bad_object, 0xE4, 1, 0x3, RULE_KERNEL,                                               \
      "a work item made for an object that is neither a device object nor a driver object",        \
      ("An I/O work item made for an invalid object", "Work item", "The invalid object",           \
       "Not used (0)"))                                                                            \
    X(kworker_bad_queue_type, 0xE4, 1, 0x6, RULE_KERNEL,                                           \
      "a work item queued to a WORK_QUEUE_TYPE that does not exist",                               \
      ("A work item queued to a queue type that does not exist", "Work item", "Queue number",      \
       "Not used (0)"))                                                                            \
    X(klookaside_in_unloaded_image, 0xCE, 0, 0, RULE_KERNEL,                                       \
      "a lookaside list left in an unloaded driver (never deleted), touched by the kernel's "      \
      "periodic depth adjustment",                                                                 \
      ("Memory address referenced", "0: read, 1: write",                                           \
       "Address of the code that referenced it (drvsim: 0)", "Reserved"))                          \
    X(kresource_not_owned, 0xE3, 0, 0, RULE_KERNEL,                                                \
      "ERESOURCE released by a thread that does not own it (RESOURCE_NOT_OWNED)",                  \
      ("ERESOURCE", "Current thread", "Owner table (drvsim: 0)",                                   \
       "Reserved (drvsim: where the check was made)"))                                             \
    X(kob_close_invalid_handle, 0x93, 0, 0, RULE_KERNEL,                                           \
      "ZwClose from kernel mode on a handle that is not valid (closed already, or never one)",     \
      ("Handle passed to NtClose", "1: an invalid handle was closed (0: a protected one)",         \
       "Not used (0)", "Not used (0)"))                                                            \
    X(kstack_overflow, 0x7F, 1, 0x8, RULE_KERNEL,                                                  \
      "the kernel stack overflowed (callbacks nested too deep: a device stack of too many "        \
      "filters, a dispatch routine that calls back into its own stack): a double fault",           \
      ("8: a double fault (EXCEPTION_DOUBLE_FAULT), here a kernel stack overflow",                 \
       "Reserved (drvsim: 0)", "Reserved (drvsim: 0)", "Reserved (drvsim: 0)"))                    \
    X(kpnp_invalid_pdo, 0xCA, 1, 0x2, RULE_KERNEL,                                                 \
      "a routine that needs a physical device object (IoOpenDeviceRegistryKey) given a device "    \
      "object without a device node: drvsim has no PnP manager, so every device is a legacy one",  \
      ("2: Invalid PDO (an API that needs a PDO called with an FDO or random memory)",             \
       "Purported PDO", "Reserved (0)", "Reserved (0)"))                                           \
    X(kob_close_protected_handle, 0x93, 0, 0, RULE_KERNEL,                                         \
      "ZwClose from kernel mode on a handle protected from close (ObSetHandleAttributes with "     \
      "ProtectFromClose)",                                                                         \
      ("Handle passed to NtClose", "0: a protected handle was closed (1: an invalid one)",         \
       "Not used (0)", "Not used (0)"))                                                            \
    /* Crashes: what the kernel does with a driver that faults. */                                 \
    X(driver_exception, 0x7E, 0, 0, RULE_KERNEL,                                                   \
      "a driver routine on a system thread raised an exception nobody handled",                    \
      ("Exception code that was not handled", "Address where the exception occurred",              \
       "Exception record (drvsim: 0)", "Context record (drvsim: 0)"))                              \
    X(driver_fault_at_raised_irql, 0xD1, 0, 0, RULE_KERNEL,                                        \
      "a driver faulted (touched invalid or pageable memory) at DISPATCH_LEVEL or above",          \
      ("Memory address referenced", "IRQL at the time of the reference",                           \
       "0: read, 1: write, 2 or 8: execute",                                                       \
       "Address of the instruction that referenced memory (drvsim: 0 for a data access)"))         \
    X(kernel_fault_at_raised_irql, 0x0A, 0, 0, RULE_KERNEL,                                        \
      "code outside any driver faulted at DISPATCH_LEVEL or above",                                \
      ("Memory address referenced", "IRQL at the time of the reference",                           \
       "Bit field: bit 0 set for a write, bit 3 for an execute",                                   \
       "Address of the instruction that referenced memory (drvsim: 0)"))                           \
    X(page_fault_unmapped, 0x50, 0, 0, RULE_KERNEL,                                                \
      "access to a simulated address that is not mapped",                                          \
      ("Memory address referenced", "0: read, 2: write, 10: execute (Windows 10 x64 and x86)",     \
       "Address of the instruction that referenced memory, if known (drvsim: 0)",                  \
       "Type of page fault: 0 a freed page (NONPAGED_BUGCHECK_FREED_PTE), 2 never mapped "         \
       "(NOT_PRESENT_PAGE_TABLE)"))                                                                \
    X(driver_called_bugcheck, 0, 0, 0, RULE_KERNEL, "the driver called KeBugCheckEx",              \
      ("BugCheckParameter1 given to KeBugCheckEx", "BugCheckParameter2 given to KeBugCheckEx",     \
       "BugCheckParameter3 given to KeBugCheckEx", "BugCheckParameter4 given to KeBugCheckEx"))    \
    X(system_service_exception, 0x3B, 0, 0, RULE_KERNEL,                                           \
      "a driver routine on an application's thread (a dispatch routine reached from CreateFile, "  \
      "ReadFile, DeviceIoControl ...: a system service) raised an exception nobody handled",       \
      ("Exception code that was not handled",                                                      \
       "Address of the instruction that caused the exception (drvsim: the scenario line's)",       \
       "Context record (drvsim: 0)", "Not used (0)"))                                              \
    /* Checked builds (scenario{ build = "checked" }): DBG code in the driver and the kernel.      \
     * With no kernel debugger attached, RtlAssert's breakpoint (STATUS_BREAKPOINT) and            \
     * NT_ASSERT's int 2c (STATUS_ASSERTION_FAILURE) are exceptions nobody handles: 0x7E when      \
     * they reach a system thread's handler, 0x1E in a DPC or an ISR, whose stacks have none. */   \
    X(checked_assert, 0x7E, 1, 0x80000003, RULE_KERNEL,                                            \
      "checked build: an ASSERT failed on a system thread (an unhandled breakpoint)",              \
      ("Exception code that was not handled: STATUS_BREAKPOINT (ASSERT)",                          \
       "Address where the exception occurred", "Exception record (drvsim: 0)",                     \
       "Context record (drvsim: 0)"))                                                              \
    X(checked_assert_arbitrary, 0x1E, 1, 0x80000003, RULE_KERNEL,                                  \
      "checked build: an ASSERT failed in a DPC or an ISR (an unhandled breakpoint)",              \
      ("Exception code that was not handled: STATUS_BREAKPOINT (ASSERT)",                          \
       "Address where the exception occurred", "Exception information parameter 0 (drvsim: 0)",    \
       "Exception information parameter 1 (drvsim: 0)"))                                           \
    X(paged_code_raised_irql, 0x7E, 1, 0xC0000420, RULE_KERNEL,                                    \
      "checked build: PAGED_CODE() ran above APC_LEVEL on a system thread (NT_ASSERT failed)",     \
      ("Exception code that was not handled: STATUS_ASSERTION_FAILURE (NT_ASSERT)",                \
       "Address where the exception occurred", "Exception record (drvsim: 0)",                     \
       "Context record (drvsim: 0)"))                                                              \
    X(paged_code_raised_irql_arbitrary, 0x1E, 1, 0xC0000420, RULE_KERNEL,                          \
      "checked build: PAGED_CODE() ran in a DPC or an ISR (NT_ASSERT failed)",                     \
      ("Exception code that was not handled: STATUS_ASSERTION_FAILURE (NT_ASSERT)",                \
       "Address where the exception occurred", "Exception information parameter 0 (drvsim: 0)",    \
       "Exception information parameter 1 (drvsim: 0)"))                                           \
    X(nt_assert_failed, 0x7E, 1, 0xC0000420, RULE_KERNEL,                                          \
      "checked build: an NT_ASSERT failed on a system thread with no kernel debugger attached "    \
      "(int 2c, an unhandled STATUS_ASSERTION_FAILURE)",                                           \
      ("Exception code that was not handled: STATUS_ASSERTION_FAILURE (NT_ASSERT)",                \
       "Address where the exception occurred", "Exception record (drvsim: 0)",                     \
       "Context record (drvsim: 0)"))                                                              \
    X(nt_assert_failed_arbitrary, 0x1E, 1, 0xC0000420, RULE_KERNEL,                                \
      "checked build: an NT_ASSERT failed in a DPC or an ISR with no kernel debugger attached",    \
      ("Exception code that was not handled: STATUS_ASSERTION_FAILURE (NT_ASSERT)",                \
       "Address where the exception occurred", "Exception information parameter 0 (drvsim: 0)",    \
       "Exception information parameter 1 (drvsim: 0)"))                                           \
    /* DbgBreakPoint in any build: int 3 with no kernel debugger attached is an ordinary           \
     * STATUS_BREAKPOINT exception; unhandled, the same two codes. */                              \
    X(breakpoint_without_debugger, 0x7E, 1, 0x80000003, RULE_KERNEL,                               \
      "DbgBreakPoint on a system thread with no kernel debugger attached (an unhandled "           \
      "breakpoint exception)",                                                                     \
      ("Exception code that was not handled: STATUS_BREAKPOINT", "Address of the breakpoint",      \
       "Exception record (drvsim: 0)", "Context record (drvsim: 0)"))                              \
    X(breakpoint_without_debugger_arbitrary, 0x1E, 1, 0x80000003, RULE_KERNEL,                     \
      "DbgBreakPoint in a DPC or an ISR with no kernel debugger attached",                         \
      ("Exception code that was not handled: STATUS_BREAKPOINT", "Address of the breakpoint",      \
       "Exception information parameter 0 (drvsim: 0)",                                            \
       "Exception information parameter 1 (drvsim: 0)"))                                           \
    X(kspin_lock_already_owned, 0x0F, 0, 0, RULE_KERNEL,                                           \
      "checked build: a processor acquired a spin lock it already holds",                          \
      ("Spin lock (Windows documents no parameters)", "Not used (0)", "Not used (0)",              \
       "Not used (0)"))                                                                            \
    /* Interrupts. */                                                                              \
    X(kisr_irql_changed, 0xC8, 0, 0, RULE_KERNEL,                                                  \
      "an interrupt service routine returned at an IRQL other than its device IRQL",               \
      ("(IRQL << 16) | (expected IRQL << 8) | 3: an ISR returned at another IRQL",                 \
       "Interrupt service routine", "KINTERRUPT", "Not used (0)"))                                 \
    /* I/O verification (/flags 0x10), level 1 (0xC9, P1 = the violation). */                      \
    X(io_free_not_irp, 0xC9, 1, 0x1, VF_FLAG_IO_VERIFICATION,                                      \
      "IoFreeIrp given an object whose Type is not IO_TYPE_IRP",                                   \
      ("Free of an object whose type is not IO_TYPE_IRP", "Address of the IRP being freed",        \
       "Not used (0)", "Not used (0)"))                                                            \
    X(io_free_irp_on_thread, 0xC9, 1, 0x2, VF_FLAG_IO_VERIFICATION,                                \
      "IoFreeIrp on an IRP still queued to a thread (a synchronous request the I/O "               \
      "manager frees)",                                                                            \
      ("Free of an IRP still associated with a thread", "Address of the IRP being freed",          \
       "Not used (0)", "Not used (0)"))                                                            \
    X(io_call_not_irp, 0xC9, 1, 0x3, VF_FLAG_IO_VERIFICATION,                                      \
      "IoCallDriver given an IRP whose Type is not IO_TYPE_IRP",                                   \
      ("IoCallDriver given an IRP whose Type is not IO_TYPE_IRP", "Address of the IRP being sent", \
       "Not used (0)", "Not used (0)"))                                                            \
    X(io_call_bad_device, 0xC9, 1, 0x4, VF_FLAG_IO_VERIFICATION,                                   \
      "IoCallDriver given a pointer that is not a device object (or a deleted one)",               \
      ("IoCallDriver given an invalid device object", "Device object", "Not used (0)",             \
       "Not used (0)"))                                                                            \
    X(io_dispatch_irql_changed, 0xC9, 1, 0x5, VF_FLAG_IO_VERIFICATION,                             \
      "a dispatch routine returned at an IRQL other than the one IoCallDriver was "                \
      "called at",                                                                                 \
      ("The IRQL changed during a call to a dispatch routine",                                     \
       "Device object of the offending driver", "IRQL before IoCallDriver",                        \
       "IRQL after IoCallDriver"))                                                                 \
    X(io_complete_status_pending, 0xC9, 1, 0x6, VF_FLAG_IO_VERIFICATION,                           \
      "IoCompleteRequest on an IRP whose IoStatus.Status is STATUS_PENDING (or -1)",               \
      ("IoCompleteRequest with a status of STATUS_PENDING (or -1)", "IRP status",                  \
       "Address of the IRP being completed", "Not used (0)"))                                      \
    X(io_complete_cancel_routine_set, 0xC9, 1, 0x7, VF_FLAG_IO_VERIFICATION,                       \
      "IoCompleteRequest on an IRP whose cancel routine is still set",                             \
      ("IoCompleteRequest with the cancel routine still set", "Cancel routine",                    \
       "Address of the IRP being completed", "Not used (0)"))                                      \
    X(io_build_fsd_bad_buffer, 0xC9, 1, 0x8, VF_FLAG_IO_VERIFICATION,                              \
      "IoBuildAsynchronousFsdRequest or IoBuildSynchronousFsdRequest given a buffer "              \
      "that cannot be read",                                                                       \
      ("IoBuildAsynchronousFsdRequest given an invalid buffer", "Device object",                   \
       "IRP major function code", "Exception status code"))                                        \
    X(io_build_ioctl_bad_buffer, 0xC9, 1, 0x9, VF_FLAG_IO_VERIFICATION,                            \
      "IoBuildDeviceIoControlRequest given an input buffer that cannot be read",                   \
      ("IoBuildDeviceIoControlRequest given an invalid buffer", "Device object",                   \
       "I/O control code", "Exception status code"))                                               \
    X(io_timer_initialized_twice, 0xC9, 1, 0xA, VF_FLAG_IO_VERIFICATION,                           \
      "IoInitializeTimer on a device object that already has a timer",                             \
      ("IoInitializeTimer on a device object that already has a timer", "Device object",           \
       "Not used (0)", "Not used (0)"))                                                            \
    X(io_complete_above_dispatch, 0xC9, 1, 0xE, VF_FLAG_IO_VERIFICATION,                           \
      "IoCompleteRequest called above DISPATCH_LEVEL",                                             \
      ("IoCompleteRequest above DISPATCH_LEVEL", "Current IRQL", "Address of the IRP",             \
       "Not used (0)"))                                                                            \
    X(io_call_above_dispatch, 0xC9, 1, 0x10, VF_FLAG_IO_VERIFICATION,                              \
      "IoCallDriver called above DISPATCH_LEVEL",                                                  \
      ("IoCallDriver above DISPATCH_LEVEL", "Current IRQL", "Reserved", "Reserved"))               \
    /* I/O verification, level 2 (/iolevel 2, the default): the WDM DRIVER ERROR codes (0xC9,   \  \
     * P1 = the code); with a kernel debugger attached (--kd) they are printed and ignored. */     \
    X(io2_delete_device_attached, 0xC9, 1, 0x201, VF_FLAG_IO_VERIFICATION,                         \
      "WDM DRIVER ERROR: IoDeleteDevice on a device still attached to a device below it "          \
      "(IoDetachDevice missing)",                                                                  \
      ("WDM DRIVER ERROR: a device deleted itself with a device still attached below it",          \
       "Address in the driver's code where the error was detected", "Device object being deleted", \
       "Device object below it"))                                                                  \
    X(io2_detach_not_attached, 0xC9, 1, 0x202, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: IoDetachDevice on a device that has nothing attached (a double "          \
      "detach)",                                                                                   \
      ("WDM DRIVER ERROR: a detach of a device object that is not attached",                       \
       "Address in the driver's code where the error was detected", "Device object",               \
       "Not used (0)"))                                                                            \
    X(io2_call_cancel_routine_set, 0xC9, 1, 0x203, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: IoCallDriver with the IRP's cancel routine still set",                    \
      ("WDM DRIVER ERROR: IoCallDriver with the IRP's cancel routine still set",                   \
       "Address in the driver's code where the error was detected", "IRP", "Cancel routine"))      \
    X(io2_copied_completion_routine, 0xC9, 1, 0x207, VF_FLAG_IO_VERIFICATION,                      \
      "WDM DRIVER ERROR: an IRP forwarded with the upper driver's completion routine "             \
      "copied into the next location (a manual stack copy)",                                       \
      ("WDM DRIVER ERROR: a manual stack copy copied the upper driver's completion routine",       \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "Completion routine copied"))                                                               \
    X(io2_out_of_stack_locations, 0xC9, 1, 0x208, VF_FLAG_IO_VERIFICATION,                         \
      "WDM DRIVER ERROR: IoCallDriver with fewer stack locations left than the device's "          \
      "stack needs (StackSize)",                                                                   \
      ("WDM DRIVER ERROR: an IRP about to run out of stack locations",                             \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))        \
    X(io2_free_irp_in_use, 0xC9, 1, 0x20B, VF_FLAG_IO_VERIFICATION,                                \
      "WDM DRIVER ERROR: IoFreeIrp on an IRP still in use (sent down and not completed)",          \
      ("WDM DRIVER ERROR: IoFreeIrp on an IRP still in use",                                       \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))        \
    X(io2_status_mismatch, 0xC9, 1, 0x224, VF_FLAG_IO_VERIFICATION,                                \
      "WDM DRIVER ERROR: a dispatch routine completed the IRP and returned a status "              \
      "other than IoStatus.Status",                                                                \
      ("WDM DRIVER ERROR: a dispatch routine returned a status other than IoStatus.Status",        \
       "Address of the dispatch routine", "IRP", "Status expected (IoStatus.Status)"))             \
    X(io2_not_completed_not_pending, 0xC9, 1, 0x226, VF_FLAG_IO_VERIFICATION,                      \
      "WDM DRIVER ERROR: a dispatch routine returned without completing or forwarding "            \
      "the IRP and without STATUS_PENDING",                                                        \
      ("WDM DRIVER ERROR: a dispatch routine returned without completing, forwarding or pending "  \
       "the IRP",                                                                                  \
       "Address of the dispatch routine", "IRP", "Status returned"))                               \
    X(io2_completion_not_marked_pending, 0xC9, 1, 0x228, VF_FLAG_IO_VERIFICATION,                  \
      "WDM DRIVER ERROR: a completion routine did not mark the IRP pending although "              \
      "PendingReturned was set",                                                                   \
      ("WDM DRIVER ERROR: a completion routine did not mark the IRP pending although "             \
       "PendingReturned is set",                                                                   \
       "Address of the completion routine", "IRP", "Not used (0)"))                                \
    X(io2_pending_not_marked, 0xC9, 1, 0x23D, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: a dispatch routine returned STATUS_PENDING without "                      \
      "IoMarkIrpPending",                                                                          \
      ("WDM DRIVER ERROR: a dispatch routine returned STATUS_PENDING without IoMarkIrpPending",    \
       "Address of the dispatch routine", "IRP", "Status returned"))                               \
    X(io2_marked_not_pending, 0xC9, 1, 0x23E, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: a dispatch routine marked the IRP pending but did not return "            \
      "STATUS_PENDING",                                                                            \
      ("WDM DRIVER ERROR: a dispatch routine marked the IRP pending but did not return "           \
       "STATUS_PENDING",                                                                           \
       "Address of the dispatch routine", "IRP", "Status returned"))                               \
    X(io2_illegal_status_returned, 0xC9, 1, 0x225, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: a dispatch routine returned the illegal status 0xFFFFFFFF",               \
      ("WDM DRIVER ERROR: a dispatch routine returned the illegal status 0xFFFFFFFF",              \
       "Address of the dispatch routine", "IRP", "Status returned"))                               \
    X(io2_delete_device_twice, 0xC9, 1, 0x240, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: IoDeleteDevice called twice on the same device object",                   \
      ("WDM DRIVER ERROR: IoDeleteDevice called twice on one device object",                       \
       "Address in the driver's code where the error was detected",                                \
       "Device object (Windows: reserved)", "Reserved"))                                           \
    X(io2_information_too_large, 0xC9, 1, 0x312, VF_FLAG_IO_VERIFICATION,                          \
      "WDM DRIVER ERROR: a buffered IOCTL completed with IoStatus.Information larger than its "    \
      "output buffer (OutputBufferLength)",                                                        \
      ("WDM DRIVER ERROR: IoStatus.Information larger than the output buffer of a buffered IOCTL", \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "IoStatus.Information"))                                                                    \
    /* Deadlock detection (0xC4/0x1000-0x100B, bug-check-0xc4 "Deadlocks"; 0x1006 is not           \
     * documented), then drvsim's own IRQL-safety rules (0xD001xxxx). */                           \
    X(deadlock_recursive_exclusive, 0xC4, 1, 0x1000, VF_FLAG_DEADLOCK_DETECTION,                   \
      "self-deadlock: a thread asks exclusive access to an ERESOURCE it holds shared",             \
      ("Self-deadlock: the current thread tried to recursively acquire a resource",                \
       "Address of the resource", "Reserved (drvsim: 0)", "Reserved (drvsim: 0)"))                 \
    X(deadlock_lock_hierarchy, 0xC4, 1, 0x1001, VF_FLAG_DEADLOCK_DETECTION,                        \
      "lock hierarchy violation: locks acquired in an order that closes a cycle (the chains "      \
      "below; the paths need not have overlapped in time)",                                        \
      ("Deadlock: a lock hierarchy violation was found (use !deadlock)",                           \
       "Address of the resource that closed the cycle", "Reserved (drvsim: 0)",                    \
       "Reserved (drvsim: 0)"))                                                                    \
    X(deadlock_uninitialized, 0xC4, 1, 0x1002, VF_FLAG_DEADLOCK_DETECTION,                         \
      "a KMUTEX or ERESOURCE acquired that was never initialised (or was deleted or freed since)", \
      ("Unexpected acquisition of a resource: acquired without being initialized",                 \
       "Address of the resource", "Reserved (drvsim: 0)", "Reserved (drvsim: 0)"))                 \
    X(deadlock_release_out_of_order, 0xC4, 1, 0x1003, VF_FLAG_DEADLOCK_DETECTION,                  \
      "in-stack queued spin locks released out of order (the one acquired last goes first)",       \
      ("Unexpected release of a resource: released out of order",                                  \
       "Address of the resource "                                                                  \
       "being released",                                                                           \
       "Address of the resource that should have been released first", "Reserved (drvsim: 0)"))    \
    X(deadlock_release_wrong_thread, 0xC4, 1, 0x1004, VF_FLAG_DEADLOCK_DETECTION,                  \
      "a lock released by a thread other than the one that acquired it",                           \
      ("Unexpected release of a resource: released by the wrong thread",                           \
       "Address of the "                                                                           \
       "resource",                                                                                 \
       "Thread that acquired it", "Current thread"))                                               \
    X(deadlock_initialized_twice, 0xC4, 1, 0x1005, VF_FLAG_DEADLOCK_DETECTION,                     \
      "a KMUTEX initialised a second time without being freed (an ERESOURCE initialised "          \
      "twice is the miscellaneous checks' 0xD0)",                                                  \
      ("Unexpected initialization of a resource: initialized twice", "Address of the resource",    \
       "Reserved (drvsim: 0)", "Reserved (drvsim: 0)"))                                            \
    X(deadlock_release_not_acquired, 0xC4, 1, 0x1007, VF_FLAG_DEADLOCK_DETECTION,                  \
      "a lock released that no execution had acquired",                                            \
      ("Unexpected release of a resource: released but never acquired", "Address of the resource", \
       "Reserved (drvsim: 0)", "Reserved (drvsim: 0)"))                                            \
    X(deadlock_acquire_type_mismatch, 0xC4, 1, 0x1008, VF_FLAG_DEADLOCK_DETECTION,                 \
      "a lock acquired through an API of another lock type than before (a KSPIN_LOCK used both "   \
      "as an ordinary and as an in-stack queued spin lock)",                                       \
      ("Unexpected acquisition: the API does not match the lock type", "Address of the lock",      \
       "Reserved (drvsim: 0)", "Reserved (drvsim: 0)"))                                            \
    X(deadlock_release_type_mismatch, 0xC4, 1, 0x1009, VF_FLAG_DEADLOCK_DETECTION,                 \
      "a lock released through an API of another lock type than it was acquired with",             \
      ("Unexpected release: the API does not match the lock type", "Address of the lock",          \
       "Reserved (drvsim: 0)", "Reserved (drvsim: 0)"))                                            \
    X(deadlock_thread_terminated_owner, 0xC4, 1, 0x100A, VF_FLAG_DEADLOCK_DETECTION,               \
      "a thread terminated while it still owns a lock",                                            \
      ("A thread terminated while still owning a lock", "Address of the owner thread",             \
       "Reserved (drvsim: the lock)", "Reserved (drvsim: 0)"))                                     \
    X(deadlock_freed_lock_owned, 0xC4, 1, 0x100B, VF_FLAG_DEADLOCK_DETECTION,                      \
      "the memory of a lock still owned was freed, or the lock deleted (ExDeleteResourceLite)",    \
      ("A lock that is still owned was deleted (its memory freed)", "Address of the lock",         \
       "Address of the owner thread", "Reserved (drvsim: 0)"))                                     \
    X(deadlock_isr_lock_unmasked, 0xC4, 1, 0xD0010001, VF_FLAG_DEADLOCK_DETECTION,                 \
      "a lock taken in an ISR is also taken below that ISR's IRQL, where the interrupt can "       \
      "preempt its holder and spin for ever (drvsim's own check; Windows has no such code)",       \
      ("drvsim: lock taken both in an ISR and below that ISR's IRQL", "Address of the lock",       \
       "Device IRQL the ISR took it at", "IRQL it was taken at elsewhere"))                        \
    X(deadlock_isr_lock_order, 0xC4, 1, 0xD0010002, VF_FLAG_DEADLOCK_DETECTION,                    \
      "a lock taken in an ISR is held while acquiring one taken below that ISR's IRQL "            \
      "(drvsim's own check, lockdep's irq-safe -> unsafe order; Windows has no such code)",        \
      ("drvsim: ISR lock held while acquiring a lock taken below the ISR's IRQL",                  \
       "Address of the lock acquired (taken below the ISR's IRQL)",                                \
       "Address of the lock held (taken in the ISR)", "Device IRQL the ISR took it at"))           \
    /* Invariant MDL checking for stack (/flags 0x2000) and for driver (0x4000), Windows 8 and    \
     * later, with I/O verification (invariant_mdl.c): a read or write request's MDL buffer        \
     * changed where it must not. Both options are global: any driver may be the one reported.     \
     * The two options give the same codes; the driver option checks at every IoCallDriver. */    \
    X(invariant_mdl_write_stack, 0xC4, 1, 0x1010, VF_FLAG_INVARIANT_MDL_STACK,                     \
      "the MDL buffer of a write request changed between its first IoCallDriver and its "          \
      "IoCompleteRequest (invariant MDL checking for stack: the driver is not known)",             \
      ("Invariant MDL buffer contents for a write IRP were modified", "Target device object",      \
       "IRP", "System virtual address of the buffer (drvsim: the address the MDL describes if "    \
       "it is not mapped)"))                                                                       \
    X(invariant_mdl_read_stack, 0xC4, 1, 0x1011, VF_FLAG_INVARIANT_MDL_STACK,                      \
      "the MDL buffer of a read request changed on its dispatch path, between its first "          \
      "IoCallDriver and a later one (invariant MDL checking for stack)",                            \
      ("Invariant MDL buffer contents for a read IRP were modified during dispatch",               \
       "Target device object", "IRP",                                                              \
       "System virtual address of the buffer (drvsim: the address the MDL describes if it is "     \
       "not mapped)"))                                                                             \
    X(invariant_mdl_write_driver, 0xC4, 1, 0x1010, VF_FLAG_INVARIANT_MDL_DRIVER,                   \
      "the MDL buffer of a write request changed since the last IoCallDriver (invariant MDL "      \
      "checking for driver: the driver that had the IRP changed it)",                              \
      ("Invariant MDL buffer contents for a write IRP were modified", "Target device object",      \
       "IRP", "System virtual address of the buffer (drvsim: the address the MDL describes if "    \
       "it is not mapped)"))                                                                       \
    X(invariant_mdl_read_driver, 0xC4, 1, 0x1011, VF_FLAG_INVARIANT_MDL_DRIVER,                    \
      "the MDL buffer of a read request changed on its dispatch path since the last IoCallDriver " \
      "(invariant MDL checking for driver: the driver that had the IRP changed it)",               \
      ("Invariant MDL buffer contents for a read IRP were modified during dispatch",               \
       "Target device object", "IRP",                                                              \
       "System virtual address of the buffer (drvsim: the address the MDL describes if it is "     \
       "not mapped)"))                                                                             \
    X(io2_initialize_allocated_irp, 0xC9, 1, 0x20D, VF_FLAG_IO_VERIFICATION,                       \
      "WDM DRIVER ERROR: IoInitializeIrp on an IRP that IoAllocateIrp allocated with a quota "     \
      "charge (IoReuseIrp reuses one; the charge leaks; without one it is warning 0x238)",         \
      ("WDM DRIVER ERROR: IoInitializeIrp on an IRP allocated by IoAllocateIrp",                   \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))        \
    /* I/O verification (/flags 0x10), remove locks (0xC4, Windows Vista and later; Windows 7  \   \
     * for 0xD7). Windows checks a free-build driver's lock through a shadow copy it makes;    \   \
     * drvsim tracks the driver's own lock and gives it where Windows gives the copy. */           \
    X(io_remove_lock_release_tag, 0xC4, 1, 0xD5, VF_FLAG_IO_VERIFICATION,                          \
      "IoReleaseRemoveLock with a tag that no outstanding IoAcquireRemoveLock gave (a "            \
      "mismatched tag, or a release of a lock not acquired)",                                      \
      ("The IoReleaseRemoveLock tag does not match a previous IoAcquireRemoveLock tag",            \
       "The IO_REMOVE_LOCK (Windows: Driver Verifier's shadow copy of it for a free-build "        \
       "driver)",                                                                                  \
       "Tag passed to IoReleaseRemoveLock", "Reserved (0)"))                                       \
    X(io_remove_lock_wait_tag, 0xC4, 1, 0xD6, VF_FLAG_IO_VERIFICATION,                             \
      "IoReleaseRemoveLockAndWait with a tag that no outstanding IoAcquireRemoveLock gave",        \
      ("The IoReleaseRemoveLockAndWait tag does not match a previous IoAcquireRemoveLock tag",     \
       "The IO_REMOVE_LOCK (Windows: Driver Verifier's shadow copy of it for a free-build "        \
       "driver)",                                                                                  \
       "Tag passed to IoReleaseRemoveLockAndWait",                                                 \
       "Tag of an outstanding IoAcquireRemoveLock (the latest one)"))                              \
    X(io_remove_lock_reinitialized, 0xC4, 1, 0xD7, VF_FLAG_IO_VERIFICATION,                        \
      "IoInitializeRemoveLock on a remove lock after IoReleaseRemoveLockAndWait (a lock used "     \
      "again after its device's removal)",                                                         \
      ("A remove lock initialized again after IoReleaseRemoveLockAndWait",                         \
       "The IO_REMOVE_LOCK (Windows: Driver Verifier's internal copy of it)",                      \
       "The driver's IO_REMOVE_LOCK", "Reserved (0)"))                                             \
    /* drvsim's data race detector (/races or --races, vf/race.h): 0xD003xxxx. */                  \
    X(race_data, 0xC4, 1, 0xD0030001, VF_OPTION_RACES,                                             \
      "a data race: two contexts (threads, DPCs, ISRs) touched the same bytes, one wrote, and "    \
      "nothing orders the two accesses (drvsim's own check, /races)",                              \
      ("drvsim: data race on memory a driver accesses", "Address of the first byte both touched",  \
       "The earlier access: 1 a write, 0 a read", "The later access: 1 a write, 0 a read"))        \
    /* Code integrity checks (/flags 0x2000000, Windows 10 and later; 0xC4/0x2000-0x2005,          \
     * bug-check-0xc4 "Code integrity"): a verified driver asks for memory it could execute.       \
     * P2, the call site, is the calling routine's address (as 0xF6's P4). */                      \
    X(ci_pool_executable, 0xC4, 1, 0x2000, VF_FLAG_CODE_INTEGRITY,                                 \
      "pool allocated with an executable pool type (NonPagedPool or another type without "         \
      "POOL_NX_ALLOCATION; POOL_FLAG_NON_PAGED_EXECUTE): NonPagedPoolNx is expected",              \
      ("The caller asked for executable memory: an executable pool type",                          \
       "Address of the calling routine (Windows: the call site)",                                  \
       "Pool type (ExAllocatePool2/3: the one its flags name)", "Pool tag (0 if none)"))           \
    X(ci_protection_executable, 0xC4, 1, 0x2001, VF_FLAG_CODE_INTEGRITY,                           \
      "a mapping asked for with an executable page protection (MmMapIoSpaceEx with PAGE_EXECUTE, " \
      "PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE or PAGE_EXECUTE_WRITECOPY)",                      \
      ("The caller asked for executable memory: an executable page protection",                    \
       "Address of the calling routine (Windows: the call site)", "Page protection",               \
       "Not used (0)"))                                                                            \
    X(ci_mdl_mapping_executable, 0xC4, 1, 0x2002, VF_FLAG_CODE_INTEGRITY,                          \
      "an MDL mapped into system space without MdlMappingNoExecute "                               \
      "(MmMapLockedPagesSpecifyCache, MmGetSystemAddressForMdlSafe when it maps)",                 \
      ("The caller asked for an executable MDL mapping (MdlMappingNoExecute missing)",             \
       "Address of the calling routine (Windows: the call site)",                                  \
       "Page priority OR'ed with the MdlMapping* flags", "Not used (0)"))                          \
    /* Security checks (/flags 0x100, security-checks.md; 0xC4/0xE0-0xE4 on the 0xC4 page).        \
     * P2, the call site, is the calling routine's address. */                                     \
    X(sec_zw_user_address, 0xC4, 1, 0xE3, VF_FLAG_SECURITY_CHECKS,                                 \
      "a Zw routine given a user-mode address (an OBJECT_ATTRIBUTES or what it points to, a "      \
      "UNICODE_STRING, a buffer): called from kernel mode, it trusts it without probing",          \
      ("A Zw routine called with a user-mode address as a parameter",                              \
       "Address of the calling routine (Windows: the call site)", "The user-mode address",         \
       "Reserved (0)"))                                                                            \
    X(sec_zw_bad_unicode_string, 0xC4, 1, 0xE4, VF_FLAG_SECURITY_CHECKS,                           \
      "a Zw routine called with a malformed UNICODE_STRING (directly or as an OBJECT_ATTRIBUTES' " \
      "ObjectName): an odd Length or MaximumLength, MaximumLength below Length, or its Buffer in " \
      "user space",                                                                                \
      ("A Zw routine called with a malformed UNICODE_STRING",                                      \
       "Address of the calling routine (Windows: the call site)", "The UNICODE_STRING",            \
       "Reserved (0)"))                                                                            \
    X(sec_irp_user_address, 0xC4, 1, 0xE2, VF_FLAG_SECURITY_CHECKS,                                \
      "IoCallDriver with an IRP whose RequestorMode is KernelMode and whose UserBuffer or "        \
      "AssociatedIrp.SystemBuffer is a user-mode address: the driver below trusts it unprobed",    \
      ("An IRP with RequestorMode KernelMode carries a user-mode address", "The IRP",              \
       "The user-mode address", "Reserved (0)"))                                                   \
    X(sec_kernel_user_address, 0xC4, 1, 0xE0, VF_FLAG_SECURITY_CHECKS,                             \
      "KeInitializeEvent, KeInitializeTimer(Ex), KeInitializeSemaphore, KeInitializeMutex or "     \
      "ExInitializeResourceLite given a user-mode address for the object it initialises",          \
      ("A kernel routine called with a user-mode address as a parameter", "The user-mode address", \
       "Size of the range (the object's size)", "Reserved (0)"))                                   \
    X(io_dispatch_apc_disable_changed, 0xC4, 1, 0xC5, VF_FLAG_IO_VERIFICATION,                     \
      "a dispatch routine returned with the thread's APC disable count changed (a critical or "    \
      "guarded region entered and not left, or left and not entered)",                             \
      ("The thread's APC disable count changed across a dispatch routine", "Dispatch routine",     \
       "Current APC disable count (CombinedApcDisable)",                                           \
       "APC disable count before the dispatch routine"))                                           \
    X(io_completion_irql_changed, 0xC4, 1, 0xFA, VF_FLAG_IO_VERIFICATION,                          \
      "an IRP completion routine returned at an IRQL other than the one it was called at",         \
      ("An IRP completion routine returned at a different IRQL", "Completion routine",             \
       "IRQL before the completion routine", "IRQL after the completion routine"))                 \
    X(io_completion_apc_disable_changed, 0xC4, 1, 0xFB, VF_FLAG_IO_VERIFICATION,                   \
      "an IRP completion routine returned with the thread's APC disable count changed",            \
      ("The thread's APC disable count changed across an IRP completion routine",                  \
       "Completion routine", "Current APC disable count (CombinedApcDisable)",                     \
       "APC disable count before the completion routine"))                                         \
    X(io_irp_freed_with_pool, 0xC4, 1, 0x105, VF_FLAG_IO_VERIFICATION,                             \
      "ExFreePool or ExFreePoolWithTag on an IRP (IoFreeIrp frees IRPs)",                          \
      ("An IRP was freed with ExFreePool", "IRP", "Reserved (0)", "Reserved (0)"))                 \
    /* I/O verification, level 2: PnP, power and WMI IRP handling, forwarding and completion       \
     * (iov_pnp.c; 0xC9, P1 = the code, P3 the IRP). */                                            \
    X(io2_null_device, 0xC9, 1, 0x204, VF_FLAG_IO_VERIFICATION,                                    \
      "WDM DRIVER ERROR: IoCallDriver given NULL as the device object",                            \
      ("WDM DRIVER ERROR: IoCallDriver given NULL as the device object",                           \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))        \
    X(io2_forward_queued_irp, 0xC9, 1, 0x205, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: an IRP sent again while a driver below holds it pending (its handling "   \
      "of STATUS_PENDING is broken)",                                                              \
      ("WDM DRIVER ERROR: an IRP sent again while a driver below holds it pending (its handling "  \
       "of STATUS_PENDING is broken)",                                                             \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "Device object holding the IRP"))                                                           \
    X(io2_control_not_zeroed, 0xC9, 1, 0x206, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: an IRP forwarded with the next location's Control not zeroed (a pending " \
      "bit or completion flags without a routine: a manual copy; use "                             \
      "IoCopyCurrentIrpStackLocationToNext or IoSkipCurrentIrpStackLocation)",                     \
      ("WDM DRIVER ERROR: an IRP forwarded with the next location's Control not zeroed (a "        \
       "pending bit or completion flags without a routine: a manual copy; use "                    \
       "IoCopyCurrentIrpStackLocationToNext or IoSkipCurrentIrpStackLocation)",                    \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "Control of the next location"))                                                            \
    X(io2_complete_queued_irp, 0xC9, 1, 0x209, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: IoCompleteRequest on an IRP a driver below holds pending",                \
      ("WDM DRIVER ERROR: IoCompleteRequest on an IRP a driver below holds pending",               \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "Device object holding the IRP"))                                                           \
    X(io2_pnp_irp_bad_status, 0xC9, 1, 0x20E, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: a PnP IRP sent with IoStatus.Status other than STATUS_NOT_SUPPORTED",     \
      ("WDM DRIVER ERROR: a PnP IRP sent with IoStatus.Status other than STATUS_NOT_SUPPORTED",    \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_power_irp_bad_status, 0xC9, 1, 0x20F, VF_FLAG_IO_VERIFICATION,                           \
      "WDM DRIVER ERROR: a power IRP sent with IoStatus.Status other than STATUS_NOT_SUPPORTED",   \
      ("WDM DRIVER ERROR: a power IRP sent with IoStatus.Status other than STATUS_NOT_SUPPORTED",  \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_wmi_irp_bad_status, 0xC9, 1, 0x210, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: a WMI IRP sent with IoStatus.Status other than STATUS_NOT_SUPPORTED",     \
      ("WDM DRIVER ERROR: a WMI IRP sent with IoStatus.Status other than STATUS_NOT_SUPPORTED",    \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_skipped_device, 0xC9, 1, 0x211, VF_FLAG_IO_VERIFICATION,                                 \
      "WDM DRIVER ERROR: an IRP forwarded past the device below (to the PDO, not to the device "   \
      "IoAttachDeviceToDeviceStack returned)",                                                     \
      ("WDM DRIVER ERROR: an IRP forwarded past the device below (to the PDO, not to the device "  \
       "IoAttachDeviceToDeviceStack returned)",                                                    \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "Device object it was sent to"))                                                            \
    X(io2_stack_trashed, 0xC9, 1, 0x212, VF_FLAG_IO_VERIFICATION,                                  \
      "WDM DRIVER ERROR: a PnP, power or WMI IRP forwarded with a next stack location whose "      \
      "major or minor code is not the request's (the stack not copied)",                           \
      ("WDM DRIVER ERROR: a PnP, power or WMI IRP forwarded with a next stack location whose "     \
       "major or minor code is not the request's (the stack not copied)",                          \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "Major function code of the next location"))                                                \
    X(io2_unknown_irp_status_changed, 0xC9, 1, 0x213, VF_FLAG_IO_VERIFICATION,                     \
      "WDM DRIVER ERROR: a driver changed IoStatus.Status of a PnP, power or WMI IRP whose minor " \
      "code it does not understand, and passed it down",                                           \
      ("WDM DRIVER ERROR: a driver changed IoStatus.Status of a PnP, power or WMI IRP whose "      \
       "minor code it does not understand, and passed it down",                                    \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_unknown_irp_information_changed, 0xC9, 1, 0x214, VF_FLAG_IO_VERIFICATION,                \
      "WDM DRIVER ERROR: a driver changed IoStatus.Information of a PnP, power or WMI IRP whose "  \
      "minor code it does not understand, and passed it down",                                     \
      ("WDM DRIVER ERROR: a driver changed IoStatus.Information of a PnP, power or WMI IRP whose " \
       "minor code it does not understand, and passed it down",                                    \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "IoStatus.Information"))                                                                    \
    X(io2_pnp_failure_passed_down, 0xC9, 1, 0x215, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: a PnP IRP passed down with a failure status other than "                  \
      "STATUS_NOT_SUPPORTED (a failed PnP IRP is completed)",                                      \
      ("WDM DRIVER ERROR: a PnP IRP passed down with a failure status other than "                 \
       "STATUS_NOT_SUPPORTED (a failed PnP IRP is completed)",                                     \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_pnp_status_not_supported, 0xC9, 1, 0x216, VF_FLAG_IO_VERIFICATION,                       \
      "WDM DRIVER ERROR: a PnP IRP's status, set by a driver above, turned into "                  \
      "STATUS_NOT_SUPPORTED (reserved to the system)",                                             \
      ("WDM DRIVER ERROR: a PnP IRP's status, set by a driver above, turned into "                 \
       "STATUS_NOT_SUPPORTED (reserved to the system)",                                            \
       "Address in the driver's code where the error was detected", "IRP", "Status it had"))       \
    X(io2_required_irp_not_handled, 0xC9, 1, 0x217, VF_FLAG_IO_VERIFICATION,                       \
      "WDM DRIVER ERROR: a required PnP IRP (query, cancel, stop, remove, surprise removal) "      \
      "passed down with IoStatus.Status still STATUS_NOT_SUPPORTED",                               \
      ("WDM DRIVER ERROR: a required PnP IRP (query, cancel, stop, remove, surprise removal) "     \
       "passed down with IoStatus.Status still STATUS_NOT_SUPPORTED",                              \
       "Address in the driver's code where the error was detected", "IRP", "Minor function code")) \
    X(io2_pdo_irp_answered, 0xC9, 1, 0x218, VF_FLAG_IO_VERIFICATION,                               \
      "WDM DRIVER ERROR: a function or filter driver answered a PnP IRP its PDO answers "          \
      "(resources, IDs, bus information, eject, lock, target relation) instead of passing it "     \
      "down",                                                                                      \
      ("WDM DRIVER ERROR: a function or filter driver answered a PnP IRP its PDO answers "         \
       "(resources, IDs, bus information, eject, lock, target relation) instead of passing it "    \
       "down",                                                                                     \
       "Address in the driver's code where the error was detected", "IRP", "Minor function code")) \
    X(io2_power_failure_passed_down, 0xC9, 1, 0x219, VF_FLAG_IO_VERIFICATION,                      \
      "WDM DRIVER ERROR: a power IRP passed down with a failure status other than "                \
      "STATUS_NOT_SUPPORTED (a failed power IRP is completed)",                                    \
      ("WDM DRIVER ERROR: a power IRP passed down with a failure status other than "               \
       "STATUS_NOT_SUPPORTED (a failed power IRP is completed)",                                   \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_power_status_not_supported, 0xC9, 1, 0x21A, VF_FLAG_IO_VERIFICATION,                     \
      "WDM DRIVER ERROR: a power IRP's status, set by a driver above, turned into "                \
      "STATUS_NOT_SUPPORTED",                                                                      \
      ("WDM DRIVER ERROR: a power IRP's status, set by a driver above, turned into "               \
       "STATUS_NOT_SUPPORTED",                                                                     \
       "Address in the driver's code where the error was detected", "IRP", "Status it had"))       \
    X(io2_suspicious_status, 0xC9, 1, 0x21B, VF_FLAG_IO_VERIFICATION,                              \
      "WDM DRIVER ERROR: IoCompleteRequest with a suspicious status (NTSTATUS bit 28 set, which "  \
      "no status has: an uninitialised variable)",                                                 \
      ("WDM DRIVER ERROR: IoCompleteRequest with a suspicious status (NTSTATUS bit 28 set, which " \
       "no status has: an uninitialised variable)",                                                \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_remove_not_detached, 0xC9, 1, 0x21D, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: a dispatch routine returned from IRP_MN_REMOVE_DEVICE with its device "   \
      "still attached to the device below (IoDetachDevice missing)",                               \
      ("WDM DRIVER ERROR: a dispatch routine returned from IRP_MN_REMOVE_DEVICE with its device "  \
       "still attached to the device below (IoDetachDevice missing)",                              \
       "Address of the dispatch routine", "IRP", "Device object"))                                 \
    X(io2_remove_not_deleted, 0xC9, 1, 0x21E, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: a dispatch routine returned from IRP_MN_REMOVE_DEVICE without deleting "  \
      "its device object (IoDeleteDevice missing)",                                                \
      ("WDM DRIVER ERROR: a dispatch routine returned from IRP_MN_REMOVE_DEVICE without deleting " \
       "its device object (IoDeleteDevice missing)",                                               \
       "Address of the dispatch routine", "IRP", "Device object"))                                 \
    X(io2_missing_dispatch, 0xC9, 1, 0x21F, VF_FLAG_IO_VERIFICATION,                               \
      "WDM DRIVER ERROR: a PnP, power or WMI IRP sent to a device in a stack whose driver has no " \
      "dispatch routine for its major function",                                                   \
      ("WDM DRIVER ERROR: a PnP, power or WMI IRP sent to a device in a stack whose driver has "   \
       "no dispatch routine for its major function",                                               \
       "Address in the sender's code where the error was detected", "IRP", "Device object"))       \
    X(io2_wmi_not_provider, 0xC9, 1, 0x220, VF_FLAG_IO_VERIFICATION,                               \
      "WDM DRIVER ERROR: a driver completed an IRP_MJ_SYSTEM_CONTROL request meant for another "   \
      "device (ProviderId) instead of passing it down",                                            \
      ("WDM DRIVER ERROR: a driver completed an IRP_MJ_SYSTEM_CONTROL request meant for another "  \
       "device (ProviderId) instead of passing it down",                                           \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "ProviderId (the device object the request targets)"))                                      \
    X(io2_pdo_ignored_required_irp, 0xC9, 1, 0x22A, VF_FLAG_IO_VERIFICATION,                       \
      "WDM DRIVER ERROR: the PDO completed a required PnP IRP with STATUS_NOT_SUPPORTED (it did "  \
      "not respond to it)",                                                                        \
      ("WDM DRIVER ERROR: the PDO completed a required PnP IRP with STATUS_NOT_SUPPORTED (it did " \
       "not respond to it)",                                                                       \
       "Address in the driver's code where the error was detected", "IRP", "Minor function code")) \
    X(io2_target_relation_not_filled, 0xC9, 1, 0x22B, VF_FLAG_IO_VERIFICATION,                     \
      "WDM DRIVER ERROR: the PDO completed TargetDeviceRelation successfully without a relation "  \
      "list holding one entry, itself",                                                            \
      ("WDM DRIVER ERROR: the PDO completed TargetDeviceRelation successfully without a relation " \
       "list holding one entry, itself",                                                           \
       "Address in the driver's code where the error was detected", "IRP", "PDO"))                 \
    X(io2_target_relation_not_referenced, 0xC9, 1, 0x22C, VF_FLAG_IO_VERIFICATION,                 \
      "WDM DRIVER ERROR: the PDO answered TargetDeviceRelation without ObReferenceObject on "      \
      "itself",                                                                                    \
      ("WDM DRIVER ERROR: the PDO answered TargetDeviceRelation without ObReferenceObject on "     \
       "itself",                                                                                   \
       "Address in the driver's code where the error was detected", "IRP", "PDO"))                 \
    X(io2_pnp_unknown_completed, 0xC9, 1, 0x22D, VF_FLAG_IO_VERIFICATION,                          \
      "WDM DRIVER ERROR: a function or filter driver completed a PnP IRP whose minor code it "     \
      "does not understand instead of passing it down",                                            \
      ("WDM DRIVER ERROR: a function or filter driver completed a PnP IRP whose minor code it "    \
       "does not understand instead of passing it down",                                           \
       "Address in the driver's code where the error was detected", "IRP", "Minor function code")) \
    X(io2_pnp_success_completed, 0xC9, 1, 0x22E, VF_FLAG_IO_VERIFICATION,                          \
      "WDM DRIVER ERROR: a function or filter driver completed a PnP IRP successfully instead of " \
      "passing it down",                                                                           \
      ("WDM DRIVER ERROR: a function or filter driver completed a PnP IRP successfully instead "   \
       "of passing it down",                                                                       \
       "Address in the driver's code where the error was detected", "IRP", "Minor function code")) \
    X(io2_pnp_untouched_completed, 0xC9, 1, 0x22F, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: a function or filter driver completed a PnP IRP untouched, or failed it " \
      "with STATUS_NOT_SUPPORTED, instead of passing it down",                                     \
      ("WDM DRIVER ERROR: a function or filter driver completed a PnP IRP untouched, or failed "   \
       "it with STATUS_NOT_SUPPORTED, instead of passing it down",                                 \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_power_unknown_completed, 0xC9, 1, 0x230, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: a function or filter driver completed a power IRP whose minor code it "   \
      "does not understand instead of passing it down",                                            \
      ("WDM DRIVER ERROR: a function or filter driver completed a power IRP whose minor code it "  \
       "does not understand instead of passing it down",                                           \
       "Address in the driver's code where the error was detected", "IRP", "Minor function code")) \
    X(io2_power_success_completed, 0xC9, 1, 0x231, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: a function or filter driver completed a power IRP successfully instead "  \
      "of passing it down",                                                                        \
      ("WDM DRIVER ERROR: a function or filter driver completed a power IRP successfully instead " \
       "of passing it down",                                                                       \
       "Address in the driver's code where the error was detected", "IRP", "Minor function code")) \
    X(io2_power_untouched_completed, 0xC9, 1, 0x232, VF_FLAG_IO_VERIFICATION,                      \
      "WDM DRIVER ERROR: a function or filter driver completed a power IRP untouched, or failed "  \
      "it with STATUS_NOT_SUPPORTED, instead of passing it down",                                  \
      ("WDM DRIVER ERROR: a function or filter driver completed a power IRP untouched, or failed " \
       "it with STATUS_NOT_SUPPORTED, instead of passing it down",                                 \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_capabilities_version, 0xC9, 1, 0x233, VF_FLAG_IO_VERIFICATION,                           \
      "WDM DRIVER ERROR: IRP_MN_QUERY_CAPABILITIES sent with DEVICE_CAPABILITIES.Version not 1",   \
      ("WDM DRIVER ERROR: IRP_MN_QUERY_CAPABILITIES sent with DEVICE_CAPABILITIES.Version not 1",  \
       "Address in the driver's code where the error was detected", "IRP", "Version"))             \
    X(io2_capabilities_size, 0xC9, 1, 0x234, VF_FLAG_IO_VERIFICATION,                              \
      "WDM DRIVER ERROR: IRP_MN_QUERY_CAPABILITIES sent with DEVICE_CAPABILITIES.Size not "        \
      "sizeof(DEVICE_CAPABILITIES)",                                                               \
      ("WDM DRIVER ERROR: IRP_MN_QUERY_CAPABILITIES sent with DEVICE_CAPABILITIES.Size not "       \
       "sizeof(DEVICE_CAPABILITIES)",                                                              \
       "Address in the driver's code where the error was detected", "IRP", "Size"))                \
    X(io2_capabilities_address, 0xC9, 1, 0x235, VF_FLAG_IO_VERIFICATION,                           \
      "WDM DRIVER ERROR: IRP_MN_QUERY_CAPABILITIES sent with DEVICE_CAPABILITIES.Address not -1",  \
      ("WDM DRIVER ERROR: IRP_MN_QUERY_CAPABILITIES sent with DEVICE_CAPABILITIES.Address not -1", \
       "Address in the driver's code where the error was detected", "IRP", "Address"))             \
    X(io2_capabilities_ui_number, 0xC9, 1, 0x236, VF_FLAG_IO_VERIFICATION,                         \
      "WDM DRIVER ERROR: IRP_MN_QUERY_CAPABILITIES sent with DEVICE_CAPABILITIES.UINumber not -1", \
      ("WDM DRIVER ERROR: IRP_MN_QUERY_CAPABILITIES sent with DEVICE_CAPABILITIES.UINumber not "   \
       "-1",                                                                                       \
       "Address in the driver's code where the error was detected", "IRP", "UINumber"))            \
    X(io2_system_irp_sent, 0xC9, 1, 0x237, VF_FLAG_IO_VERIFICATION,                                \
      "WDM DRIVER ERROR: a driver sent an IRP only the system sends (a PnP start, stop, remove "   \
      "or surprise removal; a power IRP that PoRequestPowerIrp makes)",                            \
      ("WDM DRIVER ERROR: a driver sent an IRP only the system sends (a PnP start, stop, remove "  \
       "or surprise removal; a power IRP that PoRequestPowerIrp makes)",                           \
       "Address in the driver's code where the error was detected", "IRP",                         \
       "Device object it was sent to"))                                                            \
    X(io2_completed_never_sent, 0xC9, 1, 0x239, VF_FLAG_IO_VERIFICATION,                           \
      "WDM DRIVER ERROR: IoCompleteRequest on an IRP never sent with IoCallDriver or "             \
      "PoCallDriver",                                                                              \
      ("WDM DRIVER ERROR: IoCompleteRequest on an IRP never sent with IoCallDriver or "            \
       "PoCallDriver",                                                                             \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))        \
    X(io2_sent_at_bad_irql, 0xC9, 1, 0x23A, VF_FLAG_IO_VERIFICATION,                               \
      "WDM DRIVER ERROR: an IRP sent at an IRQL its major code does not allow (PnP and WMI above " \
      "PASSIVE_LEVEL, power to a DO_POWER_PAGABLE device above PASSIVE_LEVEL)",                    \
      ("WDM DRIVER ERROR: an IRP sent at an IRQL its major code does not allow (PnP and WMI "      \
       "above PASSIVE_LEVEL, power to a DO_POWER_PAGABLE device above PASSIVE_LEVEL)",             \
       "Address in the driver's code where the error was detected", "IRP", "IRQL"))                \
    X(io2_unknown_irp_status_changed_up, 0xC9, 1, 0x23B, VF_FLAG_IO_VERIFICATION,                  \
      "WDM DRIVER ERROR: a completion routine changed IoStatus.Status of a PnP, power or WMI IRP " \
      "whose minor code it does not understand",                                                   \
      ("WDM DRIVER ERROR: a completion routine changed IoStatus.Status of a PnP, power or WMI "    \
       "IRP whose minor code it does not understand",                                              \
       "Address of the completion routine", "IRP", "IoStatus.Status"))                             \
    X(io2_power_pagable_not_inherited, 0xC9, 1, 0x23F, VF_FLAG_IO_VERIFICATION,                    \
      "WDM DRIVER ERROR: a device started without the DO_POWER_PAGABLE bit of the device it "      \
      "attached to",                                                                               \
      ("WDM DRIVER ERROR: a device started without the DO_POWER_PAGABLE bit of the device it "     \
       "attached to",                                                                              \
       "Address of the dispatch routine (IRP_MN_START_DEVICE)", "IRP", "Device object"))           \
    X(io2_surprise_remove_detached, 0xC9, 1, 0x241, VF_FLAG_IO_VERIFICATION,                       \
      "WDM DRIVER ERROR: a driver detached its device during IRP_MN_SURPRISE_REMOVAL (it waits "   \
      "for IRP_MN_REMOVE_DEVICE)",                                                                 \
      ("WDM DRIVER ERROR: a driver detached its device during IRP_MN_SURPRISE_REMOVAL (it waits "  \
       "for IRP_MN_REMOVE_DEVICE)",                                                                \
       "Address of the dispatch routine", "IRP", "Device object"))                                 \
    X(io2_surprise_remove_deleted, 0xC9, 1, 0x242, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: a driver deleted its device during IRP_MN_SURPRISE_REMOVAL (it waits "    \
      "for IRP_MN_REMOVE_DEVICE)",                                                                 \
      ("WDM DRIVER ERROR: a driver deleted its device during IRP_MN_SURPRISE_REMOVAL (it waits "   \
       "for IRP_MN_REMOVE_DEVICE)",                                                                \
       "Address of the dispatch routine", "IRP", "Device object"))                                 \
    X(io2_device_initializing, 0xC9, 1, 0x243, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: a device started with DO_DEVICE_INITIALIZING still set (AddDevice did "   \
      "not clear it)",                                                                             \
      ("WDM DRIVER ERROR: a device started with DO_DEVICE_INITIALIZING still set (AddDevice did "  \
       "not clear it)",                                                                            \
       "Address of the dispatch routine (IRP_MN_START_DEVICE)", "IRP", "Device object"))           \
    X(io2_io_flags_not_inherited, 0xC9, 1, 0x244, VF_FLAG_IO_VERIFICATION,                         \
      "WDM DRIVER ERROR: a device started without the DO_BUFFERED_IO or DO_DIRECT_IO flag of the " \
      "device it attached to",                                                                     \
      ("WDM DRIVER ERROR: a device started without the DO_BUFFERED_IO or DO_DIRECT_IO flag of "    \
       "the device it attached to",                                                                \
       "Address of the dispatch routine (IRP_MN_START_DEVICE)", "IRP", "Device object"))           \
    X(io2_buffered_and_direct, 0xC9, 1, 0x245, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: a device started with both DO_BUFFERED_IO and DO_DIRECT_IO set",          \
      ("WDM DRIVER ERROR: a device started with both DO_BUFFERED_IO and DO_DIRECT_IO set",         \
       "Address of the dispatch routine (IRP_MN_START_DEVICE)", "IRP", "Device object"))           \
    X(io2_must_succeed_failed, 0xC9, 1, 0x247, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: a driver failed an IRP that must not fail (IRP_MN_CANCEL_REMOVE_DEVICE, " \
      "IRP_MN_CANCEL_STOP_DEVICE, IRP_MN_SURPRISE_REMOVAL, a system IRP_MN_SET_POWER)",            \
      ("WDM DRIVER ERROR: a driver failed an IRP that must not fail "                              \
       "(IRP_MN_CANCEL_REMOVE_DEVICE, IRP_MN_CANCEL_STOP_DEVICE, IRP_MN_SURPRISE_REMOVAL, a "      \
       "system IRP_MN_SET_POWER)",                                                                 \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_relation_not_pdo, 0xC9, 1, 0x248, VF_FLAG_IO_VERIFICATION,                               \
      "WDM DRIVER ERROR: a device-relations answer names a device object that is not a PDO",       \
      ("WDM DRIVER ERROR: a device-relations answer names a device object that is not a PDO",      \
       "Address in the driver's code where the error was detected", "IRP", "Device object named")) \
    X(io2_target_relation_not_forwarded, 0xC9, 1, 0x24B, VF_FLAG_IO_VERIFICATION,                  \
      "WDM DRIVER ERROR: a function or filter driver completed TargetDeviceRelation successfully " \
      "instead of passing it down to the PDO",                                                     \
      ("WDM DRIVER ERROR: a function or filter driver completed TargetDeviceRelation "             \
       "successfully instead of passing it down to the PDO",                                       \
       "Address in the driver's code where the error was detected", "IRP", "Device object"))       \
    X(io2_suspicious_status_returned, 0xC9, 1, 0x300, VF_FLAG_IO_VERIFICATION,                     \
      "WDM DRIVER ERROR: a dispatch routine returned a suspicious status (NTSTATUS bit 28 set, "   \
      "which no status has: an uninitialised variable)",                                           \
      ("WDM DRIVER ERROR: a dispatch routine returned a suspicious status (NTSTATUS bit 28 set, "  \
       "which no status has: an uninitialised variable)",                                          \
       "Address of the dispatch routine", "IRP", "Status returned"))                               \
    X(io2_sent_at_apc_level, 0xC9, 1, 0x302, VF_FLAG_IO_VERIFICATION,                              \
      "WDM DRIVER ERROR: a threaded IRP (IoBuildSynchronousFsdRequest, "                           \
      "IoBuildDeviceIoControlRequest) sent at APC_LEVEL or above, where its completion APC "       \
      "cannot run",                                                                                \
      ("WDM DRIVER ERROR: a threaded IRP (IoBuildSynchronousFsdRequest, "                          \
       "IoBuildDeviceIoControlRequest) sent at APC_LEVEL or above, where its completion APC "      \
       "cannot run",                                                                               \
       "Address in the driver's code where the error was detected", "IRP", "IRQL"))                \
    X(io2_remove_failed, 0xC9, 1, 0x306, VF_FLAG_IO_VERIFICATION,                                  \
      "WDM DRIVER ERROR: IRP_MN_REMOVE_DEVICE completed with a failure status",                    \
      ("WDM DRIVER ERROR: IRP_MN_REMOVE_DEVICE completed with a failure status",                   \
       "Address in the driver's code where the error was detected", "IRP", "IoStatus.Status"))     \
    X(io2_cancel_routine_below, 0xC9, 1, 0x229, VF_FLAG_IO_VERIFICATION,                           \
      "WDM DRIVER ERROR: a cancel routine set on an IRP a driver below holds (it may replace "     \
      "theirs)",                                                                                   \
      ("WDM DRIVER ERROR: a cancel routine set on an IRP a driver below holds (it may replace "    \
       "theirs)",                                                                                  \
       "Address in the driver's code where the error was detected", "IRP", "Cancel routine"))      \
    X(io2_pending_event_signaled, 0xC9, 1, 0x307, VF_FLAG_IO_VERIFICATION,                         \
      "WDM DRIVER ERROR: a request sent with an event that was already signalled came back "       \
      "STATUS_PENDING (its sender stops waiting before it completes)",                             \
      ("WDM DRIVER ERROR: a request sent with an event already signalled came back "               \
       "STATUS_PENDING",                                                                           \
       "Address of the dispatch routine", "IRP", "Event (UserEvent)"))                             \
    X(io2_reinitialize_in_use, 0xC9, 1, 0x310, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: IoInitializeIrp or IoReuseIrp on an IRP still in use",                    \
      ("WDM DRIVER ERROR: IoInitializeIrp or IoReuseIrp on an IRP still in use",                   \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))        \
    X(io2_reinitialize_built, 0xC9, 1, 0x311, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: IoInitializeIrp or IoReuseIrp on an IRP that "                            \
      "IoBuildSynchronousFsdRequest, IoBuildAsynchronousFsdRequest or "                            \
      "IoBuildDeviceIoControlRequest built",                                                       \
      ("WDM DRIVER ERROR: IoInitializeIrp or IoReuseIrp on an IRP an IoBuild*Request routine "     \
       "built",                                                                                    \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))      \
    /* A bus's children, filters, routines that require a PDO, file I/O (iov_pnp2.c). */           \
    X(io2_pdo_deleted_present, 0xC9, 1, 0x221, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: a bus driver deleted a PDO in its IRP_MN_REMOVE_DEVICE while its last "   \
      "BusRelations answer still listed it (not reported missing)",                                \
      ("WDM DRIVER ERROR: a PDO's dispatch routine deleted the device object, but the hardware "   \
       "has not been reported missing in a bus relations query",                                   \
       "Address of the dispatch routine", "IRP", "Device object (the PDO)"))                       \
    X(io2_filter_device_type, 0xC9, 1, 0x246, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: a filter driver's device (a lower or upper filter of a device node) "     \
      "started without the DeviceType of the device it attached to",                               \
      ("WDM DRIVER ERROR: a filter did not copy the DeviceType of the device it attached to",      \
       "Address of the dispatch routine (IRP_MN_START_DEVICE)", "IRP", "Device object"))           \
    X(io2_duplicate_device_id, 0xC9, 1, 0x249, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: a bus driver enumerated two present children with the same device ID "    \
      "(and the same instance ID: one device instance ID for two devices)",                        \
      ("WDM DRIVER ERROR: two child PDOs returned identical device IDs",                           \
       "Address in the driver's code where the error was detected",                                \
       "Device object (the child that gave the ID first)",                                         \
       "Device object (the child that gave it second)"))                                           \
    X(io2_file_io_irql, 0xC9, 1, 0x24A, VF_FLAG_IO_VERIFICATION,                                   \
      "WDM DRIVER ERROR: a file I/O routine (ZwCreateFile, ZwOpenFile, ZwReadFile, ZwWriteFile, "  \
      "ZwQueryInformationFile, ZwSetInformationFile, ZwFlushBuffersFile) called above "            \
      "PASSIVE_LEVEL",                                                                             \
      ("WDM DRIVER ERROR: a file I/O function called at IRQL other than PASSIVE_LEVEL",            \
       "Address in the driver's code where the error was detected", "Not used (0)",                \
       "Current IRQL"))                                                                            \
    X(io2_not_a_pdo, 0xC9, 1, 0x24D, VF_FLAG_IO_VERIFICATION,                                      \
      "WDM DRIVER ERROR: a device object that is not a PDO (a device node's) passed to a routine " \
      "that requires one (IoGetDeviceProperty, IoOpenDeviceRegistryKey, "                          \
      "IoRegisterDeviceInterface, IoInvalidateDeviceState, IoInvalidateDeviceRelations)",          \
      ("WDM DRIVER ERROR: an invalid device object passed to a function that requires a PDO",      \
       "Address in the driver's code where the error was detected", "Not used (0)",                \
       "Device object passed"))                                                                    \
    X(io2_completed_cancel_routine_set, 0xC9, 1, 0x23C, VF_FLAG_IO_VERIFICATION,                   \
      "WDM DRIVER ERROR: a completion routine let completion go on with a cancel routine set on "  \
      "the IRP (it completes with one; 0x07 is IoCompleteRequest's own check)",                    \
      ("WDM DRIVER ERROR: an IRP completed without its cancel routine set to NULL",                \
       "Address of the completion routine", "IRP", "Cancel routine"))                              \
    /* Warnings (C9's severity W): reported, and the run goes on (rule_is_warning). */             \
    X(io2_copied_no_completion, 0xC9, 1, 0x21C, VF_FLAG_IO_VERIFICATION,                           \
      "WDM DRIVER WARNING: an IRP forwarded with the current stack location copied to the next "   \
      "one and no completion routine set (IoSkipCurrentIrpStackLocation does it without the "      \
      "copy)",                                                                                     \
      ("WDM DRIVER WARNING: the caller copied the IRP stack but set no completion routine",        \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))        \
    X(io2_initialize_allocated_irp_no_quota, 0xC9, 1, 0x238, VF_FLAG_IO_VERIFICATION,              \
      "WDM DRIVER WARNING: IoInitializeIrp on an IRP that IoAllocateIrp allocated without a "      \
      "quota charge (IoReuseIrp reuses one; what IoAllocateIrp recorded is lost)",                 \
      ("WDM DRIVER WARNING: IoInitializeIrp on an IRP allocated by IoAllocateIrp (no quota "       \
       "charged)",                                                                                 \
       "Address in the driver's code where the error was detected", "IRP", "Not used (0)"))        \
    /* DMA verification (/flags 0x80, in /standard; bug-check-0xe6, dma-verification.md): the  \
     * HAL's DMA routines (vf/dma_verify.c). P1 is the violation. Where the page gives no     \
     * parameter drvsim gives 0; its "DV data" parameters (Windows' internal structures) are   \
     * 0. */                                                                                   \
    X(dma_map_register_file, 0xE6, 1, 0x00, VF_FLAG_DMA_CHECKING,                                  \
      "a flush running past the end of the map registers (P2 1), or an AllocateAdapterChannel "    \
      "finding enough free map registers but no run of them long enough (P2 2)",                   \
      ("Miscellaneous map register file error",                                                    \
       "1: flush of too many bytes at the end of the map register file; 2: out of contiguous "     \
       "map registers",                                                                            \
       "P2 1: bytes left in the MDL; P2 2: map registers needed",                                  \
       "P2 1: bytes asked to flush; P2 2: longest run of free map registers"))                     \
    X(dma_common_buffer_freed_twice, 0xE6, 1, 0x03, VF_FLAG_DMA_CHECKING,                          \
      "FreeCommonBuffer of a buffer the adapter did not allocate, or freed already",               \
      ("The driver freed too many common buffers", "Number of extra common buffers freed",         \
       "Not used (0)", "Not used (0)"))                                                            \
    X(dma_adapter_channel_freed_twice, 0xE6, 1, 0x04, VF_FLAG_DMA_CHECKING,                        \
      "FreeAdapterChannel with no adapter channel allocated",                                      \
      ("The driver freed too many adapter channels", "Number of extra adapter channels freed",     \
       "Not used (0)", "Not used (0)"))                                                            \
    X(dma_map_registers_freed_twice, 0xE6, 1, 0x05, VF_FLAG_DMA_CHECKING,                          \
      "FreeMapRegisters of map registers the driver does not hold (never allocated, freed "        \
      "already, or still its adapter channel's)",                                                  \
      ("The driver freed too many map registers", "Number of extra map registers freed",           \
       "Not used (0)", "Not used (0)"))                                                            \
    X(dma_sg_list_freed_twice, 0xE6, 1, 0x06, VF_FLAG_DMA_CHECKING,                                \
      "PutScatterGatherList of a list the adapter did not build, or freed already",                \
      ("The driver freed too many scatter/gather lists", "Scatter/gather lists allocated",         \
       "Scatter/gather lists freed", "Not used (0)"))                                              \
    X(dma_put_adapter_common_buffers, 0xE6, 1, 0x07, VF_FLAG_DMA_CHECKING,                         \
      "PutDmaAdapter with common buffers not freed",                                               \
      ("The driver released the adapter with common buffers outstanding", "Adapter",               \
       "Number of common buffers outstanding", "Not used (0) (Windows: DV data)"))                 \
    X(dma_put_adapter_channels, 0xE6, 1, 0x08, VF_FLAG_DMA_CHECKING,                               \
      "PutDmaAdapter with its adapter channel still allocated",                                    \
      ("The driver released the adapter with adapter channels outstanding", "Adapter",             \
       "Number of adapter channels outstanding", "Not used (0) (Windows: DV data)"))               \
    X(dma_put_adapter_map_registers, 0xE6, 1, 0x09, VF_FLAG_DMA_CHECKING,                          \
      "PutDmaAdapter with map registers not freed (leaked: DeallocateObjectKeepRegisters "         \
      "without FreeMapRegisters)",                                                                 \
      ("The driver released the adapter with map registers outstanding", "Adapter",                \
       "Number of map registers outstanding", "Not used (0) (Windows: DV data)"))                  \
    X(dma_put_adapter_sg_lists, 0xE6, 1, 0x0A, VF_FLAG_DMA_CHECKING,                               \
      "PutDmaAdapter with scatter/gather lists not put",                                           \
      ("The driver released the adapter with scatter/gather lists outstanding", "Adapter",         \
       "Number of scatter/gather lists outstanding", "Not used (0) (Windows: DV data)"))           \
    X(dma_two_adapter_channels, 0xE6, 1, 0x0B, VF_FLAG_DMA_CHECKING,                               \
      "AllocateAdapterChannel while the adapter's channel is still allocated",                     \
      ("The driver allocated more than one adapter channel at a time",                             \
       "Number of adapter channels outstanding", "Not used (0)", "Not used (0)"))                  \
    X(dma_too_many_map_registers, 0xE6, 1, 0x0C, VF_FLAG_DMA_CHECKING,                             \
      "AllocateAdapterChannel asking for more map registers than IoGetDmaAdapter gave, or a "      \
      "MapTransfer needing more map registers than the driver holds from MapRegisterBase",         \
      ("The driver tried to use too many map registers at once", "Number of map registers "        \
       "required", "Maximum number of map registers (held)", "Not used (0)"))                      \
    X(dma_buffers_not_flushed, 0xE6, 1, 0x0D, VF_FLAG_DMA_CHECKING,                                \
      "FreeAdapterChannel while map registers are still mapped: FlushAdapterBuffers not called",   \
      ("The driver did not flush its adapter buffers", "Number of bytes mapped",                   \
       "Maximum number of bytes the map registers map", "Not used (0)"))                           \
    X(dma_unlocked_buffer, 0xE6, 1, 0x0E, VF_FLAG_DMA_CHECKING,                                    \
      "a DMA transfer over an MDL whose pages are not locked (neither MmProbeAndLockPages nor "    \
      "MmBuildMdlForNonPagedPool)",                                                                \
      ("The driver tried DMA on a buffer that is not locked", "MDL", "Not used (0)",               \
       "Not used (0)"))                                                                            \
    X(dma_buffer_overrun, 0xE6, 1, 0x0F, VF_FLAG_DMA_CHECKING,                                     \
      "the driver or its device wrote outside a DMA buffer: a common buffer's tag before (P2 1) "  \
      "or after (P2 2) it (\"DmaVrfy0\"), a free map register (P2 3, padding 0x0F), or the "       \
      "padding before (P2 4) or after (P2 5) a buffer",                                            \
      ("The driver or its device wrote outside a DMA buffer",                                      \
       "1: tag before the buffer changed; 2: tag after the buffer changed; 3: free map register "  \
       "overwritten; 4: padding before the buffer changed; 5: padding after the buffer changed",   \
       "P2 1, 2: the buffer's length; 3: the address written; 4, 5: the buffer's start",           \
       "P2 1, 2: the buffer's start; 3: not used (0); 4, 5: the address written"))                 \
    X(dma_freed_while_mapped, 0xE6, 1, 0x10, VF_FLAG_DMA_CHECKING,                                 \
      "FreeMapRegisters while some of the registers are still mapped (no FlushAdapterBuffers)",    \
      ("The driver freed map registers while some were still mapped",                              \
       "Number of map registers still mapped", "Not used (0)", "Not used (0)"))                    \
    X(dma_wrong_irql, 0xE6, 1, 0x13, VF_FLAG_DMA_CHECKING,                                         \
      "a DMA routine called at the wrong IRQL: not the one it requires (P2 1: PASSIVE_LEVEL for "  \
      "IoGetDmaAdapter, PutDmaAdapter, Allocate/FreeCommonBuffer; DISPATCH_LEVEL for "             \
      "Allocate/FreeAdapterChannel, FreeMapRegisters, PutScatterGatherList), or above its "        \
      "maximum (P2 2: DISPATCH_LEVEL for MapTransfer, FlushAdapterBuffers, Get/Build/"             \
      "CalculateScatterGatherList)",                                                               \
      ("A DMA routine was called at the wrong IRQL",                                               \
       "1: the IRQL is not the one expected; 2: the IRQL is above the maximum",                    \
       "Expected (P2 1) or maximum (P2 2) IRQL", "Current IRQL"))                                  \
    X(dma_too_many_map_registers_allocated, 0xE6, 1, 0x15, VF_FLAG_DMA_CHECKING,                   \
      "a scatter/gather transfer needing more map registers than the adapter has",                 \
      ("The driver allocated too many map registers", "Number of map registers needed",            \
       "Maximum number of map registers", "Not used (0)"))                                         \
    X(dma_flush_unmapped, 0xE6, 1, 0x16, VF_FLAG_DMA_CHECKING,                                     \
      "FlushAdapterBuffers of a map register whose mapping was flushed already",                   \
      ("The driver flushed a buffer that is not mapped", "Map register's address",                 \
       "Not used (0) (Windows: DV data)", "Not used (0)"))                                         \
    X(dma_adapter_released, 0xE6, 1, 0x18, VF_FLAG_DMA_CHECKING,                                   \
      "a DMA routine called with an adapter PutDmaAdapter released",                               \
      ("The driver used an adapter it had released", "Adapter",                                    \
       "Not used (0) (Windows: DV data)", "Not used (0)"))                                         \
    X(dma_null_adapter, 0xE6, 1, 0x19, VF_FLAG_DMA_CHECKING,                                       \
      "a DMA routine called with a NULL DMA_ADAPTER",                                              \
      ("The driver passed a NULL DMA_ADAPTER to a HAL routine", "Not used (0)", "Not used (0)",    \
       "Not used (0)"))                                                                            \
    X(dma_address_outside_mdl, 0xE6, 1, 0x1B, VF_FLAG_DMA_CHECKING,                                \
      "MapTransfer, FlushAdapterBuffers or a scatter/gather routine given a CurrentVa outside "    \
      "the MDL it passed",                                                                         \
      ("The driver passed an address that is not within the MDL", "Address", "MDL",                \
       "Not used (0)"))                                                                            \
    X(dma_range_mapped_twice, 0xE6, 1, 0x1D, VF_FLAG_DMA_CHECKING,                                 \
      "MapTransfer of a range whose map registers are still mapped (not flushed)",                 \
      ("The driver mapped a range that is already mapped", "Start of the range",                   \
       "End of the range", "Address already mapped there"))                                        \
    X(dma_hal_get_adapter, 0xE6, 1, 0x1E, VF_FLAG_DMA_CHECKING,                                    \
      "the obsolete HalGetAdapter called (IoGetDmaAdapter replaces it)",                           \
      ("The driver called HalGetAdapter", "Not used (0)", "Not used (0)", "Not used (0)"))         \
    X(dma_flush_never_mapped, 0xE6, 1, 0x20, VF_FLAG_DMA_CHECKING,                                 \
      "FlushAdapterBuffers of map registers never mapped since their allocation (or not the "      \
      "driver's)",                                                                                 \
      ("The driver flushed a map register that was never mapped", "MapRegisterBase",               \
       "Buffer's virtual address (CurrentVa)", "MDL"))                                             \
    X(dma_zero_length_map, 0xE6, 1, 0x21, VF_FLAG_DMA_CHECKING,                                    \
      "MapTransfer or a scatter/gather routine with a length of 0",                                \
      ("The driver tried to map a zero-length buffer", "Not used (0) (Windows: DV data)",          \
       "Not used (0)", "Not used (0)"))                                                            \
    X(dma_buffer_too_small, 0xE6, 1, 0x24, VF_FLAG_DMA_CHECKING,                                   \
      "a transfer running past the end of its MDL",                                                \
      ("The MDL's buffer is shorter than the length asked for", "Length not accounted for",        \
       "Not used (0)", "Not used (0)"))                                                            \
    X(dma_unknown_description_version, 0xE6, 1, 0x25, VF_FLAG_DMA_CHECKING,                        \
      "IoGetDmaAdapter with a DEVICE_DESCRIPTION version above DEVICE_DESCRIPTION_VERSION3",       \
      ("The DEVICE_DESCRIPTION's version is unknown",                                              \
       "The version given (Windows: not used)", "Not used (0)", "Not used (0)"))

/*
 * The DDI compliance rules (/flags 0x20000, 0x80000, /ruleclasses 35, /sdv)
 * join the catalogue from their own spec, sim/vf/ddi_rules.spec: the build
 * generates their rows (DRVSIM_DDI_RULES, same columns) into ddi_rules.h,
 * with the DDIs each watches and its conditions' texts
 * (DRVSIM_DDI_RULES_WATCH). Their ids are the rules' names in Microsoft's
 * documentation (IrqlKeSetEvent, SpinLock).
 */
#include "ddi_rules.h"

typedef enum rule_id {
#define RULE_ENUM(id, code, sub_param, sub_value, option, text, params) RULE_##id,
    DRVSIM_RULES(RULE_ENUM) DRVSIM_DDI_RULES(RULE_ENUM)
#undef RULE_ENUM
        RULE_COUNT
} rule_id;

typedef struct rule_row {
    const char *id;
    uint32_t code;
    uint8_t sub_param; /* 1..4, or 0 when the code alone identifies it */
    uint64_t sub_value;
    uint32_t option; /* /flags bit or VF_OPTION_* bit, 0 = automatic, RULE_KERNEL */
    const char *description;
    const char *param_meaning[4]; /* what P1..P4 hold, for the report's Arguments: block */
} rule_row;

extern const rule_row rule_table[RULE_COUNT];

/* A warning (bug-check-0xc9's severity W) is a row whose description starts
 * with RULE_WARNING_PREFIX: reported, counted and traced (kd_warn), and the
 * run goes on, as Windows goes on. */
#define RULE_WARNING_PREFIX "WDM DRIVER WARNING: "
bool rule_is_warning(rule_id rule);

#endif /* DRVSIM_VF_RULES_H */
