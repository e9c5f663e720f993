/*
 * dma_verify.c - DMA verification (/flags 0x80, part of /standard; "HAL
 * verification"): the verifier's thunks over the HAL's DMA routines
 * (hal/dma.c), bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION with P1 the
 * violation (bugchecks.md, dma-verification.md).
 *
 * As Windows' DMA verifier wraps the adapter, the thunks check each call's
 * adapter (NULL 0x19, released 0x18), IRQL (0x13), and counts (too many
 * common buffers, channels, map registers or scatter/gather lists freed:
 * 0x03-0x06; released with some outstanding: 0x07-0x0A), and guard every
 * buffer:
 *   - a common buffer is allocated a page larger on each side: the 8 bytes
 *     before it and after it hold the tag "DmaVrfy0", the rest of both
 *     pages the padding 0x0F; FreeCommonBuffer checks them (0x0F, P2 1 the
 *     tag before changed, 2 the tag after, 4 the padding before, 5 after);
 *   - map registers (every transfer is double-buffered through them, hal/
 *     dma.c) are filled with 0x0F while free and around what is mapped:
 *     a flush checks the padding around the mapped bytes (P2 4, 5), an
 *     allocation or PutDmaAdapter that the free registers still hold only
 *     0x0F (P2 3).
 * The choice between close codes, where the page gives one line each:
 * 0x0C an AllocateAdapterChannel asking for more map registers than the
 * adapter has, 0x15 a scatter/gather transfer needing more; 0x0D a
 * FreeAdapterChannel while map registers are still mapped (not flushed),
 * 0x10 a FreeMapRegisters while some are; 0x16 a flush of a register whose
 * mapping was already flushed, 0x20 of one never mapped since its
 * allocation; 0x1B a CurrentVa outside the MDL, 0x24 a transfer running
 * past its end; 0x00 P2 1 a flush running past the map registers, P2 2 an
 * AllocateAdapterChannel that finds the channel free and enough free map
 * registers, but no run of them long enough (fewer free ones: it waits).
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "hal/hal.h"
#include "kd/kd.h"
#include "mm/mdl.h"
#include "mm/mm.h"
#include "vf/thunks.h"
#include "vf/vf.h"

#define DMA_PADDING 0x0Fu
static const char dma_tag[8] = {'D', 'm', 'a', 'V', 'r', 'f', 'y', '0'};

/* A common buffer as the verifier allocated it: the HAL's block, a page
 * each side of the driver's bytes. */
typedef struct vf_dma_buffer {
    PVOID_VA adapter, va, block;
    uint64_t logical;
    uint32_t length;
} vf_dma_buffer;

typedef struct vf_dma {
    vf_dma_buffer *buffers;
    uint32_t count, capacity;
    /* Map registers the verifier filled with padding since they were
     * last used, per adapter: (adapter, mask) pairs. */
    struct {
        PVOID_VA adapter;
        uint64_t guarded;
    } *guards;
    uint32_t guard_count, guard_capacity;
} vf_dma;

static vf_dma *state(ke_call *call)
{
    vf_state *vf = call->m->vf;
    if (vf->dma == NULL)
        vf->dma = calloc(1, sizeof *vf->dma);
    return vf->dma;
}

void vf_dma_destroy(struct vf_dma *d)
{
    if (d == NULL)
        return;
    free(d->buffers);
    free(d->guards);
    free(d);
}

static uint64_t *guards_of(ke_call *call, PVOID_VA adapter)
{
    vf_dma *d = state(call);
    if (d == NULL)
        return NULL;
    for (uint32_t i = 0; i < d->guard_count; i++) {
        if (d->guards[i].adapter == adapter)
            return &d->guards[i].guarded;
    }
    if (d->guard_count == d->guard_capacity) {
        uint32_t n = d->guard_capacity ? 2 * d->guard_capacity : 8;
        void *p = realloc(d->guards, n * sizeof *d->guards);
        if (p == NULL)
            return NULL;
        d->guards = p;
        d->guard_capacity = n;
    }
    d->guards[d->guard_count].adapter = adapter;
    d->guards[d->guard_count].guarded = 0;
    return &d->guards[d->guard_count++].guarded;
}

static bool on(ke_call *call, rule_id rule)
{
    return vf_rule_enabled(call, rule);
}

