/*
 * dma.c - the HAL's DMA for bus-master devices: IoGetDmaAdapter (and the
 * obsolete HalGetAdapter), and the version 2 DMA_OPERATIONS a DMA_ADAPTER
 * points to: PutDmaAdapter, AllocateCommonBuffer, FreeCommonBuffer,
 * AllocateAdapterChannel, FlushAdapterBuffers, FreeAdapterChannel,
 * FreeMapRegisters, MapTransfer, GetDmaAlignment, ReadDmaCounter,
 * GetScatterGatherList, PutScatterGatherList, CalculateScatterGatherList,
 * BuildScatterGatherList.
 *
 * Every adapter has a map register file: HAL_DMA_MAX_MAP_REGISTERS pages at
 * most, physically contiguous, of which the adapter's NumberOfMapRegisters
 * are its own. Every transfer is double-buffered through it, as Windows does
 * for a device that cannot reach the buffer's pages and as DMA verification
 * does for every transfer: MapTransfer copies a transfer to the device into
 * its map registers, FlushAdapterBuffers copies a transfer from the device
 * back into the buffer. A driver that does not flush a read keeps the stale
 * bytes, deterministically; a device that writes past what was mapped writes
 * into the register's page, not into the driver's memory. Scatter/gather
 * lists are built over map registers too (one element per page) and copied
 * back by PutScatterGatherList. Common buffers are physically contiguous
 * memory (sim/mm/iospace.c); their logical address is their physical one
 * (no IOMMU). System (slave) DMA is not simulated: IoGetDmaAdapter returns
 * NULL for a description that is not Master.
 *
 * The channel: one adapter channel at a time. AllocateAdapterChannel calls
 * the ExecutionRoutine at once (at the caller's IRQL, DISPATCH_LEVEL as
 * documented) when the channel and enough contiguous map registers are free;
 * otherwise the request waits, in order, and runs when FreeAdapterChannel,
 * FreeMapRegisters or an ExecutionRoutine's DeallocateObject frees them. The
 * routine's IO_ALLOCATION_ACTION: KeepObject keeps channel and registers
 * (FreeAdapterChannel frees both), DeallocateObject frees both,
 * DeallocateObjectKeepRegisters frees the channel and keeps the registers
 * (FreeMapRegisters frees them). GetScatterGatherList runs its routine at
 * once, or returns STATUS_INSUFFICIENT_RESOURCES when the map registers are
 * taken (Windows would queue it: not simulated).
 *
 * Bad arguments without the verifier: an adapter pointer is read as the
 * HAL reads it (a bad one faults); a free of something never allocated is
 * ignored (Windows corrupts its lists). DMA verification (/flags 0x80)
 * reports them (vf/dma_verify.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "hal/hal.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mdl.h"
#include "mm/mm.h"

#define HAL_POOL_TAG 0x20414D44u /* "DMA " */
#define STATUS_SUCCESS_ 0
#define STATUS_INSUFFICIENT_RESOURCES_ ((NTSTATUS)0xC000009Au)
#define STATUS_BUFFER_TOO_SMALL_       ((NTSTATUS)0xC0000023u)
#define STATUS_INVALID_PARAMETER_      ((NTSTATUS)0xC000000Du)

static const uint16_t operations[] = {
    DDI_PutDmaAdapter,        DDI_AllocateCommonBuffer,   DDI_FreeCommonBuffer,
    DDI_AllocateAdapterChannel, DDI_FlushAdapterBuffers,  DDI_FreeAdapterChannel,
    DDI_FreeMapRegisters,     DDI_MapTransfer,            DDI_GetDmaAlignment,
    DDI_ReadDmaCounter,       DDI_GetScatterGatherList,   DDI_PutScatterGatherList,
    DDI_CalculateScatterGatherList, DDI_BuildScatterGatherList,
};

static uint32_t ptr_size(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? 4u : 8u;
}

static hal_dma *dma_of(ke_machine *m)
{
    if (m->dma == NULL)
        m->dma = calloc(1, sizeof *m->dma);
    return m->dma;
}

hal_adapter *hal_dma_adapter(const ke_machine *m, PVOID_VA va)
{
    for (hal_adapter *a = m->dma != NULL ? m->dma->adapters : NULL; a != NULL; a = a->next) {
        if (a->va == va && va != 0)
            return a;
    }
    return NULL;
}

