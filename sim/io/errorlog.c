/*
 * errorlog.c - the system event log's entries from drivers:
 * IoAllocateErrorLogEntry, IoWriteErrorLogEntry, IoFreeErrorLogEntry, and
 * what the harness reads back (io_error_log_entries).
 *
 * As the Windows Research Kernel's I/O manager does (io/iomgr/error.c), an
 * entry is a nonpaged pool block tagged "IoEr": an ERROR_LOG_ENTRY header
 * (Type IO_TYPE_ERROR_LOG, Size, the device and driver objects, the time
 * stamp) and, after it, the zeroed IO_ERROR_LOG_PACKET of EntrySize bytes
 * whose address the driver gets. EntrySize above ERROR_LOG_MAXIMUM_SIZE (240
 * bytes on x64; 152 on x86, where the LPC port message is 256 bytes) or a
 * NULL IoObject gives NULL. Writing hands the entry to the error log thread,
 * which reads the packet (its dump data and insertion strings, bounded by
 * the entry), records it for the event log and frees the block: here at
 * once, in the writer's context. An entry written or freed twice, or an
 * address that is not an entry, is a free of something the pool does not
 * hold, which the pool catches itself (0xC2). The total the I/O manager lets
 * drivers hold in unwritten entries is not modelled.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"

#define ERROR_LOG_POOL_TAG   0x72456F49u /* "IoEr" */
#define IO_TYPE_ERROR_LOG    0x0Bu
#define ERROR_LOG_MAX_X64    240u
#define ERROR_LOG_MAX_X86    152u
/* ERROR_LOG_ENTRY: Type, Size, ListEntry, DeviceObject, DriverObject,
 * TimeStamp. */
#define ENTRY_HEADER_X64     0x30u
#define ENTRY_HEADER_X86     0x20u
/* IO_ERROR_LOG_PACKET's fixed part, up to DumpData. */
#define PACKET_DUMP_DATA     0x28u

uint32_t io_error_log_maximum_size(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? ERROR_LOG_MAX_X86 : ERROR_LOG_MAX_X64;
}

static uint32_t header_size(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? ENTRY_HEADER_X86 : ENTRY_HEADER_X64;
}