/* ------------------------------------------------------------------------ */
/* Adapter and IRQL                                                         */
/* ------------------------------------------------------------------------ */

typedef enum dma_irql {
    DMA_ANY = 0,
    DMA_PASSIVE,        /* = PASSIVE_LEVEL */
    DMA_DISPATCH,       /* = DISPATCH_LEVEL */
    DMA_UP_TO_DISPATCH, /* <= DISPATCH_LEVEL */
} dma_irql;

static bool check_irql(ke_call *call, dma_irql want)
{
    KIRQL irql = ke_call_irql(call);
    if (want == DMA_ANY || !on(call, RULE_dma_wrong_irql))
        return true;
    if (want == DMA_UP_TO_DISPATCH) {
        if (irql <= DISPATCH_LEVEL)
            return true;
        kd_raise(call, RULE_dma_wrong_irql, 2, DISPATCH_LEVEL, irql);
        return false;
    }
    KIRQL expected = want == DMA_PASSIVE ? PASSIVE_LEVEL : DISPATCH_LEVEL;
    if (irql == expected)
        return true;
    kd_raise(call, RULE_dma_wrong_irql, 1, expected, irql);
    return false;
}

/* The adapter a call names, checked; NULL when a check stopped the
 * machine or *pass says the HAL should see the call as it is (an address
 * that is no adapter: the HAL reads it, and faults if it must). */
static hal_adapter *check_adapter(ke_call *call, PVOID_VA DmaAdapter, dma_irql want, bool *pass)
{
    *pass = false;
    if (DmaAdapter == 0 && on(call, RULE_dma_null_adapter)) {
        kd_raise(call, RULE_dma_null_adapter, 0, 0, 0);
        return NULL;
    }
    hal_adapter *a = hal_dma_adapter(call->m, DmaAdapter);
    if (a != NULL && a->put && on(call, RULE_dma_adapter_released)) {
        kd_raise(call, RULE_dma_adapter_released, DmaAdapter, 0, 0);
        return NULL;
    }
    if (!check_irql(call, want))
        return NULL;
    *pass = a == NULL;
    return a;
}

/* ------------------------------------------------------------------------ */
/* Guards                                                                   */
/* ------------------------------------------------------------------------ */

/* The first byte of [va, va + len) that is not the padding, or 0. */
static PVOID_VA padding_changed(ke_machine *m, PVOID_VA va, uint64_t len)
{
    uint8_t buf[256];
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done > sizeof buf ? sizeof buf : (size_t)(len - done);
        mm_peek(m->mm, va + done, buf, n);
        for (size_t i = 0; i < n; i++) {
            if (buf[i] != DMA_PADDING)
                return va + done + i;
        }
        done += n;
    }
    return 0;
}

static PVOID_VA register_page(const hal_adapter *a, uint32_t i)
{
    return a->file + (uint64_t)i * PAGE_SIZE;
}

/* Fills the free map registers the verifier does not guard yet. */
static void guard_free_registers(ke_call *call, const hal_adapter *a)
{
    uint64_t *g = guards_of(call, a->va);
    for (uint32_t i = 0; g != NULL && i < a->map_registers; i++) {
        if (a->regs[i].state == HAL_REG_FREE && !(*g & (1ull << i))) {
            mm_fill(call->m->mm, register_page(a, i), PAGE_SIZE, DMA_PADDING);
            *g |= 1ull << i;
        }
    }
}

/* 0x0F P2 3: a free map register was written (a device's write past its
 * transfer, or to an address it kept). */
static bool check_free_registers(ke_call *call, const hal_adapter *a)
{
    uint64_t *g = guards_of(call, a->va);
    if (g == NULL || !on(call, RULE_dma_buffer_overrun))
        return true;
    for (uint32_t i = 0; i < a->map_registers; i++) {
        if (a->regs[i].state != HAL_REG_FREE || !(*g & (1ull << i)))
            continue;
        PVOID_VA bad = padding_changed(call->m, register_page(a, i), PAGE_SIZE);
        if (bad != 0) {
            kd_raise(call, RULE_dma_buffer_overrun, 3, bad, 0);
            return false;
        }
    }
    return true;
}

/* Registers leave the guard when they are allocated. */
static void unguard(ke_call *call, const hal_adapter *a)
{
    uint64_t *g = guards_of(call, a->va);
    for (uint32_t i = 0; g != NULL && i < a->map_registers; i++) {
        if (a->regs[i].state != HAL_REG_FREE)
            *g &= ~(1ull << i);
    }
}

