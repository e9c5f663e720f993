/*
 * io.h - driver images and their life cycle: load (DriverEntry) and unload
 * (DriverUnload).
 *
 * The kernel cannot run driver code itself (the host does), so loading and
 * unloading are split into a begin and an end step; the host runs the driver
 * routine in between, on the calling thread.
 */
#ifndef DRVSIM_IO_H
#define DRVSIM_IO_H

#include "ddi_table.h"
#include "ke/ke.h"

/* Driver images are this far apart; the first page holds the image's
 * header, the rest its data (globals). */
#define IO_IMAGE_STRIDE 0x100000u

/* A routine of the driver, as the host names it: 0 = none. */
typedef uint32_t io_routine;

typedef struct io_driver {
    uint32_t index;   /* registration order; the trace's driver number */
    char name[64];    /* image name as declared: "leaky.sys" */
    char service[64]; /* service key: the name without ".sys" */
    bool graphics;    /* kind = "graphics": display or print driver */
    bool loaded;
    bool verified;          /* decided at load, kept until unload (as Windows) */
    bool pool_nx_optin;     /* ExInitializeDriverRuntime(DrvRtPoolNxOptIn): its code's
                               NonPagedPool means NonPagedPoolNx (POOL_NX_OPTIN) */
    ddi_imports imports;    /* what its calls go through */
    io_routine unload;      /* DriverObject->DriverUnload */
    PVOID_VA driver_object; /* DRIVER_OBJECT in nonpaged memory */
    PVOID_VA image_base;
    uint32_t image_size;
    uint64_t counters[DRVSIM_DRIVER_COUNTER_COUNT];
    /* Pool tracking: its outstanding allocations, oldest first. */
    struct ex_block *tracked_head, *tracked_tail;
    uint64_t tracked_count;
    /* Unloading: set while its DriverUnload runs, on unload_thread. */
    bool unloading;
    struct ke_thread *unload_thread;
    bool page_section_mapped; /* its PAGE section (pageable code) is mapped */
    PVOID_VA name_string;     /* DRIVER_OBJECT.DriverName, a UNICODE_STRING */
    PVOID_VA data_next;       /* next free byte of the image's data (its globals) */
    void *host;               /* the host's handle for the driver's routines */
    /* Its device objects (DRIVER_OBJECT.DeviceObject), newest first. */
    struct io_device *devices;
    /* References to the DRIVER_OBJECT beyond the loader's: one per device
     * object not yet freed. The image unloads when the last one goes, so an
     * unload with a device still referenced (a queued work item holds its
     * device) is finished later, as the object manager does. */
    uint32_t object_refs;
    bool unload_pending; /* DriverUnload ran; the image waits for object_refs to reach 0 */
    /* DRIVER_OBJECT.MajorFunction: its dispatch routines (0 = the I/O
     * manager's IopInvalidDeviceRequest). */
    io_routine major[0x1C];
    /* Plug and Play (pnp.c): the DRIVER_EXTENSION (AddDevice), made at first
     * use; loaded by the PnP manager for a device (unloaded with its last
     * device). WMI (wmi.c): IoWMIRegistrationControl registrations and
     * EtwRegister handles not yet undone. */
    PVOID_VA driver_extension;
    bool pnp_loaded;
    uint32_t wmi_registrations, etw_registrations;
} io_driver;

/*
 * A device object: the kernel's state of a DEVICE_OBJECT, which lives in
 * nonpaged pool with its device extension right after it (wdm.h layout of
 * the fields drivers read). Later: the device stack (AttachedDevice), IRP
 * dispatch and symbolic links hang off this record.
 */
typedef struct io_device {
    PVOID_VA va;
    /* 1 for the run's first device object, 2 for the next...: tells apart
     * two device objects a run made at one address, one after the other. */
    uint64_t serial;
    io_driver *driver;
    char name[128];         /* "\Device\X" as created (ASCII), "" for an unnamed device */
    int64_t references;     /* object references: 1 from creation, one per work item holding it */
    bool deleted;           /* IoDeleteDevice called: off the driver's list, nameless */
    uint8_t power_state;    /* PoSetPowerState's device state (0: never set, D0) */
    struct io_device *next; /* the driver's list */
    /* The device stack: the device attached on top of this one
     * (AttachedDevice) and the one this one is attached to. */
    struct io_device *attached, *lower;
    /* IoInitializeTimer: the device's timer, called once a second at
     * DISPATCH_LEVEL while started. */
    bool timer_initialized, timer_started;
    PVOID_VA timer_va; /* its KTIMER and KDPC (irp.c), 0 = none */
    /* StartIo (startio.c): IoSetStartIoAttributes' flags, the StartIo
     * calls running, and a start of the next packet deferred until the
     * running one returns (Windows keeps these in DEVOBJ_EXTENSION). */
    bool startio_deferred, startio_noncancelable;
    uint32_t startio_running;
    bool next_pending, next_cancelable, next_by_key;
    ULONG next_key;
} io_device;

