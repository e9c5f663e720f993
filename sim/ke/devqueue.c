/*
 * devqueue.c - device queues (KDEVICE_QUEUE): KeInitializeDeviceQueue,
 * KeInsertDeviceQueue, KeInsertByKeyDeviceQueue, KeRemoveDeviceQueue,
 * KeRemoveByKeyDeviceQueue, KeRemoveEntryDeviceQueue.
 *
 * A device queue is a busy flag and a list of KDEVICE_QUEUE_ENTRYs under
 * the queue's spin lock, all in the driver's memory (a DEVICE_OBJECT's
 * DeviceQueue for StartIo, io/startio.c, or the driver's own). An insert
 * into an idle queue makes it busy and queues nothing (FALSE: the caller
 * starts the work itself); into a busy one queues the entry (TRUE). A
 * remove from an empty queue makes it idle and returns NULL. The by-key
 * forms keep the list sorted by SortKey (equal keys first come, first
 * served) and remove the first entry whose key is at least the one given,
 * wrapping around to the head, as Windows does. The routines run at
 * DISPATCH_LEVEL (KeRemoveEntryDeviceQueue at IRQL <= DISPATCH_LEVEL) and
 * take the queue's spin lock with the processor's IRQL unchanged; on a
 * multiprocessor the caller spins while another processor holds it.
 */
#include "ddi_table.h"
#include "ke/ke.h"
#include "ke/types.h"

#define DEVICE_QUEUE_OBJECT 0x14 /* KOBJECTS DeviceQueueObject: KDEVICE_QUEUE.Type */

static const ke_field *q_f(const char *name)
{
    return ke_type_field(KE_TYPE_KDEVICE_QUEUE, name);
}

static const ke_field *e_f(const char *name)
{
    return ke_type_field(KE_TYPE_KDEVICE_QUEUE_ENTRY, name);
}

static PVOID_VA head_of(const ke_call *call, PVOID_VA q)
{
    return q + q_f("DeviceListHead")->offset[call->m->config.arch];
}

static PVOID_VA lock_of(const ke_call *call, PVOID_VA q)
{
    return q + q_f("Lock")->offset[call->m->config.arch];
}

/* LIST_ENTRY links, read and written as the kernel's own accesses. */
static PVOID_VA flink(ke_call *call, PVOID_VA e)
{
    uint64_t v = 0;
    ke_field_get(call, e, KE_FIELD(LIST_ENTRY, Flink), &v);
    return v;
}

static void link(ke_call *call, PVOID_VA prev, PVOID_VA entry, PVOID_VA next)
{
    ke_field_set(call, entry, KE_FIELD(LIST_ENTRY, Flink), next);
    ke_field_set(call, entry, KE_FIELD(LIST_ENTRY, Blink), prev);
    ke_field_set(call, prev, KE_FIELD(LIST_ENTRY, Flink), entry);
    ke_field_set(call, next, KE_FIELD(LIST_ENTRY, Blink), entry);
}

static void unlink(ke_call *call, PVOID_VA entry)
{
    uint64_t next = 0, prev = 0;
    ke_field_get(call, entry, KE_FIELD(LIST_ENTRY, Flink), &next);
    ke_field_get(call, entry, KE_FIELD(LIST_ENTRY, Blink), &prev);
    ke_field_set(call, prev, KE_FIELD(LIST_ENTRY, Flink), next);
    ke_field_set(call, next, KE_FIELD(LIST_ENTRY, Blink), prev);
}

static uint64_t get(ke_call *call, PVOID_VA va, const ke_field *f)
{
    uint64_t v = 0;
    ke_field_get(call, va, f, &v);
    return v;
}

void KeInitializeDeviceQueue(ke_call *call, PVOID_VA DeviceQueue)
{
    ke_arch arch = call->m->config.arch;
    if (!ke_field_set(call, DeviceQueue, q_f("Type"), DEVICE_QUEUE_OBJECT))
        return;
    ke_field_set(call, DeviceQueue, q_f("Size"), ke_types[KE_TYPE_KDEVICE_QUEUE].size[arch]);
    PVOID_VA head = head_of(call, DeviceQueue);
    ke_field_set(call, head, KE_FIELD(LIST_ENTRY, Flink), head);
    ke_field_set(call, head, KE_FIELD(LIST_ENTRY, Blink), head);
    ke_field_set(call, DeviceQueue, q_f("Lock"), 0);
    ke_field_set(call, DeviceQueue, q_f("Busy"), 0);
}

