/*
 * pnp.h - the Plug and Play manager (pnp.c): devices the scenario declares
 * on a simulated root bus, their device nodes, the PDOs the bus makes for
 * them, and the IRP_MJ_PNP flow Windows runs on their stacks (arrival,
 * orderly and surprise removal, stop / rebalance, queries); device
 * interfaces and device properties.
 *
 * The kernel cannot run driver code, so an operation is a sequence of
 * actions the host carries out one at a time (io_pnp_next): load a driver
 * (DriverEntry), call its AddDevice, send an IRP to a device and wait for
 * its completion, unload a driver whose last device went. The order, the
 * IRPs' contents and the states are decided here; the host only runs them.
 */
#ifndef DRVSIM_IO_PNP_H
#define DRVSIM_IO_PNP_H

#include "io/io.h"

#define IRP_MJ_POWER          0x16
#define IRP_MJ_SYSTEM_CONTROL 0x17
#define IRP_MJ_PNP            0x1B

/* IRP_MJ_PNP minor codes (wdm.h). */
#define IRP_MN_START_DEVICE                 0x00
#define IRP_MN_QUERY_REMOVE_DEVICE          0x01
#define IRP_MN_REMOVE_DEVICE                0x02
#define IRP_MN_CANCEL_REMOVE_DEVICE         0x03
#define IRP_MN_STOP_DEVICE                  0x04
#define IRP_MN_QUERY_STOP_DEVICE            0x05
#define IRP_MN_CANCEL_STOP_DEVICE           0x06
#define IRP_MN_QUERY_DEVICE_RELATIONS       0x07
#define IRP_MN_QUERY_INTERFACE              0x08
#define IRP_MN_QUERY_CAPABILITIES           0x09
#define IRP_MN_QUERY_RESOURCES              0x0A
#define IRP_MN_QUERY_RESOURCE_REQUIREMENTS  0x0B
#define IRP_MN_QUERY_DEVICE_TEXT            0x0C
#define IRP_MN_FILTER_RESOURCE_REQUIREMENTS 0x0D
#define IRP_MN_QUERY_ID                     0x13
#define IRP_MN_QUERY_PNP_DEVICE_STATE       0x14
#define IRP_MN_QUERY_BUS_INFORMATION        0x15
#define IRP_MN_DEVICE_USAGE_NOTIFICATION    0x16
#define IRP_MN_SURPRISE_REMOVAL             0x17

/* IRP_MJ_POWER minor codes. */
#define IRP_MN_WAIT_WAKE   0x00
#define IRP_MN_SET_POWER   0x02
#define IRP_MN_QUERY_POWER 0x03

/* IRP_MJ_SYSTEM_CONTROL (WMI) minor codes. */
#define IRP_MN_QUERY_ALL_DATA     0x00
#define IRP_MN_REGINFO            0x08
#define IRP_MN_REGINFO_EX         0x0B
#define STATUS_WMI_GUID_NOT_FOUND ((NTSTATUS)0xC0000295u)

/* DEVICE_OBJECT.Flags. */
#define DO_BUS_ENUMERATED_DEVICE 0x00001000u
#define DO_POWER_PAGABLE         0x00002000u
#define DO_POWER_INRUSH          0x00004000u

#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184u)
#define STATUS_NO_SUCH_DEVICE       ((NTSTATUS)0xC000000Eu)
#define STATUS_DEVICE_BUSY          ((NTSTATUS)0x80000011u)
#define STATUS_OBJECT_NAME_EXISTS   ((NTSTATUS)0x40000000u)

/* BUS_QUERY_ID_TYPE, DEVICE_TEXT_TYPE, DEVICE_RELATION_TYPE. */
#define BusQueryDeviceID              0u
#define BusQueryHardwareIDs           1u
#define BusQueryCompatibleIDs         2u
#define BusQueryInstanceID            3u
#define DeviceTextDescription         0u
#define DeviceTextLocationInformation 1u
#define BusRelations                  0u
#define RemovalRelations              3u
#define TargetDeviceRelation          4u

/* CM_PARTIAL_RESOURCE_DESCRIPTOR.Type. */
#define CmResourceTypePort      1u
#define CmResourceTypeInterrupt 2u
#define CmResourceTypeMemory    3u
#define CmResourceTypeDma       4u

#define PNP_MAX_FILTERS   4
#define PNP_MAX_RESOURCES 8
#define PNP_NAME_MAX      64
#define PNP_ID_MAX        128

