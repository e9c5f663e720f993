/*
 * iosubs.c - the I/O manager's IRP and request routines that drivers of
 * the census call beside IoCallDriver and IoCompleteRequest: IoSizeOfIrp,
 * IoInitializeIrp, IoReuseIrp, IoGetTopLevelIrp / IoSetTopLevelIrp,
 * IoIsErrorUserInduced, IoIs32bitProcess, IoGetRequestorProcess,
 * IoIsOperationSynchronous, IoGetIoPriorityHint,
 * IoSetHardErrorOrVerifyDevice / IoGetDeviceToVerify, IoGetRemainingStackSize,
 * KeFlushIoBuffers, the share-access routines (IoCheckShareAccess,
 * IoSetShareAccess, IoRemoveShareAccess, IoUpdateShareAccess),
 * PoCallDriver and PoStartNextPowerIrp.
 *
 * The power routines are as Windows Vista and later have them: PoCallDriver
 * passes the IRP on as IoCallDriver does (the power manager no longer
 * serialises power IRPs), and PoStartNextPowerIrp does nothing. drvsim
 * sends no power IRPs of its own yet (issue 15's PnP and power flow); a
 * driver's IRP_MJ_POWER requests, from another driver or the scenario, go
 * through them as on Windows.
 */
#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"

#define IRP_PAGING_IO             0x00000002u
#define IRP_SYNCHRONOUS_API       0x00000004u
#define IRP_SYNCHRONOUS_PAGING_IO 0x00000040u
#define FO_SYNCHRONOUS_IO         0x00000002u
#define IO_PRIORITY_NORMAL        2u /* IO_PRIORITY_HINT IoPriorityNormal */


static uint64_t read_field(ke_call *call, PVOID_VA va, const ke_field *f, bool *ok)
{
    uint64_t v = 0;
    *ok = ke_field_get(call, va, f, &v);
    return v;
}

ULONG IoSizeOfIrp(ke_call *call, uint8_t StackSize)
{
    return (uint16_t)io_irp_bytes(call->m, StackSize); /* a USHORT */
}

/* IoInitializeIrp's stores: zeroed, then the header of an IRP of
 * StackSize locations whose current location is one past the last. */
static void initialize(ke_call *call, PVOID_VA Irp, ULONG PacketSize, uint8_t StackSize)
{
    ke_machine *m = call->m;
    ke_arch arch = m->config.arch;
    uint8_t zero[64] = {0};
    for (ULONG off = 0; off < PacketSize; off += sizeof zero) {
        size_t n = PacketSize - off < sizeof zero ? PacketSize - off : sizeof zero;
        if (!mm_access(call, Irp + off, zero, n, true))
            return;
    }
    ke_field_set(call, Irp, KE_FIELD(IRP, Type), IO_TYPE_IRP);
    ke_field_set(call, Irp, KE_FIELD(IRP, Size), (uint16_t)PacketSize);
    ke_field_set(call, Irp, KE_FIELD(IRP, StackCount), StackSize);
    ke_field_set(call, Irp, KE_FIELD(IRP, CurrentLocation), (uint64_t)StackSize + 1u);
    PVOID_VA list = Irp + KE_FIELD(IRP, ThreadListEntry)->offset[arch];
    ke_field_set(call, list, KE_FIELD(LIST_ENTRY, Flink), list);
    ke_field_set(call, list, KE_FIELD(LIST_ENTRY, Blink), list);
    PVOID_VA tail = Irp + KE_FIELD(IRP, Tail)->offset[arch];
    ke_field_set(call, tail, KE_FIELD(IRP_TAIL_OVERLAY, CurrentStackLocation),
                 Irp + io_irp_bytes(m, StackSize));
}

/* The I/O manager's record starts over: the IRP is a new request. */
static void renew(io_irp *irp, uint8_t StackSize)
{
    irp->stack_count = StackSize;
    irp->sent = 0;
    irp->completions = 0;
    irp->completed = false;
    irp->in_flight = false;
    irp->completing = false;
}

