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
} io_driver;

/*
 * A device object: the kernel's state of a DEVICE_OBJECT, which lives in
 * nonpaged pool with its device extension right after it (wdm.h layout of
 * the fields drivers read). Later: the device stack (AttachedDevice), IRP
 * dispatch and symbolic links hang off this record.
 */
typedef struct io_device {
    PVOID_VA va;
    io_driver *driver;
    char name[128];         /* "\Device\X" as created (ASCII), "" for an unnamed device */
    int64_t references;     /* object references: 1 from creation, one per work item holding it */
    bool deleted;           /* IoDeleteDevice called: off the driver's list, nameless */
    struct io_device *next; /* the driver's list */
} io_device;

/* DEVICE_OBJECT.Flags bits (wdm.h). */
#define DO_EXCLUSIVE           0x00000008u
#define DO_DEVICE_INITIALIZING 0x00000080u
#define IO_TYPE_DEVICE         3

/* The device object at va (live, or deleted and still referenced), or NULL. */
io_device *io_device_at(const ke_machine *m, PVOID_VA va);
/* ObReferenceObject / ObDereferenceObject on a device object: the last
 * dereference of a deleted device frees it, which releases its driver. */
void io_device_reference(io_device *dev);
void io_device_dereference(ke_call *call, io_device *dev);
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

#endif /* DRVSIM_IO_H */