bool ke_device_queue_insert(ke_call *call, PVOID_VA q, PVOID_VA entry, bool by_key, ULONG key,
                            bool *inserted)
{
    *inserted = false;
    PVOID_VA lock = lock_of(call, q);
    if (!ke_spinlock_take(call, lock))
        return false; /* spinning (or a fault) */
    if (by_key)
        ke_field_set(call, entry, e_f("SortKey"), key);
    if (get(call, q, q_f("Busy")) == 0) {
        ke_field_set(call, q, q_f("Busy"), 1);
    } else {
        PVOID_VA head = head_of(call, q);
        PVOID_VA next = head;
        if (by_key) {
            /* Before the first entry with a greater key. */
            for (next = flink(call, head); next != head && !ke_stopped(call->m);
                 next = flink(call, next)) {
                if ((ULONG)get(call, next, e_f("SortKey")) > key)
                    break;
            }
        }
        uint64_t prev = 0;
        ke_field_get(call, next, KE_FIELD(LIST_ENTRY, Blink), &prev);
        link(call, prev, entry, next);
        *inserted = true;
    }
    ke_field_set(call, entry, e_f("Inserted"), *inserted);
    ke_spinlock_give(call, lock);
    return true;
}

bool ke_device_queue_remove(ke_call *call, PVOID_VA q, bool by_key, ULONG key, PVOID_VA *entry)
{
    *entry = 0;
    PVOID_VA lock = lock_of(call, q);
    if (!ke_spinlock_take(call, lock))
        return false;
    PVOID_VA head = head_of(call, q);
    PVOID_VA first = flink(call, head);
    if (first == head) {
        ke_field_set(call, q, q_f("Busy"), 0);
    } else {
        PVOID_VA found = first;
        if (by_key) {
            /* The first entry whose key is at least `key`; none: the head. */
            for (PVOID_VA e = first; e != head && !ke_stopped(call->m); e = flink(call, e)) {
                if ((ULONG)get(call, e, e_f("SortKey")) >= key) {
                    found = e;
                    break;
                }
            }
        }
        unlink(call, found);
        ke_field_set(call, found, e_f("Inserted"), 0);
        *entry = found;
    }
    ke_spinlock_give(call, lock);
    return true;
}

bool KeInsertDeviceQueue(ke_call *call, PVOID_VA DeviceQueue, PVOID_VA DeviceQueueEntry)
{
    bool inserted = false;
    ke_device_queue_insert(call, DeviceQueue, DeviceQueueEntry, false, 0, &inserted);
    return inserted;
}

bool KeInsertByKeyDeviceQueue(ke_call *call, PVOID_VA DeviceQueue, PVOID_VA DeviceQueueEntry,
                              ULONG SortKey)
{
    bool inserted = false;
    ke_device_queue_insert(call, DeviceQueue, DeviceQueueEntry, true, SortKey, &inserted);
    return inserted;
}

PVOID_VA KeRemoveDeviceQueue(ke_call *call, PVOID_VA DeviceQueue)
{
    PVOID_VA entry = 0;
    ke_device_queue_remove(call, DeviceQueue, false, 0, &entry);
    return entry;
}

PVOID_VA KeRemoveByKeyDeviceQueue(ke_call *call, PVOID_VA DeviceQueue, ULONG SortKey)
{
    PVOID_VA entry = 0;
    ke_device_queue_remove(call, DeviceQueue, true, SortKey, &entry);
    return entry;
}

bool KeRemoveEntryDeviceQueue(ke_call *call, PVOID_VA DeviceQueue, PVOID_VA DeviceQueueEntry)
{
    /* Called at IRQL <= DISPATCH_LEVEL: the lock is taken at
     * DISPATCH_LEVEL (KiAcquireSpinLock after a raise). */
    KIRQL old = ke_call_irql(call);
    if (old < DISPATCH_LEVEL)
        ke_set_irql(call, DISPATCH_LEVEL);
    PVOID_VA lock = lock_of(call, DeviceQueue);
    if (!ke_spinlock_take(call, lock)) {
        ke_set_irql(call, old);
        return false;
    }
    bool removed = get(call, DeviceQueueEntry, e_f("Inserted")) != 0;
    if (removed) {
        ke_field_set(call, DeviceQueueEntry, e_f("Inserted"), 0);
        unlink(call, DeviceQueueEntry);
    }
    ke_spinlock_give(call, lock);
    ke_set_irql(call, old);
    return removed;
}
