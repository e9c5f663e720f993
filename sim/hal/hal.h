/*
 * hal.h - the hardware abstraction layer's DMA (dma.c): the DMA adapters
 * IoGetDmaAdapter hands out for bus-master devices, their map registers,
 * common buffers and scatter/gather lists, and the bus-master device's side
 * of a transfer (hal_dma_device_access).
 *
 * The state is the HAL's own bookkeeping; the verifier's DMA checks (DMA
 * verification, vf/dma_verify.c) read it through the functions below from
 * their thunks, before and after calling the routines, as Windows' DMA
 * verifier wraps the HAL's adapter.
 */
#ifndef DRVSIM_HAL_HAL_H
#define DRVSIM_HAL_HAL_H

#include "ke/ke.h"

/* DEVICE_DESCRIPTION versions (wdm.h). */
#define DEVICE_DESCRIPTION_VERSION  0u
#define DEVICE_DESCRIPTION_VERSION1 1u
#define DEVICE_DESCRIPTION_VERSION2 2u
#define DEVICE_DESCRIPTION_VERSION3 3u

/* IO_ALLOCATION_ACTION (wdm.h). */
#define KeepObject                    1u
#define DeallocateObject              2u
#define DeallocateObjectKeepRegisters 3u

/* The most map registers an adapter gets (the HAL may give fewer than a
 * device description asks for: NumberOfMapRegisters says how many). */
#define HAL_DMA_MAX_MAP_REGISTERS 64u

/* A map register: one page of the adapter's map register file, through
 * which every transfer is double-buffered. */
typedef enum hal_reg_state {
    HAL_REG_FREE = 0,  /* not allocated */
    HAL_REG_ALLOCATED, /* allocated, never mapped since */
    HAL_REG_MAPPED,    /* MapTransfer mapped part of a buffer into it */
    HAL_REG_FLUSHED,   /* FlushAdapterBuffers ended its mapping */
} hal_reg_state;

typedef struct hal_map_register {
    uint8_t state; /* hal_reg_state */
    bool kept;     /* its channel returned DeallocateObjectKeepRegisters: FreeMapRegisters frees it */
    bool sg;       /* it belongs to a scatter/gather list */
    bool write_to_device;
    PVOID_VA system_va;      /* the buffer bytes it holds: their system address */
    PVOID_VA current_va;     /* the same bytes as the MDL's virtual address names them */
    uint32_t offset, length; /* the bytes mapped, within the register's page */
    PVOID_VA mdl;
} hal_map_register;

typedef struct hal_common_buffer {
    PVOID_VA va;
    uint64_t logical;
    uint32_t length;
} hal_common_buffer;

typedef struct hal_sg_list {
    PVOID_VA list; /* the SCATTER_GATHER_LIST */
    uint32_t first, count;
    bool write_to_device;
    bool driver_buffer; /* BuildScatterGatherList's: the driver's memory */
} hal_sg_list;

/* An AllocateAdapterChannel waiting for the channel or map registers. */
typedef struct hal_wait {
    struct io_driver *driver;
    uint32_t routine; /* io_routine */
    PVOID_VA device, context;
    uint32_t count;
} hal_wait;

typedef struct hal_adapter {
    PVOID_VA va;     /* the DMA_ADAPTER */
    PVOID_VA device; /* the device object it was got for (0: HalGetAdapter) */
    uint32_t version;
    bool scatter_gather, dma64;
    uint32_t maximum_length;
    uint32_t map_registers; /* the adapter's map registers, NumberOfMapRegisters */
    PVOID_VA file;          /* the map register file: map_registers pages */
    uint64_t file_logical;
    hal_map_register regs[HAL_DMA_MAX_MAP_REGISTERS];
    bool put; /* PutDmaAdapter called */
    /* The adapter channel (one at a time) and the map registers it holds. */
    bool channel;
    uint32_t channel_first, channel_count;
    hal_common_buffer *buffers;
    uint32_t buffer_count, buffer_capacity;
    hal_sg_list *lists;
    uint32_t list_count, list_capacity;
    hal_wait *waits;
    uint32_t wait_count, wait_capacity;
    /* Counts since IoGetDmaAdapter (the verifier's "too many freed"). */
    uint64_t buffers_allocated, buffers_freed, channels_allocated, channels_freed;
    uint64_t lists_allocated, lists_freed;
    struct hal_adapter *next;
} hal_adapter;

typedef struct hal_dma {
    hal_adapter *adapters; /* newest first */
    PVOID_VA operations;   /* the DMA_OPERATIONS every adapter points to */
} hal_dma;

/* The adapter whose DMA_ADAPTER is at va (put or not), or NULL. */
hal_adapter *hal_dma_adapter(const ke_machine *m, PVOID_VA va);
/* The index of the map register MapRegisterBase names, or -1. */
int32_t hal_dma_register_index(const hal_adapter *a, PVOID_VA MapRegisterBase);
/* The live common buffer at va, or NULL. */
hal_common_buffer *hal_dma_common_buffer(hal_adapter *a, PVOID_VA va);
/* The live scatter/gather list at va, or NULL. */
hal_sg_list *hal_dma_sg_list(hal_adapter *a, PVOID_VA va);
/* Counts of what an adapter holds. */
uint32_t hal_dma_registers_allocated(const hal_adapter *a);
uint32_t hal_dma_registers_mapped(const hal_adapter *a, uint32_t first, uint32_t count);
/* The map register a transfer's CurrentVa falls in: MapRegisterBase's
 * index plus CurrentVa's page within the MDL (mdl_va its virtual address). */
int32_t hal_dma_register_for(const hal_adapter *a, PVOID_VA MapRegisterBase, PVOID_VA mdl_va,
                             PVOID_VA CurrentVa);

/*
 * The bus-master device's side: it reads (write == false) or writes `len`
 * bytes at a logical address the HAL gave out (a common buffer, a map
 * register). False when no live adapter maps the whole range: the access is
 * not made (drvsim has no other physical memory a device could reach).
 */
bool hal_dma_device_access(ke_machine *m, uint64_t logical, void *buf, uint32_t len, bool write);

/* The second half of AllocateAdapterChannel, FreeAdapterChannel,
 * FreeMapRegisters, Get/BuildScatterGatherList once an ExecutionRoutine
 * returned (ke_callout_end). */
uint64_t hal_dma_callout_end(ke_call *call, uint64_t result);

void hal_dma_destroy(ke_machine *m);

#endif /* DRVSIM_HAL_HAL_H */