int32_t hal_dma_register_index(const hal_adapter *a, PVOID_VA MapRegisterBase)
{
    if (MapRegisterBase < a->file || (MapRegisterBase - a->file) % PAGE_SIZE != 0 ||
        (MapRegisterBase - a->file) / PAGE_SIZE >= a->map_registers)
        return -1;
    return (int32_t)((MapRegisterBase - a->file) / PAGE_SIZE);
}

int32_t hal_dma_register_for(const hal_adapter *a, PVOID_VA MapRegisterBase, PVOID_VA mdl_va,
                             PVOID_VA CurrentVa)
{
    int32_t base = hal_dma_register_index(a, MapRegisterBase);
    if (base < 0 || CurrentVa < (mdl_va & ~(PVOID_VA)(PAGE_SIZE - 1)))
        return -1;
    uint64_t page = (CurrentVa / PAGE_SIZE) - (mdl_va / PAGE_SIZE);
    if ((uint64_t)base + page >= a->map_registers)
        return -1;
    return base + (int32_t)page;
}

hal_common_buffer *hal_dma_common_buffer(hal_adapter *a, PVOID_VA va)
{
    for (uint32_t i = 0; i < a->buffer_count; i++) {
        if (a->buffers[i].va == va)
            return &a->buffers[i];
    }
    return NULL;
}

hal_sg_list *hal_dma_sg_list(hal_adapter *a, PVOID_VA va)
{
    for (uint32_t i = 0; i < a->list_count; i++) {
        if (a->lists[i].list == va)
            return &a->lists[i];
    }
    return NULL;
}

uint32_t hal_dma_registers_allocated(const hal_adapter *a)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->map_registers; i++)
        n += a->regs[i].state != HAL_REG_FREE;
    return n;
}

uint32_t hal_dma_registers_mapped(const hal_adapter *a, uint32_t first, uint32_t count)
{
    uint32_t n = 0;
    for (uint32_t i = first; i < first + count && i < a->map_registers; i++)
        n += a->regs[i].state == HAL_REG_MAPPED;
    return n;
}

/* Reads the adapter pointer as the HAL does (a bad one faults as the
 * driver's own read would); NULL when it is no adapter. */
static hal_adapter *adapter_of(ke_call *call, PVOID_VA DmaAdapter)
{
    uint16_t version = 0;
    if (!mm_access(call, DmaAdapter, &version, sizeof version, false))
        return NULL;
    return hal_dma_adapter(call->m, DmaAdapter);
}

/* The first run of `count` free map registers, or -1. */
static int32_t find_free(const hal_adapter *a, uint32_t count)
{
    for (uint32_t i = 0; i + count <= a->map_registers; i++) {
        uint32_t n = 0;
        while (n < count && a->regs[i + n].state == HAL_REG_FREE)
            n++;
        if (n == count)
            return (int32_t)i;
        i += n;
    }
    return count == 0 ? 0 : -1;
}

static void registers_free(hal_adapter *a, uint32_t first, uint32_t count)
{
    for (uint32_t i = first; i < first + count && i < a->map_registers; i++)
        memset(&a->regs[i], 0, sizeof a->regs[i]);
}

static void registers_take(hal_adapter *a, uint32_t first, uint32_t count, bool sg)
{
    for (uint32_t i = first; i < first + count; i++) {
        memset(&a->regs[i], 0, sizeof a->regs[i]);
        a->regs[i].state = HAL_REG_ALLOCATED;
        a->regs[i].sg = sg;
    }
}