/* DEVICE_OBJECT.Flags bits (wdm.h). */
#define DO_EXCLUSIVE           0x00000008u
#define DO_DEVICE_INITIALIZING 0x00000080u
#define IO_TYPE_DEVICE         3
#define IO_DEVICE_POOL_TAG     0x69766544u /* "Devi": the tag the object manager shows */

/* The device object at va (live, or deleted and still referenced), or NULL. */
io_device *io_device_at(const ke_machine *m, PVOID_VA va);
/* ObReferenceObject / ObDereferenceObject on a device object: the last
 * dereference of a deleted device frees it, which releases its driver. */
void io_device_reference(io_device *dev);
void io_device_dereference(ke_call *call, io_device *dev);
/* IoCreateDevice's work for a driver record (the bus driver's PDOs too):
 * `name` is "" or a checked NT name. */
NTSTATUS io_create_device(ke_call *call, io_driver *d, ULONG DeviceExtensionSize,
                          const char *name, ULONG DeviceType, ULONG DeviceCharacteristics,
                          bool Exclusive, PVOID_VA *DeviceObject);
/* Frees every device record (machine teardown). */
void io_devices_destroy(ke_machine *m);

/* Drops a reference to a driver object (its last device went); finishes an
 * unload that was waiting for it. */
void io_driver_dereference(ke_call *call, io_driver *d);

/* Declares a driver the scenario provides. Returns NULL on host OOM. */
io_driver *io_register_driver(ke_machine *m, const char *name, bool graphics, void *host);
/* Case-insensitive, as image names are on Windows. */
io_driver *io_find_driver(const ke_machine *m, const char *name);

/* Maps the image, builds the DRIVER_OBJECT, decides verification, patches the
 * imports. STATUS_IMAGE_ALREADY_LOADED if loaded. */
NTSTATUS io_load_begin(ke_call *call, io_driver *d);
/* After DriverEntry returned `status`: a failure unloads the image without
 * calling DriverUnload, as the I/O manager does. */
void io_load_end(ke_call *call, io_driver *d, NTSTATUS status);

/* STATUS_INVALID_DEVICE_REQUEST when the driver has no unload routine (it
 * cannot be unloaded), STATUS_OBJECT_NAME_NOT_FOUND when not loaded. */
NTSTATUS io_unload_begin(ke_call *call, io_driver *d);
/* After DriverUnload returned: the unload checks, then the image goes. */
void io_unload_end(ke_call *call, io_driver *d);

/*
 * Storage in a driver's image, zeroed, as a C global is: what KSPIN_LOCK(),
 * UNICODE_STRING() and the like return in a driver routine, and where its
 * string literals live. Gone when the image unloads. Returns 0 when the
 * image's data area (1 MiB less its header page) is full.
 */
PVOID_VA io_image_storage(ke_machine *m, io_driver *d, uint32_t bytes, uint32_t align);

/*
 * The PAGE section of an image: one page of pageable code, the last page of
 * the image's range, where the routines PAGE() marks live (#pragma
 * alloc_text(PAGE, ...)). Mapped, pageable and resident, the first time a
 * routine of it runs; trimmed with paged pool; gone at unload. Returns its
 * address.
 */
PVOID_VA io_page_section(ke_machine *m, io_driver *d);

/*
 * Named events (event.c). The standard condition events of \KernelObjects
 * are permanent; a driver's own, in \BaseNamedObjects, is deleted when its
 * last reference (handle or pointer) goes.
 */
#define IO_EVENT_NAME_MAX 128
typedef struct io_named_event {
    char name[IO_EVENT_NAME_MAX]; /* as first created; compared without case */
    struct ke_object *object;
    bool permanent;
    struct io_named_event *next;
} io_named_event;

/* An event's last reference went (object.c): a named event that is not
 * permanent leaves the namespace and its memory goes back to the pool. */
void io_event_released(ke_call *call, struct ke_object *o);
void io_named_events_free(ke_machine *m);

