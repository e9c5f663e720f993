/*
 * irplog.h - IRP logging (verifier.exe /flags 0x400, rule class 11; I/O
 * verification comes with it, as verifier.exe turns 0x10 on with 0x400).
 *
 * Windows (irp-logging.md): the verifier records how a driver uses IRPs as
 * WMI data, "not more than twenty IRPs for each device": once the
 * twenty-first is recorded, the first record is replaced, so the record
 * holds the twenty most recent "but there is no way to know which of these
 * is the most recent one"; it lives in memory until reboot, and
 * DC2WMIParser turns it into text (per device its name, and per IOCTL its
 * device type, function, method, access and buffer lengths).
 *
 * drvsim keeps, per device object of a verified driver, a ring of
 * VF_IRPLOG_ENTRIES entries in Windows' slot order (the 21st IRP lands in
 * slot 0), one for each IRP dispatched to the device (IoCallDriver calling
 * its dispatch routine): the major and minor function, for
 * IRP_MJ_DEVICE_CONTROL and IRP_MJ_INTERNAL_DEVICE_CONTROL the I/O control
 * code and the buffer lengths, and, as drvsim's own additions that let a
 * test order them, the calling thread's id, the simulated time and the
 * entry's sequence number over the run. Nothing is a host address. The
 * record of a deleted device stays (until the run ends, as until reboot);
 * a device object created later at the same address gets a record of its
 * own, as on Windows, where the record belongs to the device object.
 *
 * With 0x400 off nothing here runs.
 */
#ifndef DRVSIM_VF_IRPLOG_H
#define DRVSIM_VF_IRPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ke/ke.h"

#define VF_IRPLOG_ENTRIES 20u   /* per device (irp-logging.md) */
#define VF_IRPLOG_DEVICES 4096u /* devices logged at most in a run */

typedef struct vf_irplog_entry {
    uint64_t seq;        /* 1 = the run's first logged IRP */
    uint64_t time_100ns; /* when it was dispatched */
    uint32_t thread;     /* the thread that sent it */
    uint8_t major, minor;
    uint32_t ioctl;                     /* IoControlCode; 0 when not an IOCTL */
    uint32_t input_bytes, output_bytes; /* the IOCTL's buffer lengths */
} vf_irplog_entry;

typedef struct vf_irplog_device {
    PVOID_VA device; /* the device object */
    uint64_t serial; /* which one: a later device object may reuse the address */
    uint32_t driver; /* its driver's index */
    char name[128];  /* its name when it was first logged ("" if unnamed) */
    uint64_t total;  /* IRPs logged, also those the ring no longer holds */
    uint32_t count;  /* entries in the ring, up to VF_IRPLOG_ENTRIES */
    uint32_t next;   /* the slot the next IRP replaces */
    vf_irplog_entry ring[VF_IRPLOG_ENTRIES];
} vf_irplog_device;

typedef struct vf_irplog {
    vf_irplog_device *devices; /* in the order of their first logged IRP */
    size_t count, capacity;
    uint64_t seq;
} vf_irplog;

void vf_irplog_free(vf_irplog *log);

/* IoCallDriver is about to call the dispatch routine of `device` (of
 * driver d) for Irp at stack location `sl`: logs it when d is verified
 * with 0x400 on. */
void vf_irplog_dispatch(ke_call *call, struct io_device *device, PVOID_VA Irp, PVOID_VA sl);

/* The record of the device object at `device` (the newest one made there),
 * or NULL if none of its IRPs was logged. */
const vf_irplog_device *vf_irplog_find(const ke_machine *m, PVOID_VA device);

#endif /* DRVSIM_VF_IRPLOG_H */