/* 0x0F P2 4, 5 around the bytes a mapped register holds; then the whole
 * page is padding again. */
static bool check_mapped_register(ke_call *call, const hal_adapter *a, uint32_t i)
{
    const hal_map_register *r = &a->regs[i];
    PVOID_VA page = register_page(a, i);
    if (on(call, RULE_dma_buffer_overrun)) {
        PVOID_VA bad = padding_changed(call->m, page, r->offset);
        if (bad != 0) {
            kd_raise(call, RULE_dma_buffer_overrun, 4, page + r->offset, bad);
            return false;
        }
        bad = padding_changed(call->m, page + r->offset + r->length,
                              PAGE_SIZE - r->offset - r->length);
        if (bad != 0) {
            kd_raise(call, RULE_dma_buffer_overrun, 5, page + r->offset, bad);
            return false;
        }
    }
    return true;
}

static void pad_register(ke_call *call, const hal_adapter *a, uint32_t i)
{
    mm_fill(call->m->mm, register_page(a, i), PAGE_SIZE, DMA_PADDING);
}

/* ------------------------------------------------------------------------ */
/* Adapters                                                                 */
/* ------------------------------------------------------------------------ */

static PVOID_VA vf_IoGetDmaAdapter(ke_call *call, PVOID_VA PhysicalDeviceObject,
                                   PVOID_VA DeviceDescription, ULONG *NumberOfMapRegisters)
{
    if (!check_irql(call, DMA_PASSIVE))
        return 0;
    uint32_t version = 0;
    if (on(call, RULE_dma_unknown_description_version) &&
        mm_peek(call->m->mm, DeviceDescription, &version, 4) &&
        version > DEVICE_DESCRIPTION_VERSION3) {
        kd_raise(call, RULE_dma_unknown_description_version, version, 0, 0);
        return 0;
    }
    PVOID_VA va = IoGetDmaAdapter(call, PhysicalDeviceObject, DeviceDescription,
                                  NumberOfMapRegisters);
    hal_adapter *a = hal_dma_adapter(call->m, va);
    if (a != NULL)
        guard_free_registers(call, a);
    return va;
}

static PVOID_VA vf_HalGetAdapter(ke_call *call, PVOID_VA DeviceDescription,
                                 ULONG *NumberOfMapRegisters)
{
    *NumberOfMapRegisters = 0;
    if (on(call, RULE_dma_hal_get_adapter)) {
        kd_raise(call, RULE_dma_hal_get_adapter, 0, 0, 0);
        return 0;
    }
    return HalGetAdapter(call, DeviceDescription, NumberOfMapRegisters);
}

static void vf_PutDmaAdapter(ke_call *call, PVOID_VA DmaAdapter)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_PASSIVE, &pass);
    if (a == NULL && !pass)
        return;
    if (a != NULL) {
        uint32_t registers = hal_dma_registers_allocated(a);
        if (a->buffer_count > 0 && on(call, RULE_dma_put_adapter_common_buffers)) {
            kd_raise(call, RULE_dma_put_adapter_common_buffers, DmaAdapter, a->buffer_count, 0);
            return;
        }
        if (a->channel && on(call, RULE_dma_put_adapter_channels)) {
            kd_raise(call, RULE_dma_put_adapter_channels, DmaAdapter, 1, 0);
            return;
        }
        if (a->list_count > 0 && on(call, RULE_dma_put_adapter_sg_lists)) {
            kd_raise(call, RULE_dma_put_adapter_sg_lists, DmaAdapter, a->list_count, 0);
            return;
        }
        if (registers > 0 && on(call, RULE_dma_put_adapter_map_registers)) {
            kd_raise(call, RULE_dma_put_adapter_map_registers, DmaAdapter, registers, 0);
            return;
        }
        if (!check_free_registers(call, a))
            return;
    }
    PutDmaAdapter(call, DmaAdapter);
}

static ULONG vf_GetDmaAlignment(ke_call *call, PVOID_VA DmaAdapter)
{
    bool pass;
    if (check_adapter(call, DmaAdapter, DMA_ANY, &pass) == NULL && !pass)
        return 0;
    return GetDmaAlignment(call, DmaAdapter);
}