void IoInitializeIrp(ke_call *call, PVOID_VA Irp, ULONG PacketSize, uint8_t StackSize)
{
    initialize(call, Irp, PacketSize, StackSize);
    if (ke_stopped(call->m))
        return;
    io_irp *irp = io_irp_at(call->m, Irp);
    if (irp == NULL)
        irp = io_irp_in_place(call, Irp, StackSize);
    renew(irp, StackSize);
}

void IoReuseIrp(ke_call *call, PVOID_VA Irp, NTSTATUS Iostatus)
{
    /* IoInitializeIrp with the IRP's own size and stack count, keeping its
     * AllocationFlags (how it was allocated: quota, zone), then the status. */
    bool ok = true;
    uint64_t flags = read_field(call, Irp, KE_FIELD(IRP, AllocationFlags), &ok);
    uint64_t size = ok ? read_field(call, Irp, KE_FIELD(IRP, Size), &ok) : 0;
    uint64_t count = ok ? read_field(call, Irp, KE_FIELD(IRP, StackCount), &ok) : 0;
    if (!ok)
        return;
    IoInitializeIrp(call, Irp, (ULONG)size, (uint8_t)count);
    if (ke_stopped(call->m))
        return;
    PVOID_VA iosb = Irp + KE_FIELD(IRP, IoStatus)->offset[call->m->config.arch];
    ke_field_set(call, iosb, KE_FIELD(IO_STATUS_BLOCK, Status), (uint32_t)Iostatus);
    ke_field_set(call, Irp, KE_FIELD(IRP, AllocationFlags), flags);
}

PVOID_VA IoGetTopLevelIrp(ke_call *call)
{
    return call->thread != NULL ? call->thread->top_level_irp : 0;
}

void IoSetTopLevelIrp(ke_call *call, PVOID_VA Irp)
{
    if (call->thread != NULL)
        call->thread->top_level_irp = Irp;
}

bool IoIsErrorUserInduced(ke_call *call, NTSTATUS Status)
{
    (void)call;
    /* wdm.h's macro: the errors a user can cause (and fix) at the device. */
    switch ((uint32_t)Status) {
    case 0xC00000A3u: /* STATUS_DEVICE_NOT_READY */
    case 0xC00000B5u: /* STATUS_IO_TIMEOUT */
    case 0xC00000A2u: /* STATUS_MEDIA_WRITE_PROTECTED */
    case 0xC0000013u: /* STATUS_NO_MEDIA_IN_DEVICE */
    case 0xC0000014u: /* STATUS_UNRECOGNIZED_MEDIA */
    case 0x80000016u: /* STATUS_VERIFY_REQUIRED */
    case 0xC0000012u: /* STATUS_WRONG_VOLUME */
        return true;
    default:
        return false;
    }
}

/* The thread an IRP is queued to (Tail.Overlay.Thread), or NULL. */
static ke_thread *irp_thread(ke_call *call, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    bool ok = true;
    PVOID_VA tail = Irp + KE_FIELD(IRP, Tail)->offset[m->config.arch];
    PVOID_VA thread = read_field(call, tail, KE_FIELD(IRP_TAIL_OVERLAY, Thread), &ok);
    if (!ok || thread == 0)
        return NULL;
    return ke_thread_at(m, thread);
}

bool IoIs32bitProcess(ke_call *call, PVOID_VA Irp)
{
    /* Whether the request's process runs under WOW64: drvsim's processes
     * are all native (and on x86 every process is 32-bit, where wdm.h
     * defines the routine only for 64-bit Windows). */
    bool ok = true;
    read_field(call, Irp, KE_FIELD(IRP, Type), &ok);
    return false;
}

PVOID_VA IoGetRequestorProcess(ke_call *call, PVOID_VA Irp)
{
    /* The process of the thread the request is queued to; NULL for an IRP
     * not queued to a thread (IoAllocateIrp's, an asynchronous request). */
    ke_thread *t = irp_thread(call, Irp);
    return t != NULL && t->process != NULL ? t->process->eprocess : 0;
}