static io_error_log *log_of(ke_machine *m)
{
    if (m->error_log == NULL) {
        m->error_log = calloc(1, sizeof *m->error_log);
        if (m->error_log == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory in the error log");
    }
    return m->error_log;
}

PVOID_VA IoAllocateErrorLogEntry(ke_call *call, PVOID_VA IoObject, uint8_t EntrySize)
{
    ke_machine *m = call->m;
    if (IoObject == 0 || EntrySize > io_error_log_maximum_size(m))
        return 0;
    /* The object's type says whether it is a device or a driver object. */
    uint16_t type = 0;
    if (!mm_access(call, IoObject, &type, 2, false))
        return 0;
    PVOID_VA device = 0, driver = 0;
    if (type == IO_TYPE_DEVICE) {
        device = IoObject;
        uint64_t d = 0;
        if (!ke_field_get(call, IoObject, KE_FIELD(DEVICE_OBJECT, DriverObject), &d))
            return 0;
        driver = d;
    } else {
        driver = IoObject;
    }
    uint32_t header = header_size(m);
    uint32_t size = header + ((EntrySize + 7u) & ~7u);
    PVOID_VA block = ex_alloc_internal(m, NonPagedPool, size, ERROR_LOG_POOL_TAG);
    if (block == 0)
        return 0;
    bool x86 = m->config.arch == KE_ARCH_X86;
    unsigned ptr = x86 ? 4 : 8;
    uint16_t head[2] = {IO_TYPE_ERROR_LOG, (uint16_t)size};
    mm_poke(m->mm, block, head, 4);
    mm_poke(m->mm, block + 4 + (x86 ? 0 : 4) + 2 * ptr, &device, ptr);
    mm_poke(m->mm, block + 4 + (x86 ? 0 : 4) + 3 * ptr, &driver, ptr);
    return block + header;
}

/* Reads the entry's packet and frees its block; records it if `record`. */
static void take(ke_call *call, PVOID_VA ElEntry, bool record)
{
    ke_machine *m = call->m;
    bool x86 = m->config.arch == KE_ARCH_X86;
    unsigned ptr = x86 ? 4 : 8;
    uint32_t header = header_size(m);
    PVOID_VA block = ElEntry - header;
    ke_call kernel = *call;
    kernel.driver = NULL;
    uint16_t head[2] = {0, 0};
    uint64_t device = 0, driver = 0;
    uint8_t packet[256];
    memset(packet, 0, sizeof packet);
    if (record && mm_peek(m->mm, block, head, 4) && head[0] == IO_TYPE_ERROR_LOG &&
        head[1] > header) {
        mm_peek(m->mm, block + 4 + (x86 ? 0 : 4) + 2 * ptr, &device, ptr);
        mm_peek(m->mm, block + 4 + (x86 ? 0 : 4) + 3 * ptr, &driver, ptr);
        uint32_t size = head[1] - header;
        if (size > sizeof packet)
            size = sizeof packet;
        mm_peek(m->mm, ElEntry, packet, size);
        io_error_log *log = log_of(m);
        io_error_entry *grown = realloc(log->entries, (log->count + 1) * sizeof *grown);
        if (grown == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory in the error log");
        log->entries = grown;
        io_error_entry *e = &log->entries[log->count++];
        memset(e, 0, sizeof *e);
        for (uint32_t i = 0; i < m->driver_count; i++) {
            if (m->drivers[i]->driver_object == driver)
                snprintf(e->driver, sizeof e->driver, "%s", m->drivers[i]->name);
        }
        e->device = device;
        e->time_stamp = KE_BOOT_SYSTEM_TIME + (int64_t)m->des.now_100ns;
        e->major_function = packet[0];
        e->retry_count = packet[1];
        uint16_t dump_size, strings, string_offset;
        memcpy(&dump_size, packet + 2, 2);
        memcpy(&strings, packet + 4, 2);
        memcpy(&string_offset, packet + 6, 2);
        memcpy(&e->event_category, packet + 8, 2);
        memcpy(&e->error_code, packet + 0xC, 4);
        memcpy(&e->unique_error_value, packet + 0x10, 4);
        memcpy(&e->final_status, packet + 0x14, 4);
        memcpy(&e->sequence_number, packet + 0x18, 4);
        memcpy(&e->io_control_code, packet + 0x1C, 4);
        memcpy(&e->device_offset, packet + 0x20, 8);
        /* The dump data, as much of it as the entry holds. */
        uint32_t dump = dump_size;
        if (PACKET_DUMP_DATA + dump > size)
            dump = size > PACKET_DUMP_DATA ? size - PACKET_DUMP_DATA : 0;
        e->dump_bytes = dump;
        memcpy(e->dump, packet + PACKET_DUMP_DATA, dump);
        /* The insertion strings: NUL-terminated UTF-16, one after another. */
        uint32_t at = string_offset;
        for (uint16_t s = 0; s < strings && s < IO_ERROR_LOG_MAX_STRINGS && at < size; s++) {
            uint32_t n = 0;
            while (at + 2 * n + 1 < size && (packet[at + 2 * n] | packet[at + 2 * n + 1]) != 0 &&
                   n < IO_ERROR_LOG_STRING_CHARS - 1)
                n++;
            for (uint32_t k = 0; k < n; k++) {
                uint16_t c = (uint16_t)(packet[at + 2 * k] | (packet[at + 2 * k + 1] << 8));
                e->strings[s][k] = c < 0x80 ? (char)c : '?';
            }
            e->strings[s][n] = '\0';
            e->string_count++;
            at += 2 * (n + 1);
        }
    }
    ExFreePool(&kernel, block);
}

void IoWriteErrorLogEntry(ke_call *call, PVOID_VA ElEntry)
{
    take(call, ElEntry, true);
}

void IoFreeErrorLogEntry(ke_call *call, PVOID_VA ElEntry)
{
    take(call, ElEntry, false);
}

const io_error_entry *io_error_log_entries(const ke_machine *m, uint32_t *count)
{
    *count = m->error_log != NULL ? m->error_log->count : 0;
    return m->error_log != NULL ? m->error_log->entries : NULL;
}

void io_error_log_free(ke_machine *m)
{
    if (m->error_log == NULL)
        return;
    free(m->error_log->entries);
    free(m->error_log);
    m->error_log = NULL;
}