#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010u)

/* ------------------------------------------------------------------------ */
/* IRPs (irp.c)                                                             */
/* ------------------------------------------------------------------------ */

#define IO_TYPE_IRP                    6
#define IRP_MJ_MAXIMUM_FUNCTION        0x1B
#define IRP_MJ_CREATE                  0x00
#define IRP_MJ_CLOSE                   0x02
#define IRP_MJ_READ                    0x03
#define IRP_MJ_WRITE                   0x04
#define IRP_MJ_FLUSH_BUFFERS           0x09
#define IRP_MJ_DEVICE_CONTROL          0x0E
#define IRP_MJ_INTERNAL_DEVICE_CONTROL 0x0F
#define IRP_MJ_SHUTDOWN                0x10
#define IRP_MJ_CLEANUP                 0x12
/* IO_STACK_LOCATION.Control (wdm.h). */
#define SL_PENDING_RETURNED             0x01u
#define SL_INVOKE_ON_CANCEL             0x20u
#define SL_INVOKE_ON_SUCCESS            0x40u
#define SL_INVOKE_ON_ERROR              0x80u
#define DO_BUFFERED_IO                  0x00000004u
#define DO_DIRECT_IO                    0x00000010u
#define METHOD_BUFFERED                 0u
#define METHOD_IN_DIRECT                1u
#define METHOD_OUT_DIRECT               2u
#define METHOD_NEITHER                  3u
#define STATUS_MORE_PROCESSING_REQUIRED ((NTSTATUS)0xC0000016u)
#define STATUS_CANCELLED                ((NTSTATUS)0xC0000120u)
#define STATUS_NOT_SUPPORTED            ((NTSTATUS)0xC00000BBu)
#define IO_IRP_POOL_TAG                 0x20707249u /* "Irp " */
/* IoSetCompletionRoutineEx's context block. */
#define IO_COMPLETION_CONTEXT_TAG 0x6F436F49u /* "IoCo" */

/* Who made an IRP, which says what the I/O manager does when its
 * completion reaches the top. */
typedef enum io_irp_origin {
    IO_IRP_ALLOCATED,    /* IoAllocateIrp: its owner frees it (IoFreeIrp) */
    IO_IRP_SYNCHRONOUS,  /* IoBuildSynchronousFsdRequest, IoBuildDeviceIoControlRequest:
                            queued to the thread; the I/O manager completes and frees it */
    IO_IRP_ASYNCHRONOUS, /* IoBuildAsynchronousFsdRequest: freed by the caller's
                            completion routine */
    IO_IRP_USER,         /* a request of the harness (an application's ReadFile...) */
    IO_IRP_POWER,        /* PoRequestPowerIrp: the power manager calls its requester's
                            callback, then frees it (po/power.c) */
} io_irp_origin;

typedef struct io_irp {
    PVOID_VA va;
    uint8_t stack_count;
    io_irp_origin origin;
    io_driver *owner;         /* who allocated or built it; NULL = the I/O manager */
    struct ke_thread *thread; /* the thread it is queued to (a threaded IRP), or NULL */
    bool tracked;             /* allocated under I/O verification (level 1 tracks it) */
    uint32_t dispatching;     /* dispatch routines of it running now */
    uint32_t sent;            /* IoCallDriver calls made with it */
    bool completed;           /* IoCompleteRequest ran on it */
    uint32_t completions;     /* IoCompleteRequest calls on it (an IRP may be reused) */
    bool in_flight;           /* sent down, its completion not yet back with its owner */
    bool completing;          /* its completion routines are running */
    /* The buffers the I/O manager made for it: a system buffer to copy
     * back to `user_buffer` (a buffered read, a buffered IOCTL's output),
     * up to copy_back_bytes, and free; an MDL to free. */
    PVOID_VA system_buffer, user_buffer, mdl;
    uint32_t copy_back_bytes;
    bool copy_back;
    struct io_request *request; /* IO_IRP_USER: the harness' request */
    /* Made by IoInitializeIrp in its driver's memory (not IoAllocateIrp's):
     * on the I/O manager's list of those, dropped when the memory goes. */
    bool in_place;
    struct io_irp *next_in_place;
    bool charge_quota; /* IoAllocateIrp's ChargeQuota (I/O verification's 0x20D or 0x238) */
    /* Force pending I/O (vf/iov_pend.c): a verified driver's IoCallDriver
     * chosen to return STATUS_PENDING; its completion stops at the
     * location below the sender (pend_location, its completion routine)
     * while that IoCallDriver runs (pend_armed), and is held there
     * (pend_held) until the verifier resumes it (io_complete_resume). */
    uint8_t pend_location;
    bool pend_armed, pend_held;
} io_irp;