bool IoIsOperationSynchronous(ke_call *call, PVOID_VA Irp)
{
    /* Synchronous: a file object opened for synchronous I/O, unless the IRP
     * is asynchronous paging I/O; a synchronous API; synchronous paging
     * I/O. */
    bool ok = true;
    uint64_t flags = read_field(call, Irp, KE_FIELD(IRP, Flags), &ok);
    if (!ok)
        return false;
    if (flags & (IRP_SYNCHRONOUS_API | IRP_SYNCHRONOUS_PAGING_IO))
        return true;
    PVOID_VA sl = IoGetCurrentIrpStackLocation(call, Irp);
    PVOID_VA file = sl != 0 ? read_field(call, sl, KE_FIELD(IO_STACK_LOCATION, FileObject), &ok) : 0;
    if (!ok || file == 0)
        return false;
    uint64_t file_flags = read_field(call, file, KE_FIELD(FILE_OBJECT, Flags), &ok);
    if (!ok)
        return false;
    bool async_paging = (flags & IRP_PAGING_IO) && !(flags & IRP_SYNCHRONOUS_PAGING_IO);
    return (file_flags & FO_SYNCHRONOUS_IO) && !async_paging;
}

ULONG IoGetIoPriorityHint(ke_call *call, PVOID_VA Irp)
{
    /* drvsim's requests are issued at normal I/O priority (no thread
     * changes its I/O priority, and IoSetIoPriorityHint is not modelled). */
    bool ok = true;
    read_field(call, Irp, KE_FIELD(IRP, Type), &ok);
    return IO_PRIORITY_NORMAL;
}

void IoSetHardErrorOrVerifyDevice(ke_call *call, PVOID_VA Irp, PVOID_VA DeviceObject)
{
    /* The device to verify goes to the thread that made the request
     * (Tail.Overlay.Thread), where the file system's hard error path finds
     * it (IoGetDeviceToVerify); an IRP not queued to a thread has none. */
    ke_thread *t = irp_thread(call, Irp);
    if (t != NULL)
        t->device_to_verify = DeviceObject;
}

/* ETHREAD.DeviceToVerify, which IoSetHardErrorOrVerifyDevice and
 * IoSetDeviceToVerify set and the file system reads back: kept with the
 * thread (drvsim's ETHREAD has no Windows layout); a pointer that is no
 * thread's reads NULL and writes nothing. */
PVOID_VA IoGetDeviceToVerify(ke_call *call, PVOID_VA Thread)
{
    ke_thread *t = ke_thread_at(call->m, Thread);
    return t != NULL ? t->device_to_verify : 0;
}

void IoSetDeviceToVerify(ke_call *call, PVOID_VA Thread, PVOID_VA DeviceObject)
{
    ke_thread *t = ke_thread_at(call->m, Thread);
    if (t != NULL)
        t->device_to_verify = DeviceObject;
}

uint64_t IoGetRemainingStackSize(ke_call *call)
{
    /* The kernel stack less what the running routines use, as drvsim
     * charges frames (ke.h): the start and the first routine, then a
     * kernel frame and a routine frame per callout. */
    bool x86 = call->m->config.arch == KE_ARCH_X86;
    uint64_t level = x86 ? KE_ROUTINE_FRAME_BYTES_X86 + KE_KERNEL_FRAME_BYTES_X86
                         : KE_ROUTINE_FRAME_BYTES_X64 + KE_KERNEL_FRAME_BYTES_X64;
    uint64_t stack = x86 ? KE_KERNEL_STACK_BYTES_X86 : KE_KERNEL_STACK_BYTES_X64;
    uint64_t used = ((uint64_t)call->exec->callout_count + 1) * level;
    return used < stack ? stack - used : 0;
}

void KeFlushIoBuffers(ke_call *call, PVOID_VA Mdl, bool ReadOperation, bool DmaOperation)
{
    /* x86 and x64 keep their caches coherent with DMA: wdm.h defines the
     * routine as nothing there. */
    (void)call;
    (void)Mdl;
    (void)ReadOperation;
    (void)DmaOperation;
}

NTSTATUS PoCallDriver(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp)
{
    /* Windows Vista and later: IoCallDriver. */
    return IoCallDriver(call, DeviceObject, Irp);
}

void PoStartNextPowerIrp(ke_call *call, PVOID_VA Irp)
{
    /* A no-op from Windows Vista on (the power manager no longer holds the
     * next power IRP back until this call). */
    (void)call;
    (void)Irp;
}

/* ------------------------------------------------------------------------ */
/* Share access (a file system's IRP_MJ_CREATE and IRP_MJ_CLEANUP)          */
/* ------------------------------------------------------------------------ */

