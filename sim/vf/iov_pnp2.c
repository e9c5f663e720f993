/*
 * iov_pnp2.c - I/O verification's checks of a bus driver's children, of
 * the device objects the PnP routines require, of filters' device objects
 * and of file I/O's IRQL (0xC9, P1 0x221, 0x23C, 0x246, 0x249, 0x24A,
 * 0x24D); the rest of iov_pnp.c's level 2 checks.
 *
 * Children. The PnP manager learns a bus driver's children from its
 * answer to IRP_MN_QUERY_DEVICE_RELATIONS (BusRelations): a PDO in the
 * answer is present, one left out of a later answer is reported missing,
 * and only then may its bus driver delete it, in its IRP_MN_REMOVE_DEVICE
 * (0x221 otherwise). The verifier keeps what each stack last answered,
 * whoever sent the query (the PnP manager, or a scenario playing it), keyed
 * on the stack's bottom device; and each child's answers to IRP_MN_QUERY_ID
 * for its device ID and instance ID. A device instance ID (device ID and
 * instance ID) names one device node: two present children of one bus
 * giving the same one is 0x249. bug-check-0xc9 says "identical Device IDs";
 * drvsim compares the instance IDs too, as the PnP manager does, so two
 * identical devices on one bus (the same device ID, instance IDs "1" and
 * "2") are legal, as they are on Windows.
 */
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "io/pnp.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "vf/thunks.h"
#include "vf/vf.h"

#define BusQueryDeviceID_   0u
#define BusQueryInstanceID_ 3u
#define CHILD_ID_MAX        200u

/* A PDO a bus driver reported in BusRelations. */
typedef struct vf_child {
    PVOID_VA pdo;
    PVOID_VA bus;  /* the bottom device of the stack that reported it */
    bool present;  /* in the bus's last answer */
    bool deleted;  /* IoDeleteDevice called on it */
    bool has_id, has_instance;
    char id[CHILD_ID_MAX], instance[CHILD_ID_MAX];
} vf_child;

typedef struct vf_iov_children {
    vf_child *items;
    uint32_t count, capacity;
} vf_iov_children;

void vf_iov_children_destroy(struct vf_iov_children *c)
{
    if (c == NULL)
        return;
    free(c->items);
    free(c);
}

static bool level2(const ke_call *call)
{
    return vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) && call->m->vf->settings.iolevel >= 2;
}

static uint64_t peek_field(ke_machine *m, PVOID_VA va, const ke_field *f)
{
    uint64_t v = 0;
    mm_peek(m->mm, va + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f));
    return v;
}

static uint32_t ptr_bytes(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? 4u : 8u;
}

static vf_child *child_at(ke_machine *m, PVOID_VA pdo)
{
    vf_iov_children *c = m->vf->children;
    for (uint32_t i = 0; c != NULL && i < c->count; i++)
        if (c->items[i].pdo == pdo)
            return &c->items[i];
    return NULL;
}