/* The IRP record at va, or NULL. */
io_irp *io_irp_at(const ke_machine *m, PVOID_VA va);
/* The memory of an IRP of StackSize locations: nonpaged pool under the
 * I/O manager's tag. The one place IRPs are allocated (the special pool
 * serves them under I/O verification when it exists). */
PVOID_VA io_irp_memory_allocate(ke_call *call, uint32_t bytes, bool verified);
/* Sizes of the structures for the machine's architecture. */
uint32_t io_irp_bytes(const ke_machine *m, uint32_t stack_size);
uint32_t io_stack_location_bytes(const ke_machine *m);
/* Makes an IRP (IoAllocateIrp's work) owned by `owner`. 0 on failure. */
PVOID_VA io_irp_create(ke_call *call, uint8_t stack_size, io_irp_origin origin, io_driver *owner);
/* Frees an IRP record and its memory, as the I/O manager does. */
void io_irp_free(ke_call *call, io_irp *irp);
/* The record of an IRP IoInitializeIrp made in a driver's memory (the
 * existing one if there is one). */
io_irp *io_irp_in_place(ke_call *call, PVOID_VA va, uint8_t stack_size);
/* Memory [start, end) was freed: the records of IRPs made in it go. */
void io_irps_memory_freed(ke_machine *m, PVOID_VA start, PVOID_VA end);
/* The next step of a DDI whose callout (dispatch, completion or cancel
 * routine) returned `result` (ke_callout_end hands I/O callouts here). */
uint64_t io_callout_end(ke_call *call, uint64_t result);
/* Completes an IRP from the kernel's own code (the invalid-request
 * dispatch, the harness): like IoCompleteRequest, may push completion
 * routines as callouts; `result` is what the calling DDI returns. */
void io_complete(ke_call *call, PVOID_VA Irp, uint64_t result);
/* Resumes a completion force pending I/O held (irp->pend_held): the walk
 * goes on up from the held location, as io_complete's would have. */
void io_complete_resume(ke_call *call, io_irp *irp);
/* A routine's address as stored in simulated memory (CompletionRoutine,
 * CancelRoutine, MajorFunction[]): inside its driver's image. */
uint64_t io_routine_token(const io_driver *d, io_routine r);
/* DriverEntry's address: the image's entry point, the first slot of the
 * routine addresses (io_routine_token numbers the others from 1). */
uint64_t io_entry_point(const io_driver *d);
io_routine io_routine_of_token(const ke_machine *m, uint64_t token, io_driver **d);
void io_irps_destroy(ke_machine *m);
/* ------------------------------------------------------------------------ */
/* Applications' requests (request.c)                                       */
/* ------------------------------------------------------------------------ */

/* An open device: a FILE_OBJECT and the application's handle to it. */
typedef struct io_file {
    uint64_t handle;
    PVOID_VA file_object;
    io_device *device; /* the device opened; requests go to the top of its stack */
    struct ps_process *process;
    bool closed;
    struct io_file *next;
} io_file;

/* A request in flight: its IRP until completion, then the outcome. */
typedef struct io_request {
    uint32_t id;
    uint8_t major;
    PVOID_VA irp;           /* 0 once completed */
    PVOID_VA event;         /* a notification KEVENT, set at completion */
    PVOID_VA direct_buffer; /* an IOCTL's direct output: the locked user pages */
    bool direct;
    /* Neither buffered nor direct (METHOD_NEITHER, a device without
     * DO_BUFFERED_IO or DO_DIRECT_IO): the application's own addresses, the
     * driver's Type3InputBuffer and UserBuffer. The copies the I/O calls
     * make of a string in the application's memory go with the request. */
    bool neither;
    PVOID_VA user_in, user_out; /* what the driver is given (0: none) */
    PVOID_VA owned_in, owned_out; /* the copies made, freed with the request */
    uint32_t owned_in_len, owned_out_len;
    bool done;
    NTSTATUS status;
    uint64_t information;
    uint32_t output_len;
    char *data; /* the output for the application (reads and IOCTLs) */
    uint32_t data_len;
    io_file *file;
    struct io_request *next;
} io_request;