typedef struct pnp_resource {
    uint8_t type; /* CmResourceTypeXxx */
    uint8_t share;
    uint16_t flags;
    uint64_t start;  /* port, memory: the first address; interrupt: 0 */
    uint32_t length; /* port, memory */
    uint32_t level, vector;
    uint64_t affinity;
} pnp_resource;

/* A device as the scenario declares it (scenario{ devices = ... }). */
typedef struct pnp_device_decl {
    char name[PNP_NAME_MAX];      /* how the harness names it */
    char hardware_id[PNP_ID_MAX]; /* "ROOT\PNPREF": its enumerator, then the device */
    char description[PNP_ID_MAX]; /* DeviceTextDescription ("" = the hardware ID) */
    char function[PNP_NAME_MAX];  /* the function driver's image */
    char lower[PNP_MAX_FILTERS][PNP_NAME_MAX];
    char upper[PNP_MAX_FILTERS][PNP_NAME_MAX];
    uint32_t lower_count, upper_count;
    pnp_resource resources[PNP_MAX_RESOURCES];
    uint32_t resource_count;
    bool removable; /* DEVICE_CAPABILITIES.Removable and SurpriseRemovalOK */
} pnp_device_decl;

/* A device node's state (Windows' DNF/DeviceNodeXxx, as the driver sees it). */
typedef enum pnp_state {
    PNP_STATE_PRESENT = 0, /* enumerated: the PDO exists, no driver attached */
    PNP_STATE_STARTED,
    PNP_STATE_STOPPED,  /* IRP_MN_STOP_DEVICE done, waiting for its new start */
    PNP_STATE_SURPRISE, /* IRP_MN_SURPRISE_REMOVAL done, IRP_MN_REMOVE_DEVICE to come */
    PNP_STATE_REMOVED,  /* IRP_MN_REMOVE_DEVICE done (the PDO stays while present) */
    PNP_STATE_FAILED,   /* AddDevice or the start failed; removed */
    PNP_STATE_GONE,     /* surprise-removed and removed: the PDO is deleted */
} pnp_state;

/* What the harness asks the PnP manager to do. */
typedef enum pnp_op {
    PNP_OP_NONE = 0,
    PNP_OP_ARRIVE,      /* enumerate, load, AddDevice, start, the queries after start */
    PNP_OP_REMOVE,      /* QUERY_REMOVE, then REMOVE (or CANCEL_REMOVE on a veto) */
    PNP_OP_SURPRISE,    /* SURPRISE_REMOVAL, and REMOVE when no handle is open */
    PNP_OP_REBALANCE,   /* QUERY_STOP, STOP, START again (or CANCEL_STOP on a veto) */
    PNP_OP_STOP_CANCEL, /* QUERY_STOP, then CANCEL_STOP (the rebalance is abandoned) */
    PNP_OP_QUERY,       /* one query IRP to the top of the stack */
    PNP_OP_STATE,       /* IoInvalidateDeviceState's QUERY_PNP_DEVICE_STATE */
    PNP_OP_WMI,         /* one IRP_MJ_SYSTEM_CONTROL request to the stack's WMI provider */
    PNP_OP_POWER_QUERY, /* the power manager's S-IRPs (po/power.c): IRP_MN_QUERY_POWER */
    PNP_OP_POWER_SET,   /* IRP_MN_SET_POWER */
} pnp_op;

typedef enum pnp_action_kind {
    PNP_ACT_DONE = 0,   /* the operation ended: io_devnode.op_status */
    PNP_ACT_LOAD,       /* load `driver` (its DriverEntry) */
    PNP_ACT_ADD_DEVICE, /* call `driver`'s AddDevice(DriverObject, device = the PDO) */
    PNP_ACT_SEND,       /* IoCallDriver(device, irp); on STATUS_PENDING wait for `event` */
    PNP_ACT_UNLOAD,     /* unload `driver`: its last device went */
} pnp_action_kind;

typedef struct pnp_action {
    pnp_action_kind kind;
    io_driver *driver;
    PVOID_VA device, irp, event;
    uint64_t routine; /* PNP_ACT_ADD_DEVICE: AddDevice's address */
} pnp_action;