static bool grow(void **items, uint32_t *capacity, uint32_t count, size_t size)
{
    if (count < *capacity)
        return true;
    uint32_t n = *capacity ? 2 * *capacity : 8;
    void *p = realloc(*items, n * size);
    if (p == NULL)
        return false;
    *items = p;
    *capacity = n;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Adapters                                                                 */
/* ------------------------------------------------------------------------ */

static PVOID_VA operations_table(ke_machine *m)
{
    hal_dma *d = dma_of(m);
    if (d == NULL)
        return 0;
    if (d->operations != 0)
        return d->operations;
    ke_arch arch = m->config.arch;
    uint32_t size = ke_types[KE_TYPE_DMA_OPERATIONS].size[arch];
    PVOID_VA t = ex_alloc_internal(m, NonPagedPoolNx, size, HAL_POOL_TAG);
    if (t == 0)
        return 0;
    uint32_t ps = ptr_size(m);
    mm_poke(m->mm, t, &size, 4);
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++) {
        PVOID_VA r = mm_export_address(arch, operations[i]);
        mm_poke(m->mm, t + ps + i * ps, &r, ps);
    }
    d->operations = t;
    return t;
}

static PVOID_VA get_adapter(ke_call *call, PVOID_VA device, PVOID_VA DeviceDescription,
                            ULONG *NumberOfMapRegisters)
{
    ke_machine *m = call->m;
    *NumberOfMapRegisters = 0;
    uint8_t desc[0x40];
    if (!mm_access(call, DeviceDescription, desc, sizeof desc, false))
        return 0;
    uint32_t version, maximum_length;
    memcpy(&version, desc, 4);
    memcpy(&maximum_length, desc + 32, 4);
    bool master = desc[4] != 0, scatter_gather = desc[5] != 0, dma64 = desc[11] != 0;
    if (version > DEVICE_DESCRIPTION_VERSION3 || !master)
        return 0; /* an unknown version; system DMA (not simulated) */
    hal_dma *d = dma_of(m);
    hal_adapter *a = calloc(1, sizeof *a);
    PVOID_VA ops = operations_table(m);
    if (d == NULL || a == NULL || ops == 0) {
        free(a);
        return 0;
    }
    uint32_t pages = (maximum_length + PAGE_SIZE - 1) / PAGE_SIZE + 1;
    a->map_registers = pages > HAL_DMA_MAX_MAP_REGISTERS ? HAL_DMA_MAX_MAP_REGISTERS : pages;
    a->file = MmAllocateContiguousMemorySpecifyCache(call, (uint64_t)a->map_registers * PAGE_SIZE,
                                                     0, 0xFFFFFFFFu, 0, 1 /* MmCached */);
    ke_arch arch = m->config.arch;
    uint32_t size = ke_types[KE_TYPE_DMA_ADAPTER].size[arch];
    a->va = ex_alloc_internal(m, NonPagedPoolNx, size, HAL_POOL_TAG);
    if (a->file == 0 || a->va == 0) {
        if (a->file != 0)
            MmFreeContiguousMemory(call, a->file);
        free(a);
        return 0;
    }
    a->file_logical = MmGetPhysicalAddress(call, a->file);
    mm_fill(m->mm, a->file, (uint64_t)a->map_registers * PAGE_SIZE, 0);
    uint16_t header[2] = {1, (uint16_t)size}; /* DMA_ADAPTER.Version, Size */
    mm_poke(m->mm, a->va, header, sizeof header);
    mm_poke(m->mm, a->va + ptr_size(m), &ops, ptr_size(m));
    a->device = device;
    a->version = version;
    a->scatter_gather = scatter_gather;
    a->dma64 = dma64;
    a->maximum_length = maximum_length;
    a->next = d->adapters;
    d->adapters = a;
    *NumberOfMapRegisters = a->map_registers;
    return a->va;
}

PVOID_VA IoGetDmaAdapter(ke_call *call, PVOID_VA PhysicalDeviceObject, PVOID_VA DeviceDescription,
                         ULONG *NumberOfMapRegisters)
{
    *NumberOfMapRegisters = 0;
    if (io_device_at(call->m, PhysicalDeviceObject) == NULL)
        return 0;
    return get_adapter(call, PhysicalDeviceObject, DeviceDescription, NumberOfMapRegisters);
}

PVOID_VA HalGetAdapter(ke_call *call, PVOID_VA DeviceDescription, ULONG *NumberOfMapRegisters)
{
    return get_adapter(call, 0, DeviceDescription, NumberOfMapRegisters);
}

void PutDmaAdapter(ke_call *call, PVOID_VA DmaAdapter)
{
    hal_adapter *a = adapter_of(call, DmaAdapter);
    if (a != NULL)
        a->put = true; /* what it still holds stays lost, as on Windows */
}

