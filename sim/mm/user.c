/*
 * user.c - applications' user address space: the memory an application
 * allocates (the harness' VirtualAlloc) and hands a driver by address, and
 * ProbeForRead / ProbeForWrite.
 *
 * Each user process has its own range of user addresses (4 GiB apart on
 * x64, 4 MiB on x86, above 0x10000000000 / 0x10000000), so the kernel can
 * tell whose a page is: a page of another process is not there in the
 * current process's context, as another address space's page is not on
 * Windows. A range grows upwards a page at a time and is never reused.
 *
 * Kernel-mode code touching a user address that is not valid in the
 * current context takes a page fault the memory manager cannot serve for
 * user space: below DISPATCH_LEVEL it raises STATUS_ACCESS_VIOLATION in the
 * code that touched it (a driver's __try catches it; unhandled it is
 * 0x7E, or 0x3B in a system service); at DISPATCH_LEVEL and above it is
 * 0xD1 as any fault. Addresses outside the ranges drvsim gives keep the
 * kernel's fault (0x50): drvsim cannot tell them from wild pointers.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "mm/mm.h"

#define MM_USER_BASE_X64  0x0000010000000000ull
#define MM_USER_SPAN_X64  0x100000000ull /* 4 GiB a process */
#define MM_USER_BASE_X86  0x10000000ull
#define MM_USER_SPAN_X86  0x400000ull /* 4 MiB a process */

/* MmUserProbeAddress: the first address above user space's last page. */
#define MM_USER_PROBE_X64 0x00007FFFFFFF0000ull
#define MM_USER_PROBE_X86 0x7FFF0000ull

#define STATUS_DATATYPE_MISALIGNMENT ((NTSTATUS)0x80000002u)

struct mm_user {
    uint64_t used[KE_MAX_PROCESSES]; /* bytes of each process's range handed out */
};

static uint64_t base(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? MM_USER_BASE_X86 : MM_USER_BASE_X64;
}

static uint64_t span(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? MM_USER_SPAN_X86 : MM_USER_SPAN_X64;
}

PVOID_VA mm_user_probe_address(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? MM_USER_PROBE_X86 : MM_USER_PROBE_X64;
}

/* The process index + 1 whose range holds va, 0 outside every range. */
static uint32_t owner(ke_arch arch, PVOID_VA va)
{
    if (va < base(arch) || va >= base(arch) + (uint64_t)KE_MAX_PROCESSES * span(arch))
        return 0;
    return (uint32_t)((va - base(arch)) / span(arch)) + 1;
}

bool mm_user_foreign(const ke_call *call, PVOID_VA va)
{
    uint32_t o = owner(call->m->config.arch, va);
    return o != 0 && call->thread != NULL &&
           o != (uint32_t)call->thread->process->index + 1u;
}

bool mm_user_fault(ke_call *call, PVOID_VA va)
{
    if (owner(call->m->config.arch, va) == 0 || ke_call_irql(call) >= DISPATCH_LEVEL)
        return false;
    call->raised = STATUS_ACCESS_VIOLATION;
    return true;
}

PVOID_VA mm_user_alloc(ke_machine *m, const ps_process *p, uint64_t bytes)
{
    mm_space *mm = m->mm;
    if (mm->user == NULL) {
        mm->user = calloc(1, sizeof *mm->user);
        if (mm->user == NULL)
            return 0;
    }
    uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t *used = &mm->user->used[p->index];
    ke_arch arch = m->config.arch;
    /* The range's first 64 KiB stay free, as user space's first page does. */
    uint64_t at = *used == 0 ? 0x10000u : *used;
    if (pages == 0 || at + pages * PAGE_SIZE > span(arch))
        return 0;
    PVOID_VA va = base(arch) + (uint64_t)p->index * span(arch) + at;
    if (!mm_map(mm, va, pages, 0, false))
        return 0;
    /* A guard page after each allocation: one past the end faults. */
    *used = at + (pages + 1) * PAGE_SIZE;
    return va;
}

bool mm_user_free(ke_machine *m, const ps_process *p, PVOID_VA va, uint64_t bytes)
{
    if (owner(m->config.arch, va) != (uint32_t)p->index + 1u || va % PAGE_SIZE != 0)
        return false;
    mm_unmap(m->mm, va, (bytes + PAGE_SIZE - 1) / PAGE_SIZE);
    return true;
}

void mm_user_destroy(mm_space *mm)
{
    free(mm->user);
    mm->user = NULL;
}

/*
 * ProbeForRead and ProbeForWrite (wdm.h): a Length of 0 does nothing; an
 * Address not aligned to Alignment raises STATUS_DATATYPE_MISALIGNMENT; a
 * range that wraps or ends above MmUserProbeAddress raises
 * STATUS_ACCESS_VIOLATION. ProbeForWrite also writes each page of the
 * range (the byte it holds), so a page not valid in the current context
 * raises STATUS_ACCESS_VIOLATION there.
 */
static bool probe(ke_call *call, PVOID_VA Address, uint64_t Length, ULONG Alignment)
{
    if (Length == 0)
        return false;
    if (Alignment != 0 && Address % Alignment != 0) {
        call->raised = STATUS_DATATYPE_MISALIGNMENT;
        return false;
    }
    PVOID_VA end = Address + Length;
    if (end < Address || end > mm_user_probe_address(call->m->config.arch)) {
        call->raised = STATUS_ACCESS_VIOLATION;
        return false;
    }
    return true;
}

void ProbeForRead(ke_call *call, PVOID_VA Address, uint64_t Length, ULONG Alignment)
{
    (void)probe(call, Address, Length, Alignment);
}

void ProbeForWrite(ke_call *call, PVOID_VA Address, uint64_t Length, ULONG Alignment)
{
    if (!probe(call, Address, Length, Alignment))
        return;
    PVOID_VA page = Address & ~(uint64_t)(PAGE_SIZE - 1);
    for (PVOID_VA at = Address; at < Address + Length; at = page) {
        uint8_t byte = 0;
        if (!mm_access(call, at, &byte, 1, false) || !mm_access(call, at, &byte, 1, true))
            return; /* raised (or the machine stopped) */
        page = (at & ~(uint64_t)(PAGE_SIZE - 1)) + PAGE_SIZE;
    }
}