typedef struct io_requests {
    io_file *files;
    io_request *list;
    uint64_t next_handle;
    uint32_t next_id;
} io_requests;

/* Symbolic links the kernel itself makes and removes (device
 * interfaces): false when the name exists or the host is out of memory. */
bool io_symbolic_link_add(ke_machine *m, const char *name, const char *target);
void io_symbolic_link_remove(ke_machine *m, const char *name);

/* The device a path names: "\\.\X" through a \DosDevices (\??) link,
 * or an NT device name. NULL if none. */
io_device *io_resolve_path(const ke_machine *m, const char *path);
/* The next handle value of an application's table (file handles and the
 * object manager's share one numbering). */
uint64_t io_next_user_handle(ke_machine *m);

io_file *io_file_open(ke_call *call, io_device *dev);
void io_file_release(ke_call *call, io_file *f);
io_file *io_file_of_handle(const ke_machine *m, uint64_t handle);
/* Builds the IRP of a request (IRP_MJ_CREATE, READ, WRITE, DEVICE_CONTROL,
 * CLEANUP, CLOSE) with the application's input; NULL with *status when it
 * cannot be made (STATUS_NOT_SUPPORTED: METHOD_NEITHER or neither
 * buffered nor direct I/O asked by the System process, which has no user
 * addresses to hand the driver). For those requests, in_va and out_va are
 * the application's own buffers when not 0 (else the input is copied into
 * its memory and the output is a new buffer there). */
io_request *io_request_build(ke_call *call, io_file *f, uint8_t major, ULONG code,
                             const void *input, uint32_t input_len, uint32_t output_len,
                             PVOID_VA in_va, PVOID_VA out_va, NTSTATUS *status);
io_request *io_request_of_id(const ke_machine *m, uint32_t id);
/* Completion reached the top of a request's IRP (irp.c). */
void io_request_completed(ke_call *call, io_irp *irp, NTSTATUS status, uint64_t information);
void io_request_free(ke_call *call, io_request *r);
void io_requests_destroy(ke_machine *m);

/* Where IoGetConfigurationInformation keeps its structure (irp.c). */
PVOID_VA *io_configuration_slot(ke_machine *m);

/* IoDeleteDevice: the device's I/O timer stops and goes. */
void io_device_timer_delete(ke_call *call, io_device *dev);
/* The symbolic link's target device name, or NULL. */
const char *io_symbolic_link_target(const ke_machine *m, const char *link);
/* The device object named `name` (a device name or a symbolic link to
 * one), or NULL. */
io_device *io_device_by_name(const ke_machine *m, const char *name);
/* The top of the stack the device is in. */
io_device *io_attached_top(io_device *dev);

/* Whether an SDDL string is in the subset IoCreateDeviceSecure accepts
 * (device_secure.c). */
bool io_sddl_valid(const char *sddl);
/* ------------------------------------------------------------------------ */
/* Remove locks (removelock.c)                                              */
/* ------------------------------------------------------------------------ */

/* What the kernel keeps beside an IO_REMOVE_LOCK (a checked kernel's DBG
 * block, Driver Verifier's shadow copy): its outstanding acquisitions by
 * tag, oldest first, and whether IoReleaseRemoveLockAndWait has run. */
typedef struct io_remove_lock {
    PVOID_VA va;
    io_driver *driver; /* who initialised it */
    bool waited;       /* IoReleaseRemoveLockAndWait ran: the lock is done with */
    struct io_remove_lock_tag {
        PVOID_VA tag;
        uint32_t count;
    } *tags;
    uint32_t tag_count, tag_capacity;
    PVOID_VA last_tag; /* the tag of the latest acquisition */
    struct io_remove_lock *next;
} io_remove_lock;

io_remove_lock *io_remove_lock_at(const ke_machine *m, PVOID_VA va);
/* Acquisitions outstanding under `tag`. */
uint32_t io_remove_lock_outstanding(const io_remove_lock *l, PVOID_VA tag);
/* The tag of the latest outstanding acquisition (else of the latest one). */
PVOID_VA io_remove_lock_any_tag(const io_remove_lock *l);
/* Memory [start, end) was freed: the records of locks in it go. */
void io_remove_locks_freed(ke_machine *m, PVOID_VA start, PVOID_VA end);
void io_remove_locks_destroy(ke_machine *m);

/* ------------------------------------------------------------------------ */
/* Callouts of the I/O manager's routines (irp.c, csq.c, startio.c)         */
/* ------------------------------------------------------------------------ */