static ULONG vf_ReadDmaCounter(ke_call *call, PVOID_VA DmaAdapter)
{
    bool pass;
    if (check_adapter(call, DmaAdapter, DMA_ANY, &pass) == NULL && !pass)
        return 0;
    return ReadDmaCounter(call, DmaAdapter);
}

/* ------------------------------------------------------------------------ */
/* Common buffers                                                           */
/* ------------------------------------------------------------------------ */

static PVOID_VA vf_AllocateCommonBuffer(ke_call *call, PVOID_VA DmaAdapter, ULONG Length,
                                        uint64_t *LogicalAddress, bool CacheEnabled)
{
    *LogicalAddress = 0;
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_PASSIVE, &pass);
    if (a == NULL)
        return pass ? AllocateCommonBuffer(call, DmaAdapter, Length, LogicalAddress, CacheEnabled)
                    : 0;
    /* Low resources simulation fails it, as it fails contiguous memory. */
    if (Length == 0 || Length > UINT32_MAX - 2 * PAGE_SIZE || vf_inject_fault(call, 0, 0, false, false))
        return 0;
    vf_dma *d = state(call);
    if (d == NULL)
        return 0;
    if (d->count == d->capacity) {
        uint32_t n = d->capacity ? 2 * d->capacity : 8;
        void *p = realloc(d->buffers, n * sizeof *d->buffers);
        if (p == NULL)
            return 0;
        d->buffers = p;
        d->capacity = n;
    }
    uint32_t total = Length + 2 * PAGE_SIZE;
    uint64_t logical = 0;
    PVOID_VA block = AllocateCommonBuffer(call, DmaAdapter, total, &logical, CacheEnabled);
    if (block == 0)
        return 0;
    PVOID_VA va = block + PAGE_SIZE;
    mm_space *mm = call->m->mm;
    mm_fill(mm, block, PAGE_SIZE - sizeof dma_tag, DMA_PADDING);
    mm_poke(mm, va - sizeof dma_tag, dma_tag, sizeof dma_tag);
    mm_poke(mm, va + Length, dma_tag, sizeof dma_tag);
    mm_fill(mm, va + Length + sizeof dma_tag, PAGE_SIZE - sizeof dma_tag, DMA_PADDING);
    d->buffers[d->count++] = (vf_dma_buffer){
        .adapter = DmaAdapter, .va = va, .block = block, .logical = logical, .length = Length};
    *LogicalAddress = logical + PAGE_SIZE;
    return va;
}

static bool check_common_buffer(ke_call *call, const vf_dma_buffer *b)
{
    if (!on(call, RULE_dma_buffer_overrun))
        return true;
    char tag[8];
    mm_peek(call->m->mm, b->va - sizeof tag, tag, sizeof tag);
    if (memcmp(tag, dma_tag, sizeof tag) != 0) {
        kd_raise(call, RULE_dma_buffer_overrun, 1, b->length, b->va);
        return false;
    }
    mm_peek(call->m->mm, b->va + b->length, tag, sizeof tag);
    if (memcmp(tag, dma_tag, sizeof tag) != 0) {
        kd_raise(call, RULE_dma_buffer_overrun, 2, b->length, b->va);
        return false;
    }
    PVOID_VA bad = padding_changed(call->m, b->block, PAGE_SIZE - sizeof tag);
    if (bad != 0) {
        kd_raise(call, RULE_dma_buffer_overrun, 4, b->va, bad);
        return false;
    }
    bad = padding_changed(call->m, b->va + b->length + sizeof tag, PAGE_SIZE - sizeof tag);
    if (bad != 0) {
        kd_raise(call, RULE_dma_buffer_overrun, 5, b->va, bad);
        return false;
    }
    return true;
}