#define FILE_READ_DATA      0x0001u
#define FILE_WRITE_DATA     0x0002u
#define FILE_APPEND_DATA    0x0004u
#define FILE_EXECUTE        0x0020u
#define DELETE              0x00010000u
#define FILE_SHARE_READ     0x1u
#define FILE_SHARE_WRITE    0x2u
#define FILE_SHARE_DELETE   0x4u
#define STATUS_SHARING_VIOLATION ((NTSTATUS)0xC0000043u)

static const char *const share_counts[7] = {"OpenCount",  "Readers",     "Writers",     "Deleters",
                                            "SharedRead", "SharedWrite", "SharedDelete"};
static const char *const file_booleans[6] = {"ReadAccess", "WriteAccess", "DeleteAccess",
                                             "SharedRead", "SharedWrite", "SharedDelete"};

/* The file object's six booleans, and the share record's seven counts. */
static bool load_file(ke_call *call, PVOID_VA FileObject, uint64_t b[6])
{
    bool ok = true;
    for (int i = 0; i < 6 && ok; i++)
        b[i] = read_field(call, FileObject, ke_type_field(KE_TYPE_FILE_OBJECT, file_booleans[i]),
                          &ok);
    return ok;
}

static bool load_share(ke_call *call, PVOID_VA ShareAccess, uint64_t c[7])
{
    bool ok = true;
    for (int i = 0; i < 7 && ok; i++)
        c[i] = read_field(call, ShareAccess, ke_type_field(KE_TYPE_SHARE_ACCESS, share_counts[i]),
                          &ok);
    return ok;
}

static void store_share(ke_call *call, PVOID_VA ShareAccess, const uint64_t c[7])
{
    for (int i = 0; i < 7; i++)
        if (!ke_field_set(call, ShareAccess,
                          ke_type_field(KE_TYPE_SHARE_ACCESS, share_counts[i]), (uint32_t)c[i]))
            return;
}

/* The access the caller wants and the sharing it allows, into the file
 * object's booleans (the sharing only when it wants some access). Returns
 * whether it wants any. */
static bool set_file_access(ke_call *call, ULONG DesiredAccess, ULONG DesiredShareAccess,
                            PVOID_VA FileObject, uint64_t b[6])
{
    b[0] = (DesiredAccess & (FILE_EXECUTE | FILE_READ_DATA)) != 0;
    b[1] = (DesiredAccess & (FILE_WRITE_DATA | FILE_APPEND_DATA)) != 0;
    b[2] = (DesiredAccess & DELETE) != 0;
    bool any = b[0] || b[1] || b[2];
    if (!load_file(call, FileObject, (uint64_t[6]){0}))
        return false;
    if (any) {
        b[3] = (DesiredShareAccess & FILE_SHARE_READ) != 0;
        b[4] = (DesiredShareAccess & FILE_SHARE_WRITE) != 0;
        b[5] = (DesiredShareAccess & FILE_SHARE_DELETE) != 0;
    }
    for (int i = 0; i < (any ? 6 : 3); i++)
        ke_field_set(call, FileObject, ke_type_field(KE_TYPE_FILE_OBJECT, file_booleans[i]), b[i]);
    return any;
}

NTSTATUS IoCheckShareAccess(ke_call *call, ULONG DesiredAccess, ULONG DesiredShareAccess,
                            PVOID_VA FileObject, PVOID_VA ShareAccess, bool Update)
{
    uint64_t b[6] = {0}, c[7] = {0};
    if (!set_file_access(call, DesiredAccess, DesiredShareAccess, FileObject, b))
        return STATUS_SUCCESS; /* no read, write or delete access: nothing to share */
    if (!load_share(call, ShareAccess, c))
        return STATUS_ACCESS_VIOLATION;
    uint64_t open = c[0];
    /* This open's access against what the others share, and the others'
     * access against what this one shares. */
    if ((b[0] && c[4] < open) || (b[1] && c[5] < open) || (b[2] && c[6] < open) ||
        (c[1] != 0 && !b[3]) || (c[2] != 0 && !b[4]) || (c[3] != 0 && !b[5]))
        return STATUS_SHARING_VIOLATION;
    if (Update) {
        c[0]++;
        for (int i = 0; i < 6; i++)
            c[i + 1] += b[i];
        store_share(call, ShareAccess, c);
    }
    return STATUS_SUCCESS;
}