/* The next callout of the calling execution, zeroed, or NULL when the
 * kernel stack has no room for it (the machine stopped with 0x7F). */
ke_callout *io_push_callout(ke_call *call, ke_callout_kind kind);
/* ke_callout.step of a dispatch callout PoRequestPowerIrp began: the DDI
 * returns STATUS_PENDING whatever the dispatch routine returns. */
#define IO_STEP_PO_REQUEST 1

/* IopCsqCancelRoutine: the cancel routine IoCsqInsertIrp sets, an address
 * in the kernel's image. */
#define IO_CSQ_CANCEL_ROUTINE_OFFSET 0x2100u
uint64_t io_csq_cancel_token(const ke_machine *m);
/* IoCancelIrp found IopCsqCancelRoutine (the cancel lock held, CancelIrql
 * set): runs it, calling the queue's callbacks as callouts. */
void io_csq_cancel(ke_call *call, PVOID_VA Irp);
/* The next step of an IoCsq* routine whose callback returned `result`. */
uint64_t io_csq_callout_end(ke_call *call, const ke_callout *c, uint64_t result);
/* The next step of IoStartPacket / IoStartNextPacket after the driver's
 * StartIo or cancel routine returned. */
uint64_t io_startio_callout_end(ke_call *call, const ke_callout *c);
/* ------------------------------------------------------------------------ */
/* The error log (errorlog.c)                                               */
/* ------------------------------------------------------------------------ */

#define IO_ERROR_LOG_MAX_STRINGS  8
#define IO_ERROR_LOG_STRING_CHARS 128

/* An entry a driver wrote (IoWriteErrorLogEntry), as the event log gets it. */
typedef struct io_error_entry {
    char driver[64]; /* the driver object's image, "" if none of the scenario's */
    PVOID_VA device; /* the device object, 0 when a driver object logged it */
    int64_t time_stamp;
    uint8_t major_function, retry_count;
    uint16_t event_category;
    uint32_t error_code, unique_error_value, final_status, sequence_number, io_control_code;
    uint64_t device_offset;
    uint8_t dump[256];
    uint32_t dump_bytes;
    char strings[IO_ERROR_LOG_MAX_STRINGS][IO_ERROR_LOG_STRING_CHARS]; /* ASCII, '?' beyond */
    uint32_t string_count;
} io_error_entry;

typedef struct io_error_log {
    io_error_entry *entries; /* in the order they were written */
    uint32_t count;
} io_error_log;

/* ERROR_LOG_MAXIMUM_SIZE on the machine's architecture. */
uint32_t io_error_log_maximum_size(const ke_machine *m);
const io_error_entry *io_error_log_entries(const ke_machine *m, uint32_t *count);
void io_error_log_free(ke_machine *m);

/* ------------------------------------------------------------------------ */
/* The file namespace and the Zw file routines (file.c)                      */
/* ------------------------------------------------------------------------ */

/* A file object ZwCreateFile made: not a dispatcher object (its number is
 * outside DISPATCHER_HEADER.Type's range, as a key object's is). */
#define KE_OBJECT_FILE ((ke_object_type)0x41)

/* The longest file drvsim stores (bytes): a write beyond is
 * STATUS_DISK_FULL. */
#define IO_FS_MAX_FILE (16u << 20)

/* Creates a file (its directories on the way) with its content, or with
 * data NULL a directory, from the scenario's seed or the harness; path
 * UTF-8 in the namespace's forms (\??\C:\..., \DosDevices\C:\...,
 * \SystemRoot\...). Returns the status (STATUS_OBJECT_NAME_INVALID for a
 * path outside the namespace, STATUS_OBJECT_NAME_COLLISION for a file where
 * a directory is, or the reverse). */
NTSTATUS io_fs_harness_set(ke_machine *m, const char *path, const void *data, uint32_t size);
/* A file's content (*size its length), or NULL when there is no such file;
 * *is_directory says a directory was found (NULL returned). */
const uint8_t *io_fs_harness_get(ke_machine *m, const char *path, uint32_t *size,
                                 bool *is_directory);
/* ZwClose of a file handle: the file object's cleanup (its share access
 * goes, a delete-on-close file is deleted). */
void io_fs_cleanup(ke_call *call, ke_object *o);
/* The last reference on a file object went (ob/object.c): frees it. */
void io_fs_file_released(ke_call *call, ke_object *o);
void io_fs_free(ke_machine *m);

#endif /* DRVSIM_IO_H */
