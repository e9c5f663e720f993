/*
 * rules.h - the rule catalogue: every check drvsim can raise, in one table.
 *
 * Each row: the rule id (also its name in reports), the bug check code, which
 * parameter carries the sub-code that selects the case (1 for 0xC4/0xC2/0xC9,
 * 4 for 0xC1, 0 when the code alone says it) and its value, the /flags bit
 * that enables it (0 = automatic checks, always on for a verified driver;
 * RULE_KERNEL = checked by the kernel itself, verified or not), and what it
 * means in one line. Check sites name the rule; code and sub-code come from
 * here, so they cannot disagree with `drvsim rules`.
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

/* X(id, code, sub_param, sub_value, option, description) */
#define DRVSIM_RULES(X)                                                                            \
    /* Automatic checks: IRQL (0xC4, verifier_options.md "Automatic checks"). */                   \
    X(irql_raise_below_current, 0xC4, 1, 0x30, 0,                                                  \
      "KeRaiseIrql called to lower the IRQL, or to a value above HIGH_LEVEL")                      \
    X(irql_lower_above_current, 0xC4, 1, 0x31, 0,                                                  \
      "KeLowerIrql called to raise the IRQL, or to a value above HIGH_LEVEL")                      \
    /* Automatic checks: waits, events, object references (0xC4). */                               \
    X(wait_above_dispatch, 0xC4, 1, 0x120, 0, "a KeWaitXxx routine called above DISPATCH_LEVEL")   \
    X(wait_at_dispatch_forever, 0xC4, 1, 0x121, 0,                                                 \
      "a KeWaitXxx routine called at DISPATCH_LEVEL with no timeout")                              \
    X(wait_at_dispatch_timeout, 0xC4, 1, 0x122, 0,                                                 \
      "a KeWaitXxx routine called at DISPATCH_LEVEL with a nonzero timeout")                       \
    X(set_event_above_dispatch, 0xC4, 1, 0x80, 0, "KeSetEvent called above DISPATCH_LEVEL")        \
    X(ob_bad_handle, 0xC4, 1, 0x3C, 0,                                                             \
      "ObReferenceObjectByHandle given a handle that is not valid")                                \
    X(ob_reference_count_zero, 0xC4, 1, 0x3F, 0,                                                   \
      "an object referenced or dereferenced with its reference count already zero")                \
    /* Automatic checks: spin locks (0xC4). */                                                     \
    X(spinlock_release_not_dispatch, 0xC4, 1, 0x32, 0,                                             \
      "KeReleaseSpinLock called at an IRQL other than DISPATCH_LEVEL (often a double release)")    \
    X(spinlock_acquire_dpc_below_dispatch, 0xC4, 1, 0x40, 0,                                       \
      "KeAcquireSpinLockAtDpcLevel called below DISPATCH_LEVEL")                                   \
    X(spinlock_release_dpc_below_dispatch, 0xC4, 1, 0x41, 0,                                       \
      "KeReleaseSpinLockFromDpcLevel called below DISPATCH_LEVEL")                                 \
    X(spinlock_acquire_above_dispatch, 0xC4, 1, 0x42, 0,                                           \
      "KeAcquireSpinLock called above DISPATCH_LEVEL")                                             \
    /* Automatic checks: fast mutexes and critical regions (0xC4). */                              \
    X(fast_mutex_acquire_above_apc, 0xC4, 1, 0x33, 0,                                              \
      "ExAcquireFastMutex or ExTryToAcquireFastMutex called above APC_LEVEL")                      \
    X(fast_mutex_release_not_apc, 0xC4, 1, 0x34, 0,                                                \
      "ExReleaseFastMutex called at an IRQL other than APC_LEVEL")                                 \
    X(fast_mutex_unsafe_acquire_bad_irql, 0xC4, 1, 0x39, 0,                                        \
      "ExAcquireFastMutexUnsafe called above APC_LEVEL, or below it outside a critical region")    \
    X(fast_mutex_unsafe_release_bad_irql, 0xC4, 1, 0x3A, 0,                                        \
      "ExReleaseFastMutexUnsafe called above APC_LEVEL, or below it outside a critical region")    \
    X(critical_region_leave_not_entered, 0xC4, 1, 0x3E, 0,                                         \
      "KeLeaveCriticalRegion called by a thread that is not in a critical region")                 \
    X(critical_region_enter_above_apc, 0xC4, 1, 0x11A, VF_FLAG_FORCE_IRQL_CHECKING,                \
      "KeEnterCriticalRegion called above APC_LEVEL (force IRQL checking)")                        \
    X(critical_region_leave_above_apc, 0xC4, 1, 0x11B, VF_FLAG_FORCE_IRQL_CHECKING,                \
      "KeLeaveCriticalRegion called above APC_LEVEL (force IRQL checking)")                        \
    /* Automatic checks: executive resources (0xC4). System threads are exempt from 0x37 and       \
     * 0x38, as in Windows: nothing can suspend them from user mode. */                            \
    X(resource_acquire_apcs_enabled, 0xC4, 1, 0x37, 0,                                             \
      "ERESOURCE acquired with normal kernel APCs enabled (outside a critical region, below "      \
      "APC_LEVEL) on a thread an application could suspend")                                       \
    X(resource_release_apcs_enabled, 0xC4, 1, 0x38, 0,                                             \
      "ERESOURCE released with normal kernel APCs enabled (the critical region left too early)")   \
    X(resource_unaligned, 0xC4, 1, 0x3D, 0,                                                        \
      "ERESOURCE at an address not aligned to a pointer's size passed to an acquire routine")      \
    /* Miscellaneous checks (/flags 0x800): executive resources (0xC4). */                         \
    X(resource_initialized_twice, 0xC4, 1, 0xD0, VF_FLAG_MISC_CHECKS,                              \
      "ExInitializeResourceLite on an ERESOURCE initialised before and not deleted")               \
    X(resource_delete_uninitialized, 0xC4, 1, 0xD1, VF_FLAG_MISC_CHECKS,                           \
      "ExDeleteResourceLite on an ERESOURCE that is not initialised (or deleted already)")         \
    X(pool_free_active_resource, 0xC4, 1, 0xD2, VF_FLAG_MISC_CHECKS,                               \
      "pool freed while an ERESOURCE in it is still initialised (ExDeleteResourceLite missing)")   \
    /* Automatic checks: pool allocate and free (0xC4). */                                         \
    X(pool_zero_size, 0xC4, 1, 0x00, 0, "pool request of zero bytes")                              \
    X(pool_paged_above_apc, 0xC4, 1, 0x01, 0, "paged pool allocated at IRQL above APC_LEVEL")      \
    X(pool_nonpaged_above_dispatch, 0xC4, 1, 0x02, 0,                                              \
      "nonpaged pool allocated at IRQL above DISPATCH_LEVEL")                                      \
    X(pool_must_succeed, 0xC4, 1, 0x03, 0,                                                         \
      "must-succeed pool request (drivers may never make one)")                                    \
    X(pool_free_bad_address, 0xC4, 1, 0x10, 0,                                                     \
      "free of an address that no pool allocation returned")                                       \
    X(pool_free_paged_above_apc, 0xC4, 1, 0x11, 0, "paged pool freed at IRQL above APC_LEVEL")     \
    X(pool_free_nonpaged_above_dispatch, 0xC4, 1, 0x12, 0,                                         \
      "nonpaged pool freed at IRQL above DISPATCH_LEVEL")                                          \
    X(pool_double_free, 0xC4, 1, 0x13, 0, "pool block freed twice")                                \
    /* Automatic checks: MDLs (0xC4). */                                                           \
    X(mdl_probe_above_dispatch, 0xC4, 1, 0x70, 0,                                                  \
      "MmProbeAndLockPages called above DISPATCH_LEVEL")                                           \
    X(mdl_map_above_dispatch, 0xC4, 1, 0x76, 0,                                                    \
      "MmMapLockedPagesSpecifyCache (KernelMode) called above DISPATCH_LEVEL")                     \
    X(mdl_unlock_above_dispatch, 0xC4, 1, 0x78, 0, "MmUnlockPages called above DISPATCH_LEVEL")    \
    X(mdl_unmap_above_dispatch, 0xC4, 1, 0x79, 0,                                                  \
      "MmUnmapLockedPages (system address) called above DISPATCH_LEVEL")                           \
    X(mdl_unlock_not_locked, 0xC4, 1, 0x7C, 0,                                                     \
      "MmUnlockPages on an MDL whose pages are not locked")                                        \
    X(mdl_unlock_nonpaged, 0xC4, 1, 0x7D, 0,                                                       \
      "MmUnlockPages on an MDL built for nonpaged pool (never locked, never to unlock)")           \
    X(mdl_map_bugcheck_on_failure, 0xC4, 1, 0x82, 0,                                               \
      "MmMapLockedPagesSpecifyCache with BugCheckOnFailure: a failed mapping must be handled")     \
    X(mdl_probe_wrong_flags, 0xC4, 1, 0xB0, 0,                                                     \
      "MmProbeAndLockPages on an MDL whose flags forbid it (built for nonpaged pool, locked, "     \
      "partial)")                                                                                  \
    X(mdl_map_already_mapped, 0xC4, 1, 0xB2, 0,                                                    \
      "MmMapLockedPagesSpecifyCache on an MDL already mapped to system space")                     \
    X(mdl_map_not_locked, 0xC4, 1, 0xB3, 0,                                                        \
      "MmMapLockedPagesSpecifyCache on an MDL whose pages are not locked")                         \
    X(mdl_free_mapped, 0xC4, 1, 0xB8, 0, "IoFreeMdl on an MDL still mapped to system space")       \
    X(pool_free_active_timer, 0xC4, 1, 0x15, 0, "pool freed while a timer in it is still set")     \
    /* Automatic checks: work items and lookaside lists (0xC4). */                                 \
    X(workitem_pageable, 0xC4, 1, 0x131, 0, "a work item in pageable memory queued")               \
    X(lookaside_init_twice, 0xC4, 1, 0xCA, 0, "a lookaside list initialised twice")                \
    X(lookaside_delete_uninitialized, 0xC4, 1, 0xCB, 0,                                            \
      "a lookaside list deleted that is not initialised (never, or deleted before)")               \
    X(lookaside_block_too_small, 0xC4, 1, 0xCD, 0,                                                 \
      "a lookaside list made for blocks too small to hold its free-list link")                     \
    /* Miscellaneous checks (/flags 0x800). */                                                     \
    X(pool_free_active_lookaside, 0xC4, 1, 0xCC, VF_FLAG_MISC_CHECKS,                              \
      "pool freed while a lookaside list in it is still initialised")                              \
    X(pool_free_queued_workitem, 0xE4, 1, 0x0, VF_FLAG_MISC_CHECKS,                                \
      "pool freed while a work item in it is still queued")                                        \
    /* Automatic checks on unload (0xC7). */                                                       \
    X(unload_timer_set, 0xC7, 1, 0x0, 0, "driver unloaded with a timer of its still set")          \
    X(unload_dpc_queued, 0xC7, 1, 0x1, 0, "driver unloaded with a DPC of its still queued")        \
    /* Pool tracking (/flags 0x8). */                                                              \
    X(pool_overrun_tracked, 0xC4, 1, 0x51, VF_FLAG_POOL_TRACKING,                                  \
      "a block being freed was written past its end (found by pool tracking)")                     \
    X(pool_header_damaged_tracked, 0xC4, 1, 0x53, VF_FLAG_POOL_TRACKING,                           \
      "a block being freed has a damaged POOL_HEADER: an overrun of the block before it, or an "   \
      "underrun of its own (found by pool tracking)")                                              \
    X(pool_leak_on_unload, 0xC4, 1, 0x62, VF_FLAG_POOL_TRACKING,                                   \
      "driver unloaded without freeing its pool allocations")                                      \
    X(pool_alloc_during_unload, 0xC4, 1, 0x61, VF_FLAG_POOL_TRACKING,                              \
      "a thread of a driver allocated pool while the driver was unloading")                        \
    X(pool_quota_idle_process, 0xC4, 1, 0x10A, VF_FLAG_POOL_TRACKING,                              \
      "pool quota charged to the Idle process (a DPC that interrupted an idle processor)")         \
    X(pool_quota_from_dpc, 0xC4, 1, 0x10B, VF_FLAG_POOL_TRACKING,                                  \
      "pool quota charged from a DPC routine, whose process context is arbitrary")                 \
    X(locked_pages_at_process_exit, 0xCB, 0, 0, VF_FLAG_POOL_TRACKING,                             \
      "a process ended with pages a driver locked in its context still locked (locked-page "       \
      "tracking, which pool tracking turns on)")                                                   \
    /* Special pool (/flags 0x1, and GFlags +spp for any driver): the memory manager raises        \
     * these for every special pool allocation, verified or not. */                                \
    X(special_pool_overrun_driver, 0xD6, 0, 0, VF_FLAG_SPECIAL_POOL,                               \
      "driver code touched a special pool guard page: an access beyond its allocation")            \
    X(special_pool_overrun, 0xCD, 0, 0, VF_FLAG_SPECIAL_POOL,                                      \
      "code of no driver touched a special pool guard page: an access beyond an allocation")       \
    X(special_pool_freed_driver, 0xD5, 0, 0, VF_FLAG_SPECIAL_POOL,                                 \
      "driver code touched special pool after it was freed")                                       \
    X(special_pool_freed, 0xCC, 0, 0, VF_FLAG_SPECIAL_POOL,                                        \
      "code of no driver touched special pool after it was freed")                                 \
    X(special_pool_free_unallocated, 0xC1, 4, 0x20, VF_FLAG_SPECIAL_POOL,                          \
      "free of a special pool address that holds no allocation (never allocated, or freed "        \
      "already)")                                                                                  \
    X(special_pool_free_bad_address, 0xC1, 4, 0x21, VF_FLAG_SPECIAL_POOL,                          \
      "free of an address inside a special pool block, past its start")                            \
    X(special_pool_free_below_block, 0xC1, 4, 0x22, VF_FLAG_SPECIAL_POOL,                          \
      "free of an address in a special pool page before its block's start")                        \
    X(special_pool_underrun, 0xC1, 4, 0x23, VF_FLAG_SPECIAL_POOL,                                  \
      "bytes before a special pool block were overwritten (pattern check at free)")                \
    X(special_pool_overrun_slack, 0xC1, 4, 0x24, VF_FLAG_SPECIAL_POOL,                             \
      "bytes after a special pool block were overwritten (pattern check at free)")                 \
    X(special_pool_alloc_bad_irql, 0xC1, 4, 0x30, VF_FLAG_SPECIAL_POOL,                            \
      "special pool allocated at an IRQL too high for its pool type")                              \
    X(special_pool_free_bad_irql, 0xC1, 4, 0x31, VF_FLAG_SPECIAL_POOL,                             \
      "special pool freed at an IRQL too high for its pool type")                                  \
    X(special_pool_single_bit, 0xC1, 4, 0x32, VF_FLAG_SPECIAL_POOL,                                \
      "one bit flipped in the pattern around a special pool block (found at free)")                \
    /* The kernel's own pool checks, raised without the verifier (0xC2). */                        \
    X(kpool_zero_size, 0xC2, 1, 0x00, RULE_KERNEL, "zero-byte pool allocation")                    \
    X(kpool_double_free, 0xC2, 1, 0x07, RULE_KERNEL, "pool block freed twice")                     \
    X(kpool_alloc_bad_irql, 0xC2, 1, 0x08, RULE_KERNEL,                                            \
      "pool allocation at an IRQL too high for its pool type")                                     \
    X(kpool_free_bad_irql, 0xC2, 1, 0x09, RULE_KERNEL,                                             \
      "pool free at an IRQL too high for its pool type")                                           \
    X(kpool_free_wrong_tag, 0xC2, 1, 0x0A, RULE_KERNEL,                                            \
      "ExFreePoolWithTag given a tag other than the allocation's")                                 \
    X(kpool_free_not_pool, 0xC2, 1, 0x46, RULE_KERNEL,                                             \
      "free of an address that is not a pool allocation")                                          \
    X(kpool_must_succeed, 0xC2, 1, 0x9A, RULE_KERNEL,                                              \
      "pool request marked MUST_SUCCEED (no longer supported)")                                    \
    X(kpool_tag_zero, 0xC2, 1, 0x9B, RULE_KERNEL, "pool allocation with tag 0")                    \
    X(kpool_header_corrupt, 0x19, 0, 0, RULE_KERNEL,                                               \
      "a pool header is damaged (usually an overrun of the block before it), found at free")       \
    X(kpool_tag_invalid, 0xC2, 1, 0x9D, RULE_KERNEL,                                               \
      "pool tag with no letter or digit, or a character outside 0x20..0x7E")                       \
    X(kwait_too_many, 0x0C, 0, 0, RULE_KERNEL,                                                     \
      "KeWaitForMultipleObjects given more objects than its wait blocks can hold")                 \
    X(kob_reference_by_pointer, 0x18, 0, 0, RULE_KERNEL,                                           \
      "an object dereferenced more often than it was referenced")                                  \
    X(kdpc_switch, 0xB8, 0, 0, RULE_KERNEL,                                                        \
      "a DPC routine tried to wait: it has no thread of its own to put to sleep")                  \
    X(ktimer_in_freed_memory, 0xC7, 1, 0x0, RULE_KERNEL,                                           \
      "pool freed while a timer in it is still set")                                               \
    X(kdpc_in_freed_memory, 0xC7, 1, 0x1, RULE_KERNEL, "pool freed while a DPC in it is queued")   \
    X(klist_entry_corrupted, 0x139, 1, 0x3, RULE_KERNEL,                                           \
      "a LIST_ENTRY's neighbour does not point back at it (a double remove, or a list updated "    \
      "by two processors without a lock): the list routines' fast-fail check")                     \
    X(kirp_completed_twice, 0x44, 0, 0, RULE_KERNEL,                                               \
      "IoCompleteRequest on an IRP already completed (its stack walked past the top), or on "      \
      "something that is not an IRP")                                                              \
    X(kdpc_watchdog, 0x133, 0, 0, RULE_KERNEL,                                                     \
      "a processor stayed at DISPATCH_LEVEL or above for the whole DPC watchdog period "           \
      "(a deadlock on a spin lock, a lock never released)")                                        \
    X(unloaded_code_executed, 0xCE, 0, 0, RULE_KERNEL,                                             \
      "code of an unloaded driver ran: a thread (or DPC or timer) it left behind")                 \
    X(kmdl_unlock_not_locked, 0x76, 1, 0x1, RULE_KERNEL,                                           \
      "MmUnlockPages on pages that are not locked")                                                \
    X(kprocess_has_locked_pages, 0x76, 1, 0x0, RULE_KERNEL,                                        \
      "a process ended with pages still locked in its context (a driver's MmProbeAndLockPages "    \
      "never undone)")                                                                             \
    X(kthread_exit_apcs_disabled, 0x20, 0, 0, RULE_KERNEL,                                         \
      "a thread ended inside a critical or guarded region (a KeLeaveCriticalRegion, "              \
      "KeReleaseMutex or KeLeaveGuardedRegion missing)")                                           \
    X(kthread_exit_mutex_held, 0x4000008A, 0, 0, RULE_KERNEL,                                      \
      "a thread ended still owning a KMUTEX")                                                      \
    X(kworker_queued_again, 0xE4, 1, 0x1, RULE_KERNEL,                                             \
      "a work item queued again while it is still queued")                                         \
    X(kworker_free_queued, 0xE4, 1, 0x2, RULE_KERNEL,                                              \
      "IoFreeWorkItem (or IoUninitializeWorkItem) on a work item still queued")                    \
    X(kworker_bad_object, 0xE4, 1, 0x3, RULE_KERNEL,                                               \
      "a work item made for an object that is neither a device object nor a driver object")        \
    X(kworker_bad_queue_type, 0xE4, 1, 0x6, RULE_KERNEL,                                           \
      "a work item queued to a WORK_QUEUE_TYPE that does not exist")                               \
    X(klookaside_in_unloaded_image, 0xCE, 0, 0, RULE_KERNEL,                                       \
      "a lookaside list left in an unloaded driver (never deleted), touched by the kernel's "      \
      "periodic depth adjustment")                                                                 \
    X(kresource_not_owned, 0xE3, 0, 0, RULE_KERNEL,                                                \
      "ERESOURCE released by a thread that does not own it (RESOURCE_NOT_OWNED)")                  \
    X(kstack_overflow, 0x7F, 1, 0x8, RULE_KERNEL,                                                  \
      "the kernel stack overflowed (callbacks nested too deep: a device stack of too many "        \
      "filters, a dispatch routine that calls back into its own stack): a double fault")           \
    /* Crashes: what the kernel does with a driver that faults. */                                 \
    X(driver_exception, 0x7E, 0, 0, RULE_KERNEL,                                                   \
      "a driver routine on a system thread raised an exception nobody handled")                    \
    X(driver_fault_at_raised_irql, 0xD1, 0, 0, RULE_KERNEL,                                        \
      "a driver faulted (touched invalid or pageable memory) at DISPATCH_LEVEL or above")          \
    X(kernel_fault_at_raised_irql, 0x0A, 0, 0, RULE_KERNEL,                                        \
      "code outside any driver faulted at DISPATCH_LEVEL or above")                                \
    X(page_fault_unmapped, 0x50, 0, 0, RULE_KERNEL,                                                \
      "access to a simulated address that is not mapped")                                          \
    X(driver_called_bugcheck, 0, 0, 0, RULE_KERNEL, "the driver called KeBugCheckEx")              \
    /* Checked builds (scenario{ build = "checked" }): DBG code in the driver and the kernel.      \
     * With no kernel debugger attached, RtlAssert's breakpoint (STATUS_BREAKPOINT) and            \
     * NT_ASSERT's int 2c (STATUS_ASSERTION_FAILURE) are exceptions nobody handles: 0x7E when      \
     * they reach a system thread's handler, 0x1E in a DPC or an ISR, whose stacks have none. */   \
    X(checked_assert, 0x7E, 1, 0x80000003, RULE_KERNEL,                                            \
      "checked build: an ASSERT failed on a system thread (an unhandled breakpoint)")              \
    X(checked_assert_arbitrary, 0x1E, 1, 0x80000003, RULE_KERNEL,                                  \
      "checked build: an ASSERT failed in a DPC or an ISR (an unhandled breakpoint)")              \
    X(paged_code_raised_irql, 0x7E, 1, 0xC0000420, RULE_KERNEL,                                    \
      "checked build: PAGED_CODE() ran above APC_LEVEL on a system thread (NT_ASSERT failed)")     \
    X(paged_code_raised_irql_arbitrary, 0x1E, 1, 0xC0000420, RULE_KERNEL,                          \
      "checked build: PAGED_CODE() ran in a DPC or an ISR (NT_ASSERT failed)")                     \
    X(kspin_lock_already_owned, 0x0F, 0, 0, RULE_KERNEL,                                           \
      "checked build: a processor acquired a spin lock it already holds")                          \
    /* Interrupts. */                                                                              \
    X(kisr_irql_changed, 0xC8, 0, 0, RULE_KERNEL,                                                  \
      "an interrupt service routine returned at an IRQL other than its device IRQL")               \
    /* I/O verification (/flags 0x10), level 1 (0xC9, P1 = the violation). */                      \
    X(io_free_not_irp, 0xC9, 1, 0x1, VF_FLAG_IO_VERIFICATION,                                      \
      "IoFreeIrp given an object whose Type is not IO_TYPE_IRP")                                   \
    X(io_free_irp_on_thread, 0xC9, 1, 0x2, VF_FLAG_IO_VERIFICATION,                                \
      "IoFreeIrp on an IRP still queued to a thread (a synchronous request the I/O "               \
      "manager frees)")                                                                            \
    X(io_call_not_irp, 0xC9, 1, 0x3, VF_FLAG_IO_VERIFICATION,                                      \
      "IoCallDriver given an IRP whose Type is not IO_TYPE_IRP")                                   \
    X(io_call_bad_device, 0xC9, 1, 0x4, VF_FLAG_IO_VERIFICATION,                                   \
      "IoCallDriver given a pointer that is not a device object (or a deleted one)")               \
    X(io_dispatch_irql_changed, 0xC9, 1, 0x5, VF_FLAG_IO_VERIFICATION,                             \
      "a dispatch routine returned at an IRQL other than the one IoCallDriver was "                \
      "called at")                                                                                 \
    X(io_complete_status_pending, 0xC9, 1, 0x6, VF_FLAG_IO_VERIFICATION,                           \
      "IoCompleteRequest on an IRP whose IoStatus.Status is STATUS_PENDING (or -1)")               \
    X(io_complete_cancel_routine_set, 0xC9, 1, 0x7, VF_FLAG_IO_VERIFICATION,                       \
      "IoCompleteRequest on an IRP whose cancel routine is still set")                             \
    X(io_build_fsd_bad_buffer, 0xC9, 1, 0x8, VF_FLAG_IO_VERIFICATION,                              \
      "IoBuildAsynchronousFsdRequest or IoBuildSynchronousFsdRequest given a buffer "              \
      "that cannot be read")                                                                       \
    X(io_build_ioctl_bad_buffer, 0xC9, 1, 0x9, VF_FLAG_IO_VERIFICATION,                            \
      "IoBuildDeviceIoControlRequest given an input buffer that cannot be read")                   \
    X(io_timer_initialized_twice, 0xC9, 1, 0xA, VF_FLAG_IO_VERIFICATION,                           \
      "IoInitializeTimer on a device object that already has a timer")                             \
    X(io_complete_above_dispatch, 0xC9, 1, 0xE, VF_FLAG_IO_VERIFICATION,                           \
      "IoCompleteRequest called above DISPATCH_LEVEL")                                             \
    X(io_call_above_dispatch, 0xC9, 1, 0x10, VF_FLAG_IO_VERIFICATION,                              \
      "IoCallDriver called above DISPATCH_LEVEL")                                                  \
    /* I/O verification, level 2 (/iolevel 2, the default): the WDM DRIVER ERROR codes (0xC9,   \  \
     * P1 = the code); with a kernel debugger attached (--kd) they are printed and ignored. */     \
    X(io2_delete_device_attached, 0xC9, 1, 0x201, VF_FLAG_IO_VERIFICATION,                         \
      "WDM DRIVER ERROR: IoDeleteDevice on a device still attached to a device below it "          \
      "(IoDetachDevice missing)")                                                                  \
    X(io2_detach_not_attached, 0xC9, 1, 0x202, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: IoDetachDevice on a device that has nothing attached (a double "          \
      "detach)")                                                                                   \
    X(io2_call_cancel_routine_set, 0xC9, 1, 0x203, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: IoCallDriver with the IRP's cancel routine still set")                    \
    X(io2_copied_completion_routine, 0xC9, 1, 0x207, VF_FLAG_IO_VERIFICATION,                      \
      "WDM DRIVER ERROR: an IRP forwarded with the upper driver's completion routine "             \
      "copied into the next location (a manual stack copy)")                                       \
    X(io2_out_of_stack_locations, 0xC9, 1, 0x208, VF_FLAG_IO_VERIFICATION,                         \
      "WDM DRIVER ERROR: IoCallDriver with fewer stack locations left than the device's "          \
      "stack needs (StackSize)")                                                                   \
    X(io2_free_irp_in_use, 0xC9, 1, 0x20A, VF_FLAG_IO_VERIFICATION,                                \
      "WDM DRIVER ERROR: IoFreeIrp on an IRP still in use (sent down and not completed)")          \
    X(io2_status_mismatch, 0xC9, 1, 0x224, VF_FLAG_IO_VERIFICATION,                                \
      "WDM DRIVER ERROR: a dispatch routine completed the IRP and returned a status "              \
      "other than IoStatus.Status")                                                                \
    X(io2_not_completed_not_pending, 0xC9, 1, 0x226, VF_FLAG_IO_VERIFICATION,                      \
      "WDM DRIVER ERROR: a dispatch routine returned without completing or forwarding "            \
      "the IRP and without STATUS_PENDING")                                                        \
    X(io2_completion_not_marked_pending, 0xC9, 1, 0x228, VF_FLAG_IO_VERIFICATION,                  \
      "WDM DRIVER ERROR: a completion routine did not mark the IRP pending although "              \
      "PendingReturned was set")                                                                   \
    X(io2_pending_not_marked, 0xC9, 1, 0x23D, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: a dispatch routine returned STATUS_PENDING without "                      \
      "IoMarkIrpPending")                                                                          \
    X(io2_marked_not_pending, 0xC9, 1, 0x23E, VF_FLAG_IO_VERIFICATION,                             \
      "WDM DRIVER ERROR: a dispatch routine marked the IRP pending but did not return "            \
      "STATUS_PENDING")                                                                            \
    X(io2_illegal_status_returned, 0xC9, 1, 0x225, VF_FLAG_IO_VERIFICATION,                        \
      "WDM DRIVER ERROR: a dispatch routine returned the illegal status 0xFFFFFFFF")               \
    X(io2_delete_device_twice, 0xC9, 1, 0x240, VF_FLAG_IO_VERIFICATION,                            \
      "WDM DRIVER ERROR: IoDeleteDevice called twice on the same device object")                   \
    X(io2_information_too_large, 0xC9, 1, 0x312, VF_FLAG_IO_VERIFICATION,                          \
      "WDM DRIVER ERROR: a buffered IOCTL completed with IoStatus.Information larger than its "    \
      "output buffer (OutputBufferLength)")

typedef enum rule_id {
#define RULE_ENUM(id, code, sub_param, sub_value, option, text) RULE_##id,
    DRVSIM_RULES(RULE_ENUM)
#undef RULE_ENUM
        RULE_COUNT
} rule_id;

typedef struct rule_row {
    const char *id;
    uint32_t code;
    uint8_t sub_param; /* 1..4, or 0 when the code alone identifies it */
    uint64_t sub_value;
    uint32_t option; /* /flags bit, 0 = automatic, RULE_KERNEL */
    const char *description;
} rule_row;

extern const rule_row rule_table[RULE_COUNT];

#endif /* DRVSIM_VF_RULES_H */