void IoSetShareAccess(ke_call *call, ULONG DesiredAccess, ULONG DesiredShareAccess,
                      PVOID_VA FileObject, PVOID_VA ShareAccess)
{
    uint64_t b[6] = {0}, c[7] = {0};
    if (set_file_access(call, DesiredAccess, DesiredShareAccess, FileObject, b)) {
        /* The first open: the record starts with it. */
        c[0] = 1;
        for (int i = 0; i < 6; i++)
            c[i + 1] = b[i];
    }
    store_share(call, ShareAccess, c);
}

/* IoRemoveShareAccess (-1) and IoUpdateShareAccess (+1): the file object's
 * open counted out of or into the record. */
static void count_open(ke_call *call, PVOID_VA FileObject, PVOID_VA ShareAccess, int delta)
{
    uint64_t b[6] = {0}, c[7] = {0};
    if (!load_file(call, FileObject, b) || !(b[0] || b[1] || b[2]))
        return;
    if (!load_share(call, ShareAccess, c))
        return;
    c[0] = (uint32_t)(c[0] + (uint64_t)(int64_t)delta);
    for (int i = 0; i < 6; i++)
        if (b[i])
            c[i + 1] = (uint32_t)(c[i + 1] + (uint64_t)(int64_t)delta);
    store_share(call, ShareAccess, c);
}

void IoRemoveShareAccess(ke_call *call, PVOID_VA FileObject, PVOID_VA ShareAccess)
{
    count_open(call, FileObject, ShareAccess, -1);
}

void IoUpdateShareAccess(ke_call *call, PVOID_VA FileObject, PVOID_VA ShareAccess)
{
    count_open(call, FileObject, ShareAccess, +1);
}

/* ------------------------------------------------------------------------ */
/* The configuration counts, and a device object's DPC                      */
/* ------------------------------------------------------------------------ */

/* CONFIGURATION_INFORMATION (ntddk.h): the counts of disks, floppies, CD-ROMs,
 * tapes, SCSI ports, serial and parallel ports the drivers of those classes
 * number their devices by (and increment as they create them), in the
 * kernel's nonpaged memory, made at first use with every count 0 (drvsim's
 * machine has no such hardware of its own) and Version its size. */
#define CONFIGURATION_INFORMATION_BYTES 40u
#define IO_CONFIGURATION_TAG            0x666E6F43u /* "Conf" */

PVOID_VA IoGetConfigurationInformation(ke_call *call)
{
    PVOID_VA *slot = io_configuration_slot(call->m);
    if (*slot == 0) {
        PVOID_VA ci = ex_alloc_internal(call->m, NonPagedPoolNx, CONFIGURATION_INFORMATION_BYTES,
                                        IO_CONFIGURATION_TAG);
        if (ci == 0)
            ke_panic(call->m, __FILE__, __LINE__, "out of pool for CONFIGURATION_INFORMATION");
        mm_fill(call->m->mm, ci, CONFIGURATION_INFORMATION_BYTES, 0);
        uint32_t version = CONFIGURATION_INFORMATION_BYTES;
        mm_poke(call->m->mm, ci + 32, &version, 4);
        *slot = ci;
    }
    return *slot;
}

/* wdm.h's macro and inline function: the device object's own KDPC, whose
 * routine gets the device object as its context and the IRP and context
 * IoRequestDpc passes (an IO_DPC_ROUTINE). */
void IoInitializeDpcRequest(ke_call *call, PVOID_VA DeviceObject, uint32_t DpcRoutine)
{
    KeInitializeDpc(call, DeviceObject + KE_FIELD(DEVICE_OBJECT, Dpc)->offset[call->m->config.arch],
                    DpcRoutine, DeviceObject);
}

void IoRequestDpc(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp, PVOID_VA Context)
{
    KeInsertQueueDpc(call, DeviceObject + KE_FIELD(DEVICE_OBJECT, Dpc)->offset[call->m->config.arch],
                     Irp, Context);
}
