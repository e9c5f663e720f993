/*
 * wmi.h - WMI and ETW registrations (wmi.c): the device objects and
 * callbacks a driver registers with IoWMIRegistrationControl, and its ETW
 * providers (EtwRegister), which Driver Verifier's miscellaneous checks
 * look for when the driver unloads or deletes a device (0xC4/0xDA-0xDD).
 */
#ifndef DRVSIM_IO_WMI_H
#define DRVSIM_IO_WMI_H

#include "io/io.h"

#define WMIREG_ACTION_REGISTER     1u
#define WMIREG_ACTION_DEREGISTER   2u
#define WMIREG_ACTION_REREGISTER   3u
#define WMIREG_ACTION_UPDATE_GUIDS 4u
#define WMIREG_ACTION_BLOCK_IRPS   5u
#define WMIREG_FLAG_CALLBACK       0x80000000u
#ifndef STATUS_INVALID_HANDLE
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008u)
#endif

typedef struct io_wmi_reg {
    io_driver *driver;
    bool callback; /* WMIREG_FLAG_CALLBACK: `va` is a WMIENTRY routine's address */
    PVOID_VA va;   /* the device object, or the callback */
    struct io_wmi_reg *next;
} io_wmi_reg;

typedef struct io_etw_reg {
    io_driver *driver;
    PVOID_VA handle; /* the REGHANDLE: the registration's block */
    uint64_t site;   /* the address of the EtwRegister call in the driver's code */
    struct io_etw_reg *next;
} io_etw_reg;

typedef struct io_wmi {
    io_wmi_reg *regs;
    io_etw_reg *etw;
} io_wmi;

/* The registration of a device object, or NULL. */
io_wmi_reg *io_wmi_device(const ke_machine *m, PVOID_VA device);
/* A driver's callback registration and ETW registration still there. */
io_wmi_reg *io_wmi_callback_of(const ke_machine *m, const io_driver *d);
io_etw_reg *io_etw_of(const ke_machine *m, const io_driver *d);
io_etw_reg *io_etw_at(const ke_machine *m, PVOID_VA handle);
/* A device object or a driver went: their registrations are dropped. */
void io_wmi_device_deleted(ke_machine *m, PVOID_VA device);
void io_wmi_driver_unloaded(ke_call *call, io_driver *d);
void io_wmi_destroy(ke_machine *m);

#endif /* DRVSIM_IO_WMI_H */