static void vf_FreeCommonBuffer(ke_call *call, PVOID_VA DmaAdapter, ULONG Length,
                                uint64_t LogicalAddress, PVOID_VA VirtualAddress, bool CacheEnabled)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_PASSIVE, &pass);
    if (a == NULL) {
        if (pass)
            FreeCommonBuffer(call, DmaAdapter, Length, LogicalAddress, VirtualAddress,
                             CacheEnabled);
        return;
    }
    vf_dma *d = state(call);
    vf_dma_buffer *b = NULL;
    for (uint32_t i = 0; d != NULL && i < d->count; i++) {
        if (d->buffers[i].adapter == DmaAdapter && d->buffers[i].va == VirtualAddress)
            b = &d->buffers[i];
    }
    if (b == NULL) {
        if (on(call, RULE_dma_common_buffer_freed_twice)) {
            kd_raise(call, RULE_dma_common_buffer_freed_twice, 1, 0, 0);
            return;
        }
        FreeCommonBuffer(call, DmaAdapter, Length, LogicalAddress, VirtualAddress, CacheEnabled);
        return;
    }
    if (!check_common_buffer(call, b))
        return;
    vf_dma_buffer copy = *b;
    *b = d->buffers[--d->count];
    FreeCommonBuffer(call, DmaAdapter, copy.length + 2 * PAGE_SIZE, copy.logical, copy.block,
                     CacheEnabled);
}

/* ------------------------------------------------------------------------ */
/* The adapter channel and map registers                                    */
/* ------------------------------------------------------------------------ */

static uint32_t longest_free_run(const hal_adapter *a)
{
    uint32_t best = 0, run = 0;
    for (uint32_t i = 0; i < a->map_registers; i++) {
        run = a->regs[i].state == HAL_REG_FREE ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

static NTSTATUS vf_AllocateAdapterChannel(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA DeviceObject,
                                          ULONG NumberOfMapRegisters, uint32_t ExecutionRoutine,
                                          PVOID_VA Context)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_DISPATCH, &pass);
    if (a == NULL) {
        if (!pass)
            return STATUS_SUCCESS;
        return AllocateAdapterChannel(call, DmaAdapter, DeviceObject, NumberOfMapRegisters,
                                      ExecutionRoutine, Context);
    }
    if (NumberOfMapRegisters > a->map_registers && on(call, RULE_dma_too_many_map_registers)) {
        kd_raise(call, RULE_dma_too_many_map_registers, NumberOfMapRegisters, a->map_registers, 0);
        return STATUS_SUCCESS;
    }
    if (a->channel && on(call, RULE_dma_two_adapter_channels)) {
        kd_raise(call, RULE_dma_two_adapter_channels, 1, 0, 0);
        return STATUS_SUCCESS;
    }
    /* Enough free map registers, but no run of them long enough: the
     * request could wait forever behind registers the driver keeps (with
     * too few free, it waits for them, as on Windows). */
    uint32_t run = longest_free_run(a);
    uint32_t free_count = a->map_registers - hal_dma_registers_allocated(a);
    if (!a->channel && NumberOfMapRegisters <= free_count && run < NumberOfMapRegisters &&
        on(call, RULE_dma_map_register_file)) {
        kd_raise(call, RULE_dma_map_register_file, 2, NumberOfMapRegisters, run);
        return STATUS_SUCCESS;
    }
    if (!check_free_registers(call, a))
        return STATUS_SUCCESS;
    guard_free_registers(call, a);
    NTSTATUS status = AllocateAdapterChannel(call, DmaAdapter, DeviceObject, NumberOfMapRegisters,
                                             ExecutionRoutine, Context);
    unguard(call, a);
    return status;
}

static uint32_t bytes_mapped(const hal_adapter *a, uint32_t first, uint32_t count)
{
    uint32_t bytes = 0;
    for (uint32_t i = first; i < first + count && i < a->map_registers; i++) {
        if (a->regs[i].state == HAL_REG_MAPPED)
            bytes += a->regs[i].length;
    }
    return bytes;
}

static void vf_FreeAdapterChannel(ke_call *call, PVOID_VA DmaAdapter)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_DISPATCH, &pass);
    if (a == NULL) {
        if (pass)
            FreeAdapterChannel(call, DmaAdapter);
        return;
    }
    if (!a->channel && on(call, RULE_dma_adapter_channel_freed_twice)) {
        kd_raise(call, RULE_dma_adapter_channel_freed_twice, 1, 0, 0);
        return;
    }
    uint32_t mapped = bytes_mapped(a, a->channel_first, a->channel_count);
    if (mapped > 0 && on(call, RULE_dma_buffers_not_flushed)) {
        kd_raise(call, RULE_dma_buffers_not_flushed, mapped, a->channel_count * PAGE_SIZE, 0);
        return;
    }
    FreeAdapterChannel(call, DmaAdapter);
    guard_free_registers(call, a);
    unguard(call, a);
}