/* A device interface (IoRegisterDeviceInterface). */
typedef struct pnp_interface {
    char link[192]; /* "\??\ROOT#PNPREF#0000#{guid}" */
    uint8_t guid[16];
    bool enabled;
    struct io_devnode *node;
    struct pnp_interface *next;
} pnp_interface;

typedef struct io_devnode {
    pnp_device_decl decl;
    uint32_t instance;                           /* its number on the bus: the instance ID "0000" */
    char instance_path[PNP_ID_MAX + 8];          /* "ROOT\PNPREF\0000" */
    io_driver *drivers[2 * PNP_MAX_FILTERS + 1]; /* bottom up: lower filters, function, upper */
    uint32_t driver_count;
    io_device *pdo;
    pnp_state state;
    /* The operation in progress. */
    pnp_op op;
    uint32_t step, index;
    NTSTATUS op_status;
    uint8_t sent_major, sent_minor; /* the IRP in flight, for its result */
    uint32_t query_arg;             /* PNP_OP_QUERY: the minor's parameter */
    uint8_t query_minor;
    PVOID_VA sync;          /* the PnP manager's KEVENT and IO_STATUS_BLOCK (nonpaged) */
    PVOID_VA resources;     /* the CM_RESOURCE_LIST START_DEVICE hands out */
    PVOID_VA buffer;        /* a query's buffer (capabilities, an interface) */
    bool loading;           /* a driver of the stack is being loaded for it */
    bool state_invalidated; /* IoInvalidateDeviceState called */
    bool relations_invalidated;
    /* The last query's answer. */
    NTSTATUS result_status;
    uint64_t result_info;
    char result_text[512]; /* an ID or text (a MULTI_SZ's strings joined with ';') */
    uint32_t result_relations;
    uint32_t capabilities[0x10]; /* DEVICE_CAPABILITIES as ULONGs */
    uint32_t pnp_device_state;
    uint32_t result_len;   /* PNP_OP_WMI: the bytes of result_text the provider wrote */
    PVOID_VA wmi_provider; /* PNP_OP_WMI: the registered device of the stack */
    struct io_devnode *next;
} io_devnode;

typedef struct io_pnp {
    io_devnode *nodes;
    uint32_t node_count;
    uint32_t pdo_count; /* PDO names: \Device\00000001, ... */
    io_driver bus;      /* \Driver\PnpManager: the root bus driver, owner of the PDOs */
    pnp_interface *interfaces;
} io_pnp;

/* Declares a device (before the run). NULL on host OOM. */
io_devnode *io_pnp_declare(ke_machine *m, const pnp_device_decl *decl);
io_devnode *io_pnp_find(const ke_machine *m, const char *name);
/* The device node whose PDO `dev` is, or NULL (not a PDO). */
io_devnode *io_pnp_node_of(const ke_machine *m, const io_device *dev);
/* The device node whose stack holds `dev`, or NULL. */
io_devnode *io_pnp_node_of_stack(const ke_machine *m, const io_device *dev);
bool io_pnp_is_bus(const ke_machine *m, const io_driver *d);

/*
 * Starts an operation; STATUS_INVALID_DEVICE_STATE when the device is not
 * in a state it applies to, STATUS_DEVICE_BUSY when one runs. For
 * PNP_OP_QUERY, `minor` and `arg` say which query.
 */
NTSTATUS io_pnp_begin(ke_call *call, io_devnode *n, pnp_op op, uint8_t minor, uint32_t arg);
/* The next action; `last` is the outcome of the previous one (the status
 * AddDevice or IoCallDriver returned, DriverEntry's status). */
void io_pnp_next(ke_call *call, io_devnode *n, NTSTATUS last, pnp_action *a);

/* A device whose state or relations a driver invalidated (the PnP
 * manager's worker): the operation to run for it, or NULL. */
io_devnode *io_pnp_pending_event(ke_machine *m, pnp_op *op, uint8_t *minor, uint32_t *arg);
/* IoCallDriver to a PDO: the bus driver's dispatch (completes the IRP). */
NTSTATUS io_pnp_pdo_dispatch(ke_call *call, io_device *pdo, PVOID_VA Irp, uint8_t major);
/* The DRIVER_EXTENSION of a driver object, made at first use (AddDevice). */
PVOID_VA io_driver_extension(ke_machine *m, io_driver *d);
/* A device object went: interfaces of its node stay registered (as the
 * registry keeps them) but are disabled. */
void io_pnp_destroy(ke_machine *m);

#endif /* DRVSIM_IO_PNP_H */
