/*
 * mm.h - the simulated virtual address space.
 *
 * Kernel-looking addresses, 4 KiB pages, a sparse page table. Host memory
 * follows what is touched, not what is mapped: a page holds one fill byte
 * until something writes to it, and only then gets its 4 KiB of contents.
 * Every pointer access a scenario makes goes through mm_access, which turns a
 * fault into the bug check Windows would raise.
 *
 * Pageable pages (paged pool) can be trimmed: not resident until touched
 * again. Touching one below DISPATCH_LEVEL pages it back in; at or above, the
 * page fault cannot be served and the machine stops (0xD1, or 0x0A outside a
 * driver). Trimming everything is O(1): a trim bumps an epoch, and a pageable
 * page is resident only if it was touched since the last trim.
 */
#ifndef DRVSIM_MM_H
#define DRVSIM_MM_H

#include "des/map.h"
#include "ke/ke.h"

/*
 * A special pool page (special.c) stores only a window of itself: the block
 * and its alignment slack, [win_off, win_off + win_len). Every other byte is
 * `fill`, the page's pattern, until something writes outside the window (a
 * bug, found when the block is freed): the page then gets all its PAGE_SIZE
 * bytes (`full`). So a live special allocation costs host memory for its
 * block, not for its page. The struct stays 24 bytes: the epoch is kept to
 * 32 bits (a page would be wrongly resident only after 2^32 more trims).
 */
typedef struct mm_page {
    uint8_t *data;             /* PAGE_SIZE bytes (or the window's), or NULL: all `fill` */
    uint32_t resident_epoch;   /* pageable pages: resident iff == (uint32_t)trim_epoch */
    uint32_t pfn;              /* its physical page number, for MDLs */
    uint16_t win_off, win_len; /* windowed pages: what data holds while !full */
    uint16_t locks;            /* MmProbeAndLockPages holds: resident while > 0 */
    uint8_t fill;              /* the value of every byte data does not hold */
    uint8_t pageable : 1;      /* may be trimmed (paged pool) */
    uint8_t windowed : 1;      /* a special pool page: data holds the window only... */
    uint8_t full : 1;          /* ...unless this is set: then all PAGE_SIZE bytes */
} mm_page;

/* One MmProbeAndLockPages not undone yet. */
typedef struct mm_lock {
    PVOID_VA mdl;
    uint32_t pages;
    uint8_t process;          /* the process index whose context it was made in */
    struct io_driver *driver; /* the caller; NULL = harness code */
} mm_lock;

/* How many of mm_lookup's answers are kept (a power of two). */
#define MM_RECENT_PAGES 8u

typedef struct mm_space {
    ke_arch arch;
    des_map pages; /* virtual page number -> mm_page */
    uint64_t mapped_pages;
    uint64_t touched_pages; /* pages holding host contents */
    uint64_t trim_epoch;    /* bumped by mm_trim */
    uint64_t model_trims;   /* of those, the paging model's (mm_paging_raise) */
    /* Pages locked by MmProbeAndLockPages and not unlocked yet, in locking
     * order (mdl.c): what a process that ends must not leave behind. */
    struct mm_lock *locks;
    uint32_t lock_count, lock_capacity;
    uint32_t next_pfn; /* physical pages are numbered as they are mapped */
    /* Unmapped page records kept for the next mapping (linked through
     * data), at most MM_SPARE_PAGES: special pool maps and unmaps a page
     * per allocation. */
    mm_page *spare;
    uint32_t spare_count;
    /* The end of the highest page either pool region ever mapped (0: none).
     * The pools hand out addresses upwards and never reuse them, so an
     * unmapped pool address below it was mapped once and freed: 0x50's
     * fault type tells the two apart. */
    PVOID_VA pool_top[2]; /* [0] nonpaged, [1] paged */
    struct mm_user *user;  /* applications' user ranges (user.c), created lazily */
    struct mm_sysva_list *sysva; /* system PTE mappings (iospace.c), created lazily */
    /* mm_lookup's recent answers, by the page number's low bits: a page
     * leaves when it is unmapped. Never part of what the run observes. */
    struct {
        uint64_t vpn;
        mm_page *page; /* NULL: empty */
    } recent[MM_RECENT_PAGES];
} mm_space;

#define MM_SPARE_PAGES 256u

/* Address layout: where each region starts, per architecture. */
typedef enum mm_region {
    MM_REGION_NONPAGED_POOL,
    MM_REGION_PAGED_POOL,
    MM_REGION_SYSTEM_IMAGES, /* driver images and kernel objects */
    MM_REGION_SPECIAL_POOL,  /* special pool: a guard page, then a data page, per slot */
    MM_REGION_SYSTEM_PTES,   /* I/O space, contiguous and non-cached memory (iospace.c) */
    MM_REGION_KERNEL_STACKS, /* threads' kernel stacks, a slot per thread id (iospace.c) */
} mm_region;