static void vf_FreeMapRegisters(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA MapRegisterBase,
                                ULONG NumberOfMapRegisters)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_DISPATCH, &pass);
    if (a == NULL) {
        if (pass)
            FreeMapRegisters(call, DmaAdapter, MapRegisterBase, NumberOfMapRegisters);
        return;
    }
    int32_t first = hal_dma_register_index(a, MapRegisterBase);
    uint32_t extra = 0, mapped = 0;
    for (uint32_t i = 0; i < NumberOfMapRegisters; i++) {
        uint32_t r = (uint32_t)first + i;
        if (first < 0 || r >= a->map_registers || a->regs[r].state == HAL_REG_FREE ||
            !a->regs[r].kept)
            extra++;
        else if (a->regs[r].state == HAL_REG_MAPPED)
            mapped++;
    }
    if (extra > 0 && on(call, RULE_dma_map_registers_freed_twice)) {
        kd_raise(call, RULE_dma_map_registers_freed_twice, extra, 0, 0);
        return;
    }
    if (mapped > 0 && on(call, RULE_dma_freed_while_mapped)) {
        kd_raise(call, RULE_dma_freed_while_mapped, mapped, 0, 0);
        return;
    }
    FreeMapRegisters(call, DmaAdapter, MapRegisterBase, NumberOfMapRegisters);
    guard_free_registers(call, a);
    unguard(call, a);
}

/* The checks of a transfer's buffer: a locked MDL (0x0E), CurrentVa in it
 * (0x1B), the transfer within it (0x24), not empty (0x21). */
static bool check_transfer(ke_call *call, PVOID_VA Mdl, PVOID_VA CurrentVa, uint32_t length,
                           mdl_view *v)
{
    if (!mdl_read(call->m, Mdl, v))
        return true; /* the HAL reads it: a bad MDL faults there */
    PVOID_VA start = v->start_va + v->byte_offset, end = start + v->byte_count;
    if ((v->flags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL)) == 0 &&
        on(call, RULE_dma_unlocked_buffer)) {
        kd_raise(call, RULE_dma_unlocked_buffer, Mdl, 0, 0);
        return false;
    }
    if ((CurrentVa < start || CurrentVa >= end) && on(call, RULE_dma_address_outside_mdl)) {
        kd_raise(call, RULE_dma_address_outside_mdl, CurrentVa, Mdl, 0);
        return false;
    }
    if (length == 0 && on(call, RULE_dma_zero_length_map)) {
        kd_raise(call, RULE_dma_zero_length_map, 0, 0, 0);
        return false;
    }
    if (CurrentVa + length > end && on(call, RULE_dma_buffer_too_small)) {
        kd_raise(call, RULE_dma_buffer_too_small, CurrentVa + length - end, 0, 0);
        return false;
    }
    return true;
}

static uint32_t span(PVOID_VA va, uint32_t length)
{
    return (uint32_t)(((va & (PAGE_SIZE - 1)) + length + PAGE_SIZE - 1) / PAGE_SIZE);
}

static uint64_t vf_MapTransfer(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA Mdl,
                               PVOID_VA MapRegisterBase, PVOID_VA CurrentVa, PVOID_VA Length,
                               bool WriteToDevice)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_UP_TO_DISPATCH, &pass);
    uint32_t length = 0;
    mdl_view v;
    if (a == NULL || !mm_peek(call->m->mm, Length, &length, 4)) {
        if (a == NULL && !pass)
            return 0;
        return MapTransfer(call, DmaAdapter, Mdl, MapRegisterBase, CurrentVa, Length,
                           WriteToDevice);
    }
    if (!check_transfer(call, Mdl, CurrentVa, length, &v))
        return 0;
    int32_t base = hal_dma_register_index(a, MapRegisterBase);
    int32_t first = hal_dma_register_for(a, MapRegisterBase, v.start_va + v.byte_offset, CurrentVa);
    if (base >= 0 && first >= 0) {
        uint32_t pages = span(CurrentVa, length), held = 0;
        for (uint32_t i = (uint32_t)base; i < a->map_registers && a->regs[i].state != HAL_REG_FREE;
             i++)
            held++;
        uint32_t needed = (uint32_t)(first - base) + pages;
        if (needed > held && on(call, RULE_dma_too_many_map_registers)) {
            kd_raise(call, RULE_dma_too_many_map_registers, needed, held, 0);
            return 0;
        }
        for (uint32_t i = (uint32_t)first; i < (uint32_t)first + pages; i++) {
            if (a->regs[i].state == HAL_REG_MAPPED && on(call, RULE_dma_range_mapped_twice)) {
                kd_raise(call, RULE_dma_range_mapped_twice, CurrentVa, CurrentVa + length,
                         a->regs[i].current_va);
                return 0;
            }
        }
        for (uint32_t i = (uint32_t)first; i < (uint32_t)first + pages; i++)
            pad_register(call, a, i);
    }
    return MapTransfer(call, DmaAdapter, Mdl, MapRegisterBase, CurrentVa, Length, WriteToDevice);
}