static vf_child *child_add(ke_machine *m, PVOID_VA pdo)
{
    vf_iov_children *c = m->vf->children;
    if (c == NULL) {
        c = calloc(1, sizeof *c);
        if (c == NULL)
            return NULL;
        m->vf->children = c;
    }
    if (c->count == c->capacity) {
        uint32_t cap = c->capacity != 0 ? 2 * c->capacity : 16;
        vf_child *grown = realloc(c->items, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        c->items = grown;
        c->capacity = cap;
    }
    vf_child *ch = &c->items[c->count++];
    memset(ch, 0, sizeof *ch);
    ch->pdo = pdo;
    return ch;
}

static io_device *bottom_of(io_device *dev)
{
    while (dev != NULL && dev->lower != NULL)
        dev = dev->lower;
    return dev;
}

/* ------------------------------------------------------------------------ */
/* Children: BusRelations, IRP_MN_QUERY_ID, IRP_MN_REMOVE_DEVICE            */
/* ------------------------------------------------------------------------ */

/* A successful BusRelations answer completed at `dev`: its list is the
 * bus's children now. */
static void relations_answered(ke_machine *m, io_device *dev, PVOID_VA relations)
{
    io_device *bus = bottom_of(dev);
    if (bus == NULL)
        return;
    vf_iov_children *c = m->vf->children;
    for (uint32_t i = 0; c != NULL && i < c->count; i++)
        if (c->items[i].bus == bus->va)
            c->items[i].present = false; /* missing unless listed again */
    uint32_t count = 0;
    mm_peek(m->mm, relations, &count, 4);
    for (uint32_t i = 0; i < count && i < 256; i++) {
        PVOID_VA object = 0;
        mm_peek(m->mm, relations + (uint64_t)ptr_bytes(m) * (i + 1), &object, ptr_bytes(m));
        io_device *pdo = io_device_at(m, object);
        if (pdo == NULL || pdo->deleted || pdo->lower != NULL)
            continue; /* not a PDO: 0x248's business */
        vf_child *ch = child_at(m, object);
        if (ch != NULL && ch->deleted) {
            memset(ch, 0, sizeof *ch); /* a new device object at a freed one's address */
            ch->pdo = object;
        }
        if (ch == NULL && (ch = child_add(m, object)) == NULL)
            return;
        ch->bus = bus->va;
        ch->present = true;
    }
}

/* Reads the UTF-16 string an IRP_MN_QUERY_ID answer points to (ASCII is
 * what IDs hold). */
static void read_id(ke_machine *m, PVOID_VA s, char *out, size_t len)
{
    size_t n = 0;
    for (; s != 0 && n + 1 < len; n++) {
        uint16_t ch = 0;
        mm_peek(m->mm, s + 2 * n, &ch, 2);
        if (ch == 0)
            break;
        out[n] = ch < 0x80 ? (char)ch : '?';
    }
    out[n] = '\0';
}

/* A child answered its device ID or instance ID: the second of two present
 * children of one bus with the same device instance ID is 0x249. */
static bool id_answered(ke_call *call, io_device *pdo, uint32_t type, PVOID_VA text)
{
    ke_machine *m = call->m;
    vf_child *ch = child_at(m, pdo->va);
    if (ch == NULL || ch->deleted || text == 0)
        return false;
    if (type == BusQueryDeviceID_) {
        read_id(m, text, ch->id, sizeof ch->id);
        ch->has_id = true;
    } else {
        read_id(m, text, ch->instance, sizeof ch->instance);
        ch->has_instance = true;
    }
    if (!ch->present || !ch->has_id || !ch->has_instance)
        return false;
    vf_iov_children *c = m->vf->children;
    for (uint32_t i = 0; i < c->count; i++) {
        const vf_child *o = &c->items[i];
        if (o != ch && o->bus == ch->bus && o->present && !o->deleted && o->has_id &&
            o->has_instance && strcmp(o->id, ch->id) == 0 &&
            strcmp(o->instance, ch->instance) == 0)
            return vf_io_raise(call, RULE_io2_duplicate_device_id, NULL, ke_caller_code(call),
                               o->pdo, ch->pdo);
    }
    return false;
}

/* IoCompleteRequest on a PnP IRP at `dev` (iov_pnp.c, before its own
 * completion checks). */
bool vf_iov_pnp_completing(ke_call *call, io_device *dev, uint64_t minor, uint64_t argument0,
                           uint32_t status, uint64_t information)
{
    if (dev == NULL || !NT_SUCCESS((NTSTATUS)status) || information == 0)
        return false;
    uint32_t type = (uint32_t)argument0;
    if (minor == IRP_MN_QUERY_DEVICE_RELATIONS && type == BusRelations) {
        relations_answered(call->m, dev, information);
        return false;
    }
    if (minor == IRP_MN_QUERY_ID && dev->lower == NULL &&
        (type == BusQueryDeviceID_ || type == BusQueryInstanceID_))
        return id_answered(call, dev, type, information);
    return false;
}

void vf_iov_device_deleted(ke_machine *m, PVOID_VA DeviceObject)
{
    vf_child *ch = child_at(m, DeviceObject);
    if (ch != NULL)
        ch->deleted = true;
}

/* A PDO's dispatch routine returned from IRP_MN_REMOVE_DEVICE: it may have
 * deleted its device only once its bus reported it missing. */
bool vf_iov_pdo_remove_returned(ke_call *call, const ke_callout *c, struct io_irp *irp)
{
    ke_machine *m = call->m;
    vf_child *ch = child_at(m, c->device);
    if (ch == NULL || !ch->deleted)
        return false;
    bool present = ch->present;
    *ch = m->vf->children->items[--m->vf->children->count]; /* forgotten: the object went */
    if (!present)
        return false;
    return vf_io_raise(call, RULE_io2_pdo_deleted_present, c->driver,
                       io_routine_token(c->driver, c->routine), irp->va, c->device);
}

/* ------------------------------------------------------------------------ */
/* A filter's device type; a cancel routine left on a completed IRP         */
/* ------------------------------------------------------------------------ */

/* IRP_MN_START_DEVICE reached `dev` (after iov_pnp.c's checks of AddDevice's
 * work): a filter's device takes the DeviceType of the device it attached
 * to ("Filter DO requirements": the I/O manager's rules for a stack use the
 * top device's type). The PnP manager knows which drivers of a device node
 * are filters (its lower and upper filters); a stack a scenario builds by
 * hand has no roles, and is not checked. */
void vf_iov_filter_started(ke_call *call, const ke_callout *c, struct io_irp *irp, io_device *dev)
{
    ke_machine *m = call->m;
    if (dev->lower == NULL)
        return;
    io_devnode *n = io_pnp_node_of_stack(m, dev);
    if (n == NULL)
        return;
    uint32_t index = n->driver_count;
    for (uint32_t i = 0; i < n->driver_count; i++)
        if (n->drivers[i] == dev->driver) {
            index = i;
            break;
        }
    if (index == n->driver_count || index == n->decl.lower_count)
        return; /* not of the node, or its function driver */
    uint64_t type = peek_field(m, dev->va, KE_FIELD(DEVICE_OBJECT, DeviceType));
    uint64_t below = peek_field(m, dev->lower->va, KE_FIELD(DEVICE_OBJECT, DeviceType));
    if (type != below)
        vf_io_raise(call, RULE_io2_filter_device_type, c->driver,
                    io_routine_token(c->driver, c->routine), irp->va, dev->va);
}

/* A completion routine returned, letting completion go on, with a cancel
 * routine on the IRP: it completes with one set (IoSetCancelRoutine(Irp,
 * NULL) belongs before). Level 1's 0x07 is IoCompleteRequest's own check,
 * made before the completion routines run. */
bool vf_iov_completed_with_cancel(ke_call *call, const ke_callout *c, struct io_irp *irp)
{
    ke_machine *m = call->m;
    uint64_t cancel = peek_field(m, irp->va, KE_FIELD(IRP, CancelRoutine));
    if (cancel == 0)
        return false;
    return vf_io_raise(call, RULE_io2_completed_cancel_routine_set, c->driver,
                       io_routine_token(c->driver, c->routine), irp->va, cancel);
}

/* ------------------------------------------------------------------------ */
/* Routines that require a PDO; file I/O at PASSIVE_LEVEL                   */
/* ------------------------------------------------------------------------ */

/* A device object the PnP manager enumerated (a device node's PDO), as
 * IoGetDeviceProperty and the others require; false after 0x24D. Windows
 * without the verifier stops at the kernel's own check (0xCA, P1 2). */
static bool pdo_required(ke_call *call, PVOID_VA DeviceObject)
{
    if (!level2(call))
        return true;
    ke_machine *m = call->m;
    if (io_pnp_node_of(m, io_device_at(m, DeviceObject)) != NULL)
        return true;
    return !vf_io_raise(call, RULE_io2_not_a_pdo, NULL, ke_caller_code(call), 0, DeviceObject);
}

static NTSTATUS vf_IoGetDeviceProperty(ke_call *call, PVOID_VA DeviceObject, ULONG DeviceProperty,
                                       ULONG BufferLength, PVOID_VA PropertyBuffer,
                                       ULONG *ResultLength)
{
    if (!pdo_required(call, DeviceObject)) {
        *ResultLength = 0;
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    return IoGetDeviceProperty(call, DeviceObject, DeviceProperty, BufferLength, PropertyBuffer,
                               ResultLength);
}

static NTSTATUS vf_IoOpenDeviceRegistryKey(ke_call *call, PVOID_VA DeviceObject,
                                           ULONG DevInstKeyType, ULONG DesiredAccess,
                                           uint64_t *DeviceRegKey)
{
    if (!pdo_required(call, DeviceObject)) {
        *DeviceRegKey = 0;
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    return IoOpenDeviceRegistryKey(call, DeviceObject, DevInstKeyType, DesiredAccess,
                                   DeviceRegKey);
}

static NTSTATUS vf_IoRegisterDeviceInterface(ke_call *call, PVOID_VA PhysicalDeviceObject,
                                             PVOID_VA InterfaceClassGuid,
                                             PVOID_VA ReferenceString, PVOID_VA SymbolicLinkName)
{
    if (!pdo_required(call, PhysicalDeviceObject))
        return STATUS_INVALID_DEVICE_REQUEST;
    return IoRegisterDeviceInterface(call, PhysicalDeviceObject, InterfaceClassGuid,
                                     ReferenceString, SymbolicLinkName);
}

static void vf_IoInvalidateDeviceState(ke_call *call, PVOID_VA PhysicalDeviceObject)
{
    if (pdo_required(call, PhysicalDeviceObject))
        IoInvalidateDeviceState(call, PhysicalDeviceObject);
}

static void vf_IoInvalidateDeviceRelations(ke_call *call, PVOID_VA DeviceObject, ULONG Type)
{
    if (pdo_required(call, DeviceObject))
        IoInvalidateDeviceRelations(call, DeviceObject, Type);
}

/* The file I/O routines (ZwCreateFile, ZwOpenFile, ZwReadFile, ...) run at
 * PASSIVE_LEVEL only; false after 0x24A (P4 the IRQL). Their thunks are in
 * thunks_cm.c, with the security checks. */
bool vf_iov_file_irql(ke_call *call)
{
    KIRQL irql = ke_call_irql(call);
    if (irql == PASSIVE_LEVEL || !level2(call))
        return true;
    return !vf_io_raise(call, RULE_io2_file_io_irql, NULL, ke_caller_code(call), 0, irql);
}

void vf_patch_imports_iov2(ddi_imports *imports)
{
    imports->IoGetDeviceProperty = vf_IoGetDeviceProperty;
    imports->IoOpenDeviceRegistryKey = vf_IoOpenDeviceRegistryKey;
    imports->IoRegisterDeviceInterface = vf_IoRegisterDeviceInterface;
    imports->IoInvalidateDeviceState = vf_IoInvalidateDeviceState;
    imports->IoInvalidateDeviceRelations = vf_IoInvalidateDeviceRelations;
}