ULONG GetDmaAlignment(ke_call *call, PVOID_VA DmaAdapter)
{
    (void)adapter_of(call, DmaAdapter);
    return 1; /* HalGetDmaAlignmentRequirement on x86 and x64 */
}

ULONG ReadDmaCounter(ke_call *call, PVOID_VA DmaAdapter)
{
    /* Bytes left of the current system DMA transfer: a bus master has none. */
    (void)adapter_of(call, DmaAdapter);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Common buffers                                                           */
/* ------------------------------------------------------------------------ */

PVOID_VA AllocateCommonBuffer(ke_call *call, PVOID_VA DmaAdapter, ULONG Length,
                              uint64_t *LogicalAddress, bool CacheEnabled)
{
    (void)CacheEnabled; /* simulated memory has no caches */
    *LogicalAddress = 0;
    hal_adapter *a = adapter_of(call, DmaAdapter);
    if (a == NULL || Length == 0 ||
        !grow((void **)&a->buffers, &a->buffer_capacity, a->buffer_count, sizeof *a->buffers))
        return 0;
    PVOID_VA va = MmAllocateContiguousMemorySpecifyCache(
        call, Length, 0, a->dma64 ? UINT64_MAX : 0xFFFFFFFFu, 0, 1 /* MmCached */);
    if (va == 0)
        return 0;
    mm_fill(call->m->mm, va, Length, 0);
    *LogicalAddress = MmGetPhysicalAddress(call, va);
    a->buffers[a->buffer_count++] =
        (hal_common_buffer){.va = va, .logical = *LogicalAddress, .length = Length};
    a->buffers_allocated++;
    return va;
}

void FreeCommonBuffer(ke_call *call, PVOID_VA DmaAdapter, ULONG Length, uint64_t LogicalAddress,
                      PVOID_VA VirtualAddress, bool CacheEnabled)
{
    (void)Length, (void)LogicalAddress, (void)CacheEnabled;
    hal_adapter *a = adapter_of(call, DmaAdapter);
    hal_common_buffer *b = a != NULL ? hal_dma_common_buffer(a, VirtualAddress) : NULL;
    if (b == NULL)
        return;
    MmFreeContiguousMemory(call, b->va);
    *b = a->buffers[--a->buffer_count];
    a->buffers_freed++;
}

/* ------------------------------------------------------------------------ */
/* The adapter channel and map registers                                    */
/* ------------------------------------------------------------------------ */

static PVOID_VA current_irp(ke_call *call, PVOID_VA device)
{
    uint64_t irp = 0;
    const ke_field *f = KE_FIELD(DEVICE_OBJECT, CurrentIrp);
    if (device == 0 || !mm_peek(call->m->mm, device + f->offset[call->m->config.arch], &irp,
                                ke_field_size(call->m->config.arch, f)))
        return 0;
    return irp;
}

/* Pushes the ExecutionRoutine of a granted request (kind 0: the channel's
 * DRIVER_CONTROL, 1: a scatter/gather list's DRIVER_LIST_CONTROL). */
static bool push_routine(ke_call *call, hal_adapter *a, uint8_t step, struct io_driver *driver,
                         uint32_t routine, PVOID_VA device, PVOID_VA third, PVOID_VA context)
{
    if (!ke_callout_stack_room(call))
        return false;
    ke_exec *e = call->exec;
    ke_callout *c = &e->callouts[e->callout_count++];
    memset(c, 0, sizeof *c);
    c->kind = KE_CALLOUT_DMA;
    c->routine = routine;
    c->driver = driver;
    c->name = "ExecutionRoutine";
    c->args[0] = device;
    c->arg_types[0] = KE_TYPE_DEVICE_OBJECT;
    c->args[1] = current_irp(call, device);
    c->arg_types[1] = KE_TYPE_IRP;
    c->args[2] = third;
    c->arg_types[2] = step == 0 ? KE_TYPE_NONE : KE_TYPE_SCATTER_GATHER_LIST;
    c->args[3] = context;
    c->argc = 4;
    c->returns = step == 0 ? KE_RETURNS_STATUS : KE_RETURNS_NOTHING;
    c->step = step;
    c->queue = a->va;
    c->old_irql = ke_call_irql(call);
    call->callout = true;
    return true;
}

/* Grants the first waiting request the channel and registers allow. */
static void run_waiting(ke_call *call, hal_adapter *a)
{
    if (a->wait_count == 0 || a->channel || call->callout)
        return;
    hal_wait w = a->waits[0];
    int32_t first = find_free(a, w.count);
    if (first < 0)
        return;
    memmove(&a->waits[0], &a->waits[1], (a->wait_count - 1) * sizeof a->waits[0]);
    a->wait_count--;
    registers_take(a, (uint32_t)first, w.count, false);
    a->channel = true;
    a->channel_first = (uint32_t)first;
    a->channel_count = w.count;
    a->channels_allocated++;
    push_routine(call, a, 0, w.driver, w.routine, w.device,
                 w.count != 0 ? a->file + (uint64_t)first * PAGE_SIZE : 0, w.context);
}

NTSTATUS AllocateAdapterChannel(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA DeviceObject,
                                ULONG NumberOfMapRegisters, uint32_t ExecutionRoutine,
                                PVOID_VA Context)
{
    hal_adapter *a = adapter_of(call, DmaAdapter);
    if (a == NULL)
        return STATUS_INVALID_PARAMETER_;
    if (NumberOfMapRegisters > a->map_registers ||
        !grow((void **)&a->waits, &a->wait_capacity, a->wait_count, sizeof *a->waits))
        return STATUS_INSUFFICIENT_RESOURCES_;
    a->waits[a->wait_count++] = (hal_wait){.driver = call->driver,
                                           .routine = ExecutionRoutine,
                                           .device = DeviceObject,
                                           .context = Context,
                                           .count = NumberOfMapRegisters};
    run_waiting(call, a); /* at once if the channel is free, else in turn */
    return STATUS_SUCCESS_;
}

static void channel_release(ke_call *call, hal_adapter *a, bool keep_registers)
{
    if (!a->channel)
        return;
    a->channel = false;
    a->channels_freed++;
    for (uint32_t i = a->channel_first; i < a->channel_first + a->channel_count; i++)
        a->regs[i].kept = keep_registers;
    if (!keep_registers)
        registers_free(a, a->channel_first, a->channel_count);
    a->channel_count = 0;
    run_waiting(call, a);
}

void FreeAdapterChannel(ke_call *call, PVOID_VA DmaAdapter)
{
    hal_adapter *a = adapter_of(call, DmaAdapter);
    if (a != NULL)
        channel_release(call, a, false);
}

void FreeMapRegisters(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA MapRegisterBase,
                      ULONG NumberOfMapRegisters)
{
    hal_adapter *a = adapter_of(call, DmaAdapter);
    int32_t first = a != NULL ? hal_dma_register_index(a, MapRegisterBase) : -1;
    if (first < 0)
        return;
    for (uint32_t i = (uint32_t)first; i < (uint32_t)first + NumberOfMapRegisters; i++) {
        if (i < a->map_registers && a->regs[i].kept)
            registers_free(a, i, 1);
    }
    run_waiting(call, a);
}

/* The system address of the MDL's bytes at CurrentVa. */
static PVOID_VA system_address(const mdl_view *v, PVOID_VA CurrentVa)
{
    PVOID_VA mdl_va = v->start_va + v->byte_offset;
    if ((v->flags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) != 0 &&
        v->mapped_va != 0)
        return v->mapped_va + (CurrentVa - mdl_va);
    return CurrentVa;
}

/* Copies between a buffer and the map registers from `first` on: into the
 * registers (to_registers) or out of them; false if a page faulted. */
static bool copy_through(ke_call *call, hal_adapter *a, uint32_t first, PVOID_VA sys,
                         PVOID_VA current, uint32_t length, bool to_registers)
{
    uint8_t page[PAGE_SIZE];
    PVOID_VA reg = a->file + (uint64_t)first * PAGE_SIZE + (current & (PAGE_SIZE - 1));
    uint32_t done = 0;
    while (done < length) {
        uint32_t n = length - done > PAGE_SIZE ? PAGE_SIZE : length - done;
        if (to_registers) {
            if (!mm_access(call, sys + done, page, n, false))
                return false;
            mm_poke(call->m->mm, reg + done, page, n);
        } else {
            mm_peek(call->m->mm, reg + done, page, n);
            if (!mm_access(call, sys + done, page, n, true))
                return false;
        }
        done += n;
    }
    return true;
}

uint64_t MapTransfer(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA Mdl, PVOID_VA MapRegisterBase,
                     PVOID_VA CurrentVa, PVOID_VA Length, bool WriteToDevice)
{
    hal_adapter *a = adapter_of(call, DmaAdapter);
    uint32_t length = 0;
    mdl_view v;
    if (a == NULL || !mm_access(call, Length, &length, 4, false) || !mdl_read(call->m, Mdl, &v))
        return 0;
    int32_t first = hal_dma_register_for(a, MapRegisterBase, v.start_va + v.byte_offset, CurrentVa);
    if (first < 0) {
        length = 0;
        mm_access(call, Length, &length, 4, true);
        return 0;
    }
    /* As much as the map registers from `first` on hold. */
    uint64_t room = (uint64_t)(a->map_registers - (uint32_t)first) * PAGE_SIZE -
                    (CurrentVa & (PAGE_SIZE - 1));
    if (length > room)
        length = (uint32_t)room;
    PVOID_VA sys = system_address(&v, CurrentVa);
    if (WriteToDevice && !copy_through(call, a, (uint32_t)first, sys, CurrentVa, length, true))
        return 0;
    uint32_t off = (uint32_t)(CurrentVa & (PAGE_SIZE - 1)), left = length;
    for (uint32_t i = (uint32_t)first; left > 0 || i == (uint32_t)first; i++) {
        uint32_t n = PAGE_SIZE - off < left ? PAGE_SIZE - off : left;
        hal_map_register *r = &a->regs[i];
        r->state = HAL_REG_MAPPED;
        r->write_to_device = WriteToDevice;
        r->current_va = CurrentVa + (length - left);
        r->system_va = sys + (length - left);
        r->offset = off;
        r->length = n;
        r->mdl = Mdl;
        left -= n;
        off = 0;
        if (left == 0)
            break;
    }
    mm_access(call, Length, &length, 4, true);
    return a->file_logical + (uint64_t)first * PAGE_SIZE + (CurrentVa & (PAGE_SIZE - 1));
}

bool FlushAdapterBuffers(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA Mdl, PVOID_VA MapRegisterBase,
                         PVOID_VA CurrentVa, ULONG Length, bool WriteToDevice)
{
    hal_adapter *a = adapter_of(call, DmaAdapter);
    mdl_view v;
    if (a == NULL || !mdl_read(call->m, Mdl, &v))
        return false;
    int32_t first = hal_dma_register_for(a, MapRegisterBase, v.start_va + v.byte_offset, CurrentVa);
    if (first < 0)
        return false;
    uint64_t room = (uint64_t)(a->map_registers - (uint32_t)first) * PAGE_SIZE -
                    (CurrentVa & (PAGE_SIZE - 1));
    uint32_t length = Length > room ? (uint32_t)room : Length;
    if (!WriteToDevice &&
        !copy_through(call, a, (uint32_t)first, system_address(&v, CurrentVa), CurrentVa, length,
                      false))
        return false;
    uint32_t pages = (uint32_t)(((CurrentVa & (PAGE_SIZE - 1)) + length + PAGE_SIZE - 1) / PAGE_SIZE);
    for (uint32_t i = (uint32_t)first; i < (uint32_t)first + pages && i < a->map_registers; i++) {
        if (a->regs[i].state == HAL_REG_MAPPED)
            a->regs[i].state = HAL_REG_FLUSHED;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Scatter/gather lists                                                     */
/* ------------------------------------------------------------------------ */

static uint32_t span_pages(PVOID_VA va, uint32_t length)
{
    return (uint32_t)(((va & (PAGE_SIZE - 1)) + length + PAGE_SIZE - 1) / PAGE_SIZE);
}

static uint32_t list_bytes(const ke_machine *m, uint32_t elements)
{
    ke_arch arch = m->config.arch;
    return ke_types[KE_TYPE_SCATTER_GATHER_LIST].size[arch] +
           elements * ke_types[KE_TYPE_SCATTER_GATHER_ELEMENT].size[arch];
}

NTSTATUS CalculateScatterGatherList(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA Mdl,
                                    PVOID_VA CurrentVa, ULONG Length, ULONG *ScatterGatherListSize,
                                    ULONG *NumberOfMapRegisters)
{
    (void)Mdl;
    *ScatterGatherListSize = 0;
    *NumberOfMapRegisters = 0;
    if (adapter_of(call, DmaAdapter) == NULL)
        return STATUS_INVALID_PARAMETER_;
    uint32_t pages = span_pages(CurrentVa, Length);
    *ScatterGatherListSize = list_bytes(call->m, pages);
    *NumberOfMapRegisters = pages;
    return STATUS_SUCCESS_;
}

static NTSTATUS build_list(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA DeviceObject, PVOID_VA Mdl,
                           PVOID_VA CurrentVa, ULONG Length, uint32_t ExecutionRoutine,
                           PVOID_VA Context, bool WriteToDevice, PVOID_VA buffer,
                           ULONG buffer_length)
{
    ke_machine *m = call->m;
    hal_adapter *a = adapter_of(call, DmaAdapter);
    mdl_view v;
    if (a == NULL || !mdl_read(m, Mdl, &v) || Length == 0)
        return STATUS_INVALID_PARAMETER_;
    uint32_t pages = span_pages(CurrentVa, Length);
    uint32_t bytes = list_bytes(m, pages);
    if (buffer != 0 && buffer_length < bytes)
        return STATUS_BUFFER_TOO_SMALL_;
    int32_t first = find_free(a, pages);
    if (pages > a->map_registers || first < 0 ||
        !grow((void **)&a->lists, &a->list_capacity, a->list_count, sizeof *a->lists))
        return STATUS_INSUFFICIENT_RESOURCES_;
    PVOID_VA list = buffer != 0 ? buffer : ex_alloc_internal(m, NonPagedPoolNx, bytes, HAL_POOL_TAG);
    if (list == 0)
        return STATUS_INSUFFICIENT_RESOURCES_;
    registers_take(a, (uint32_t)first, pages, true);
    PVOID_VA sys = system_address(&v, CurrentVa);
    if (WriteToDevice && !copy_through(call, a, (uint32_t)first, sys, CurrentVa, Length, true))
        return STATUS_INSUFFICIENT_RESOURCES_;
    ke_arch arch = m->config.arch;
    uint32_t header = ke_types[KE_TYPE_SCATTER_GATHER_LIST].size[arch];
    uint32_t element = ke_types[KE_TYPE_SCATTER_GATHER_ELEMENT].size[arch];
    uint8_t zero[0x18] = {0};
    mm_poke(m->mm, list, zero, header);
    mm_poke(m->mm, list, &pages, 4);
    uint32_t off = (uint32_t)(CurrentVa & (PAGE_SIZE - 1)), left = Length;
    for (uint32_t i = 0; i < pages; i++) {
        uint32_t n = PAGE_SIZE - off < left ? PAGE_SIZE - off : left;
        uint64_t address = a->file_logical + (uint64_t)(first + (int32_t)i) * PAGE_SIZE + off;
        PVOID_VA e = list + header + (uint64_t)i * element;
        mm_poke(m->mm, e, zero, element);
        mm_poke(m->mm, e, &address, 8);
        mm_poke(m->mm, e + 8, &n, 4);
        hal_map_register *r = &a->regs[(uint32_t)first + i];
        r->state = HAL_REG_MAPPED;
        r->write_to_device = WriteToDevice;
        r->current_va = CurrentVa + (Length - left);
        r->system_va = sys + (Length - left);
        r->offset = off;
        r->length = n;
        r->mdl = Mdl;
        left -= n;
        off = 0;
    }
    a->lists[a->list_count++] = (hal_sg_list){.list = list,
                                              .first = (uint32_t)first,
                                              .count = pages,
                                              .write_to_device = WriteToDevice,
                                              .driver_buffer = buffer != 0};
    a->lists_allocated++;
    push_routine(call, a, 1, call->driver, ExecutionRoutine, DeviceObject, list, Context);
    return STATUS_SUCCESS_;
}

NTSTATUS GetScatterGatherList(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA DeviceObject,
                              PVOID_VA Mdl, PVOID_VA CurrentVa, ULONG Length,
                              uint32_t ExecutionRoutine, PVOID_VA Context, bool WriteToDevice)
{
    return build_list(call, DmaAdapter, DeviceObject, Mdl, CurrentVa, Length, ExecutionRoutine,
                      Context, WriteToDevice, 0, 0);
}

NTSTATUS BuildScatterGatherList(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA DeviceObject,
                                PVOID_VA Mdl, PVOID_VA CurrentVa, ULONG Length,
                                uint32_t ExecutionRoutine, PVOID_VA Context, bool WriteToDevice,
                                PVOID_VA ScatterGatherBuffer, ULONG ScatterGatherLength)
{
    if (ScatterGatherBuffer == 0)
        return STATUS_INVALID_PARAMETER_;
    return build_list(call, DmaAdapter, DeviceObject, Mdl, CurrentVa, Length, ExecutionRoutine,
                      Context, WriteToDevice, ScatterGatherBuffer, ScatterGatherLength);
}

void PutScatterGatherList(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA ScatterGather,
                          bool WriteToDevice)
{
    (void)WriteToDevice;
    hal_adapter *a = adapter_of(call, DmaAdapter);
    hal_sg_list *l = a != NULL ? hal_dma_sg_list(a, ScatterGather) : NULL;
    if (l == NULL)
        return;
    /* A transfer from the device: its bytes go back into the buffer. */
    for (uint32_t i = l->first; i < l->first + l->count; i++) {
        hal_map_register *r = &a->regs[i];
        if (!l->write_to_device && r->state == HAL_REG_MAPPED && r->length > 0) {
            uint8_t page[PAGE_SIZE];
            mm_peek(call->m->mm, a->file + (uint64_t)i * PAGE_SIZE + r->offset, page, r->length);
            if (!mm_access(call, r->system_va, page, r->length, true))
                return;
        }
    }
    registers_free(a, l->first, l->count);
    if (!l->driver_buffer)
        ExFreePool(call, l->list);
    *l = a->lists[--a->list_count];
    a->lists_freed++;
}

uint64_t hal_dma_callout_end(ke_call *call, uint64_t result)
{
    ke_exec *e = call->exec;
    ke_callout c = e->callouts[--e->callout_count];
    hal_adapter *a = hal_dma_adapter(call->m, c.queue);
    if (c.step == 0 && a != NULL) {
        /* The DRIVER_CONTROL's IO_ALLOCATION_ACTION; any other value
         * keeps the object, as KeepObject. */
        if (result == DeallocateObject)
            channel_release(call, a, false);
        else if (result == DeallocateObjectKeepRegisters)
            channel_release(call, a, true);
    }
    return STATUS_SUCCESS_;
}

/* ------------------------------------------------------------------------ */
/* The bus-master device                                                    */
/* ------------------------------------------------------------------------ */

bool hal_dma_device_access(ke_machine *m, uint64_t logical, void *buf, uint32_t len, bool write)
{
    for (hal_adapter *a = m->dma != NULL ? m->dma->adapters : NULL; a != NULL; a = a->next) {
        PVOID_VA va = 0;
        uint64_t file_bytes = (uint64_t)a->map_registers * PAGE_SIZE;
        if (logical >= a->file_logical && logical + len <= a->file_logical + file_bytes)
            va = a->file + (logical - a->file_logical);
        for (uint32_t i = 0; va == 0 && i < a->buffer_count; i++) {
            const hal_common_buffer *b = &a->buffers[i];
            uint64_t bytes = (b->length + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
            if (logical >= b->logical && logical + len <= b->logical + bytes)
                va = b->va + (logical - b->logical);
        }
        if (va != 0)
            return write ? mm_poke(m->mm, va, buf, len) : mm_peek(m->mm, va, buf, len);
    }
    return false;
}

void hal_dma_destroy(ke_machine *m)
{
    if (m->dma == NULL)
        return;
    hal_adapter *a = m->dma->adapters;
    while (a != NULL) {
        hal_adapter *next = a->next;
        free(a->buffers);
        free(a->lists);
        free(a->waits);
        free(a);
        a = next;
    }
    free(m->dma);
    m->dma = NULL;
}