PVOID_VA mm_region_base(ke_arch arch, mm_region region);
/* The first address past a region: a pool that reaches it is exhausted. */
PVOID_VA mm_region_end(ke_arch arch, mm_region region);

/* ntoskrnl.exe's exports (exports.c): the address of a DDI's export, and
 * the DDI an address is the export of (false if none, or a WDK inline). */
PVOID_VA mm_export_address(ke_arch arch, uint16_t ddi);
bool mm_export_ddi(ke_arch arch, PVOID_VA va, uint16_t *ddi);
/* The routine at a kernel address, exported or not (a DMA_OPERATIONS member
 * is reached through its table only): false when va is no routine's. */
bool mm_kernel_routine_ddi(ke_arch arch, PVOID_VA va, uint16_t *ddi);

/* The most `memory` a machine may have: what the pool regions can hold on
 * x64; 4 GB (PAE's reach in kernel space terms) on x86. */
uint64_t mm_memory_limit(ke_arch arch);

/* Host memory that written simulated pages may take before the run stops
 * with a limit outcome (4 KiB of host memory per written page). */
#define MM_TOUCHED_LIMIT_BYTES (4ull << 30)

/* Mapped pages cost a page-table entry of host memory each (about 64 bytes
 * with the map): past this many, allocation stops the run with a limit
 * outcome. 32 GiB of simulated pages; page ranges would lift it. */
#define MM_MAPPED_LIMIT_PAGES (8ull << 20)

mm_space *mm_create(ke_arch arch);
void mm_destroy(mm_space *mm);

/* Maps page_count pages at va (page aligned), every byte fill_byte. Already
 * mapped pages are left as they are. False when the host is out of memory. */
bool mm_map(mm_space *mm, PVOID_VA va, uint64_t page_count, uint8_t fill_byte, bool pageable);

/* Maps one page of the kernel's own image at va (page aligned, not mapped),
 * zeroed, with physical page number pfn: the kernel image lies in the
 * first 16 MiB, below the pages mm_map numbers, so no other page's number
 * moves. False when the host is out of memory. */
bool mm_map_kernel_page(mm_space *mm, PVOID_VA va, uint32_t pfn);

/* Maps one special pool page at va (page aligned, not mapped): every byte
 * fill_byte, host storage for [win_off, win_off + win_len) only once written.
 * False when the host is out of memory. */
bool mm_map_windowed(mm_space *mm, PVOID_VA va, uint8_t fill_byte, uint16_t win_off,
                     uint16_t win_len, bool pageable);

/* Unmaps page_count pages at va; later accesses fault. */
void mm_unmap(mm_space *mm, PVOID_VA va, uint64_t page_count);

/* The page holding va, or NULL when unmapped. */
mm_page *mm_lookup(const mm_space *mm, PVOID_VA va);

/* A driver's fill of len bytes at va with byte, checked as mm_access is;
 * whole pages take no host memory. False when it faulted. */
bool mm_access_fill(ke_call *call, PVOID_VA va, uint64_t len, uint8_t byte);

/* Sets len bytes at va to byte (all mapped: a caller bug otherwise). Whole
 * pages go back to their sparse form. */
void mm_fill(mm_space *mm, PVOID_VA va, uint64_t len, uint8_t byte);

/* Copies between simulated and host memory with no checks and no paging,
 * for the kernel's own bookkeeping. False if any byte is unmapped (nothing is
 * copied then). */
bool mm_peek(const mm_space *mm, PVOID_VA va, void *buf, size_t len);
bool mm_poke(mm_space *mm, PVOID_VA va, const void *buf, size_t len);

/* Makes every pageable page non-resident (force IRQL checking's trim). */
void mm_trim(mm_space *mm);

/*
 * The paging model: without force IRQL checking, whether a pageable page
 * (paged pool, a driver's PAGE section) is resident when code at
 * DISPATCH_LEVEL touches it depends on what the working set manager did
 * meanwhile. drvsim decides at every raise of a processor from below
 * DISPATCH_LEVEL to DISPATCH_LEVEL or above (KeRaiseIrql, a spin lock, a
 * DPC or an ISR starting): with probability MM_TRIM_CHANCE_NUM /
 * MM_TRIM_CHANCE_DEN, drawn from the run's "paging" stream, the working set
 * was just trimmed and every pageable page that is not locked is out. So a
 * driver that touches paged memory at DISPATCH_LEVEL crashes on some seeds
 * and not others, as it does on some machines and days; `drvsim sweep`
 * finds the seeds. 1 in 50 is drvsim's choice: a machine under steady
 * memory pressure, whose balance set manager trims the system working set
 * several times a second while a driver raises a few hundred times. The
 * model's trims are the memory manager's, not the verifier's: they are not
 * counted in `Trims`.
 */