static bool vf_FlushAdapterBuffers(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA Mdl,
                                   PVOID_VA MapRegisterBase, PVOID_VA CurrentVa, ULONG Length,
                                   bool WriteToDevice)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_UP_TO_DISPATCH, &pass);
    if (a == NULL) {
        if (!pass)
            return false;
        return FlushAdapterBuffers(call, DmaAdapter, Mdl, MapRegisterBase, CurrentVa, Length,
                                   WriteToDevice);
    }
    mdl_view v;
    if (mdl_read(call->m, Mdl, &v)) {
        PVOID_VA start = v.start_va + v.byte_offset, end = start + v.byte_count;
        if ((CurrentVa < start || CurrentVa >= end) && on(call, RULE_dma_address_outside_mdl)) {
            kd_raise(call, RULE_dma_address_outside_mdl, CurrentVa, Mdl, 0);
            return false;
        }
        int32_t first = hal_dma_register_for(a, MapRegisterBase, start, CurrentVa);
        if (first < 0) {
            if (on(call, RULE_dma_flush_never_mapped)) {
                kd_raise(call, RULE_dma_flush_never_mapped, MapRegisterBase, CurrentVa, Mdl);
                return false;
            }
        } else {
            uint32_t pages = span(CurrentVa, Length);
            if ((uint32_t)first + pages > a->map_registers &&
                on(call, RULE_dma_map_register_file)) {
                kd_raise(call, RULE_dma_map_register_file, 1, end - CurrentVa, Length);
                return false;
            }
            for (uint32_t i = (uint32_t)first; i < (uint32_t)first + pages; i++) {
                uint8_t s = a->regs[i].state;
                if (s == HAL_REG_FLUSHED && on(call, RULE_dma_flush_unmapped)) {
                    kd_raise(call, RULE_dma_flush_unmapped, register_page(a, i), 0, 0);
                    return false;
                }
                if ((s == HAL_REG_FREE || s == HAL_REG_ALLOCATED) &&
                    on(call, RULE_dma_flush_never_mapped)) {
                    kd_raise(call, RULE_dma_flush_never_mapped, MapRegisterBase, CurrentVa, Mdl);
                    return false;
                }
                if (s == HAL_REG_MAPPED && !check_mapped_register(call, a, i))
                    return false;
            }
        }
    }
    return FlushAdapterBuffers(call, DmaAdapter, Mdl, MapRegisterBase, CurrentVa, Length,
                               WriteToDevice);
}

/* ------------------------------------------------------------------------ */
/* Scatter/gather lists                                                     */
/* ------------------------------------------------------------------------ */

static bool check_list_request(ke_call *call, hal_adapter *a, PVOID_VA Mdl, PVOID_VA CurrentVa,
                               ULONG Length)
{
    mdl_view v;
    if (!check_transfer(call, Mdl, CurrentVa, Length, &v))
        return false;
    uint32_t pages = span(CurrentVa, Length);
    if (pages > a->map_registers && on(call, RULE_dma_too_many_map_registers_allocated)) {
        kd_raise(call, RULE_dma_too_many_map_registers_allocated, pages, a->map_registers, 0);
        return false;
    }
    if (!check_free_registers(call, a))
        return false;
    guard_free_registers(call, a);
    return true;
}

static NTSTATUS vf_GetScatterGatherList(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA DeviceObject,
                                        PVOID_VA Mdl, PVOID_VA CurrentVa, ULONG Length,
                                        uint32_t ExecutionRoutine, PVOID_VA Context,
                                        bool WriteToDevice)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_UP_TO_DISPATCH, &pass);
    if (a == NULL && !pass)
        return STATUS_SUCCESS;
    if (a != NULL && !check_list_request(call, a, Mdl, CurrentVa, Length))
        return STATUS_SUCCESS;
    NTSTATUS status = GetScatterGatherList(call, DmaAdapter, DeviceObject, Mdl, CurrentVa, Length,
                                           ExecutionRoutine, Context, WriteToDevice);
    if (a != NULL)
        unguard(call, a);
    return status;
}