#define MM_TRIM_CHANCE_NUM 1u
#define MM_TRIM_CHANCE_DEN 50u
/* The trim mm_paging_raise drew. */
void mm_paging_trim(ke_machine *m);
/* Inline: every raise to DISPATCH_LEVEL draws (KeRaiseIrql from Lua is the
 * cheapest DDI call; issue 18 item 5). */
static inline void mm_paging_raise(ke_machine *m)
{
    if (des_rng_chance(&m->rng_paging, MM_TRIM_CHANCE_NUM, MM_TRIM_CHANCE_DEN))
        mm_paging_trim(m);
}

/*
 * An instruction fetch at va (a page of pageable code) by call's driver: a
 * non-resident page below DISPATCH_LEVEL is paged in; at or above it the
 * fault is 0xD1 with P3 = 8 (execute) and P4 = va. False if it faulted.
 */
bool mm_execute(ke_call *call, PVOID_VA va);

/*
 * A driver's (or the harness') load or store of len bytes at va. A fault
 * raises the bug check Windows would (0xD1 at DISPATCH_LEVEL and above in a
 * driver, 0x0A outside one, 0x50 below DISPATCH_LEVEL) and returns false.
 */
bool mm_access(ke_call *call, PVOID_VA va, void *buf, size_t len, bool write);

/* ------------------------------------------------------------------------ */
/* Applications' user address space (user.c)                                */
/* ------------------------------------------------------------------------ */

/* MmUserProbeAddress on an architecture. */
PVOID_VA mm_user_probe_address(ke_arch arch);

/* Whether va lies in another process's user range than the current one
 * (not there in this context). */
bool mm_user_foreign(const ke_call *call, PVOID_VA va);

/* A fault on va: when it is a user address of drvsim's ranges, below
 * DISPATCH_LEVEL, raises STATUS_ACCESS_VIOLATION in the caller
 * (call->raised) and returns true; otherwise false (the kernel's fault). */
bool mm_user_fault(ke_call *call, PVOID_VA va);

/* Allocates zeroed pages of process p's user range (VirtualAlloc), 0 when
 * the range is full; frees them (VirtualFree: false if not p's). */
PVOID_VA mm_user_alloc(ke_machine *m, const ps_process *p, uint64_t bytes);
bool mm_user_free(ke_machine *m, const ps_process *p, PVOID_VA va, uint64_t bytes);
void mm_user_destroy(mm_space *mm);

/* ------------------------------------------------------------------------ */
/* System PTE mappings: I/O space, contiguous and non-cached memory,       */
/* pages for MDLs (iospace.c)                                               */
/* ------------------------------------------------------------------------ */

typedef enum mm_sysva_kind {
    MM_SYSVA_IO_SPACE,   /* MmMapIoSpace(Ex) */
    MM_SYSVA_CONTIGUOUS, /* MmAllocateContiguousMemory(SpecifyCache) */
    MM_SYSVA_NONCACHED,  /* MmAllocateNonCachedMemory */
    MM_SYSVA_MDL_PAGES,  /* MmAllocatePagesForMdl(Ex): the pages an MDL describes */
} mm_sysva_kind;

/* One live mapping: its first page's address, its bytes as asked for. */
typedef struct mm_sysva {
    PVOID_VA va;
    uint64_t bytes;
    uint64_t pages;
    uint8_t kind;             /* mm_sysva_kind */
    struct io_driver *driver; /* the caller; NULL = harness code */
} mm_sysva;

/*
 * Kernel stacks: the memory of a driver's local variables (a structure a
 * routine declares on its stack). Each thread id has a slot of
 * MM_KERNEL_STACK_SLOT bytes; its KERNEL_STACK_SIZE top bytes are the
 * stack, mapped on first use, handed out downwards and never popped (a
 * scenario routine's locals live until its thread ends). 0 when the stack
 * is full or the thread id has no slot.
 */
#define MM_KERNEL_STACK_SLOT 0x8000u
PVOID_VA mm_stack_alloc(ke_machine *m, uint32_t thread_id, uint32_t bytes, uint32_t align);
/* Whether va lies in a thread's kernel stack. */
bool mm_on_kernel_stack(const ke_machine *m, PVOID_VA va);

/* The live mapping whose range holds va, or NULL. */
const mm_sysva *mm_sysva_find(const mm_space *mm, PVOID_VA va);
void mm_sysva_destroy(mm_space *mm);

#endif /* DRVSIM_MM_H */