static NTSTATUS vf_BuildScatterGatherList(ke_call *call, PVOID_VA DmaAdapter,
                                          PVOID_VA DeviceObject, PVOID_VA Mdl, PVOID_VA CurrentVa,
                                          ULONG Length, uint32_t ExecutionRoutine,
                                          PVOID_VA Context, bool WriteToDevice,
                                          PVOID_VA ScatterGatherBuffer, ULONG ScatterGatherLength)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_UP_TO_DISPATCH, &pass);
    if (a == NULL && !pass)
        return STATUS_SUCCESS;
    if (a != NULL && !check_list_request(call, a, Mdl, CurrentVa, Length))
        return STATUS_SUCCESS;
    NTSTATUS status =
        BuildScatterGatherList(call, DmaAdapter, DeviceObject, Mdl, CurrentVa, Length,
                               ExecutionRoutine, Context, WriteToDevice, ScatterGatherBuffer,
                               ScatterGatherLength);
    if (a != NULL)
        unguard(call, a);
    return status;
}

static void vf_PutScatterGatherList(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA ScatterGather,
                                    bool WriteToDevice)
{
    bool pass;
    hal_adapter *a = check_adapter(call, DmaAdapter, DMA_DISPATCH, &pass);
    if (a == NULL) {
        if (pass)
            PutScatterGatherList(call, DmaAdapter, ScatterGather, WriteToDevice);
        return;
    }
    hal_sg_list *l = hal_dma_sg_list(a, ScatterGather);
    if (l == NULL) {
        if (on(call, RULE_dma_sg_list_freed_twice))
            kd_raise(call, RULE_dma_sg_list_freed_twice, a->lists_allocated, a->lists_freed + 1,
                     0);
        return;
    }
    for (uint32_t i = l->first; i < l->first + l->count; i++) {
        if (!check_mapped_register(call, a, i))
            return;
    }
    PutScatterGatherList(call, DmaAdapter, ScatterGather, WriteToDevice);
    guard_free_registers(call, a);
}

static NTSTATUS vf_CalculateScatterGatherList(ke_call *call, PVOID_VA DmaAdapter, PVOID_VA Mdl,
                                              PVOID_VA CurrentVa, ULONG Length,
                                              ULONG *ScatterGatherListSize,
                                              ULONG *NumberOfMapRegisters)
{
    bool pass;
    *ScatterGatherListSize = 0;
    *NumberOfMapRegisters = 0;
    if (check_adapter(call, DmaAdapter, DMA_UP_TO_DISPATCH, &pass) == NULL && !pass)
        return STATUS_SUCCESS;
    return CalculateScatterGatherList(call, DmaAdapter, Mdl, CurrentVa, Length,
                                      ScatterGatherListSize, NumberOfMapRegisters);
}

void vf_patch_imports_dma(ddi_imports *imports)
{
    imports->IoGetDmaAdapter = vf_IoGetDmaAdapter;
    imports->HalGetAdapter = vf_HalGetAdapter;
    imports->PutDmaAdapter = vf_PutDmaAdapter;
    imports->AllocateCommonBuffer = vf_AllocateCommonBuffer;
    imports->FreeCommonBuffer = vf_FreeCommonBuffer;
    imports->AllocateAdapterChannel = vf_AllocateAdapterChannel;
    imports->FlushAdapterBuffers = vf_FlushAdapterBuffers;
    imports->FreeAdapterChannel = vf_FreeAdapterChannel;
    imports->FreeMapRegisters = vf_FreeMapRegisters;
    imports->MapTransfer = vf_MapTransfer;
    imports->GetDmaAlignment = vf_GetDmaAlignment;
    imports->ReadDmaCounter = vf_ReadDmaCounter;
    imports->GetScatterGatherList = vf_GetScatterGatherList;
    imports->PutScatterGatherList = vf_PutScatterGatherList;
    imports->CalculateScatterGatherList = vf_CalculateScatterGatherList;
    imports->BuildScatterGatherList = vf_BuildScatterGatherList;
}
