/*
 * pnpif.c - what drivers ask the PnP manager about a device node: its
 * properties (IoGetDeviceProperty), its device interfaces
 * (IoRegisterDeviceInterface, IoSetDeviceInterfaceState) and the top of its
 * stack (IoGetAttachedDevice).
 *
 * A device interface is a symbolic link \??\<instance path with '#'>#{guid}
 * (and \<reference string>) to the PDO; enabled, it opens the device's stack
 * from the harness (CreateFile("\\\\.\\ROOT#PNPREF#0000#{...}")), as an
 * application opens it through SetupDi's device path. The PnP manager
 * disables a removed device's interfaces (pnp.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/pnp.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"

#define PNP_POOL_TAG               0x20506E50u /* "PnP " */
#define STATUS_BUFFER_TOO_SMALL    ((NTSTATUS)0xC0000023u)
#define STATUS_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0u)
#define PNP_ERR_INVALID_PDO        2u

/* DEVICE_REGISTRY_PROPERTY (wdm.h). */
enum {
    DevicePropertyDeviceDescription = 0,
    DevicePropertyHardwareID = 1,
    DevicePropertyCompatibleIDs = 2,
    DevicePropertyClassName = 5,
    DevicePropertyClassGuid = 6,
    DevicePropertyDriverKeyName = 7,
    DevicePropertyPhysicalDeviceObjectName = 11,
    DevicePropertyLegacyBusType = 13,
    DevicePropertyBusNumber = 14,
    DevicePropertyEnumeratorName = 15,
    DevicePropertyInstallState = 18,
    DevicePropertyRemovalPolicy = 19,
    DevicePropertyAllocatedResources = 21,
    DevicePropertyContainerID = 22,
};

/* Root devices install into the System class (devguid.h). */
#define SYSTEM_CLASS_GUID "{4d36e97d-e325-11ce-bfc1-08002be10318}"

/* The node of a PDO, or 0xCA (P1 2, the object) as ASSERT_PDO does. */
static io_devnode *pdo_node(ke_call *call, PVOID_VA DeviceObject)
{
    io_devnode *n = io_pnp_node_of(call->m, io_device_at(call->m, DeviceObject));
    if (n == NULL) {
        const uint64_t p[4] = {PNP_ERR_INVALID_PDO, DeviceObject, 0, 0};
        kd_raise_full(call, RULE_kpnp_invalid_pdo, 0xCA, p, NULL, NULL);
    }
    return n;
}

/* Copies `bytes` of `data` to the caller's buffer (its own stores). */
static NTSTATUS answer(ke_call *call, const void *data, uint32_t bytes, ULONG BufferLength,
                       PVOID_VA PropertyBuffer, ULONG *ResultLength)
{
    *ResultLength = bytes;
    if (BufferLength < bytes)
        return STATUS_BUFFER_TOO_SMALL;
    if (!mm_access(call, PropertyBuffer, (void *)data, bytes, true))
        return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

/* A string property as UTF-16 with its NUL (a MULTI_SZ with two). */
static NTSTATUS answer_string(ke_call *call, const char *s, bool multi, ULONG BufferLength,
                              PVOID_VA PropertyBuffer, ULONG *ResultLength)
{
    uint16_t w[PNP_ID_MAX + 64];
    size_t n = strlen(s);
    if (n > PNP_ID_MAX + 60)
        n = PNP_ID_MAX + 60;
    for (size_t i = 0; i < n; i++)
        w[i] = (uint8_t)s[i];
    w[n++] = 0;
    if (multi)
        w[n++] = 0;
    return answer(call, w, (uint32_t)(2 * n), BufferLength, PropertyBuffer, ResultLength);
}

NTSTATUS IoGetDeviceProperty(ke_call *call, PVOID_VA DeviceObject, ULONG DeviceProperty,
                             ULONG BufferLength, PVOID_VA PropertyBuffer, ULONG *ResultLength)
{
    *ResultLength = 0;
    io_devnode *n = pdo_node(call, DeviceObject);
    if (n == NULL)
        return STATUS_INVALID_DEVICE_REQUEST;
    char text[PNP_ID_MAX + 48];
    uint32_t value = 0;
    switch (DeviceProperty) {
    case DevicePropertyDeviceDescription:
        return answer_string(call,
                             n->decl.description[0] ? n->decl.description : n->decl.hardware_id,
                             false, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyHardwareID:
        return answer_string(call, n->decl.hardware_id, true, BufferLength, PropertyBuffer,
                             ResultLength);
    case DevicePropertyClassName:
        return answer_string(call, "System", false, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyClassGuid:
        return answer_string(call, SYSTEM_CLASS_GUID, false, BufferLength, PropertyBuffer,
                             ResultLength);
    case DevicePropertyDriverKeyName: {
        uint32_t index = 0;
        for (io_devnode *o = call->m->pnp->nodes; o != n; o = o->next)
            index++;
        snprintf(text, sizeof text, "%s\\%04u", SYSTEM_CLASS_GUID, index);
        return answer_string(call, text, false, BufferLength, PropertyBuffer, ResultLength);
    }
    case DevicePropertyPhysicalDeviceObjectName:
        return answer_string(call, n->pdo->name, false, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyEnumeratorName: {
        snprintf(text, sizeof text, "%s", n->decl.hardware_id);
        char *slash = strchr(text, '\\');
        if (slash != NULL)
            *slash = '\0';
        return answer_string(call, text, false, BufferLength, PropertyBuffer, ResultLength);
    }
    case DevicePropertyLegacyBusType: /* INTERFACE_TYPE Internal */
    case DevicePropertyBusNumber:
    case DevicePropertyInstallState: /* InstallStateInstalled */
        value = 0;
        return answer(call, &value, 4, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyRemovalPolicy:
        /* RemovalPolicyExpectSurpriseRemoval (3) for a removable device,
         * RemovalPolicyExpectNoRemoval (1) otherwise. */
        value = n->decl.removable ? 3u : 1u;
        return answer(call, &value, 4, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyCompatibleIDs:
    case 3: /* BootConfiguration: a root device has none */
    case 4:
    case 8: /* Manufacturer, FriendlyName, LocationInformation: not in its key */
    case 9:
    case 10:
    case 12: /* BusTypeGuid, Address, UINumber: the root bus gives none */
    case 16:
    case 17:
    case 20:
    case DevicePropertyAllocatedResources:
    case DevicePropertyContainerID:
        return STATUS_OBJECT_NAME_NOT_FOUND;
    default:
        return STATUS_INVALID_PARAMETER_2;
    }
}

/* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" of 16 bytes, lower case as the
 * PnP manager writes interface paths. */
static void guid_text(const uint8_t g[16], char out[40])
{
    uint32_t d1 =
        (uint32_t)g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16 | (uint32_t)g[3] << 24;
    snprintf(out, 40, "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}", d1,
             (unsigned)(g[4] | g[5] << 8), (unsigned)(g[6] | g[7] << 8), g[8], g[9], g[10], g[11],
             g[12], g[13], g[14], g[15]);
}

/* A UNICODE_STRING's text as ASCII, the caller's loads. */
static bool read_ustr(ke_call *call, PVOID_VA s, char *out, size_t len)
{
    uint64_t length = 0, buffer = 0;
    if (!ke_field_get(call, s, KE_FIELD(UNICODE_STRING, Length), &length) ||
        !ke_field_get(call, s, KE_FIELD(UNICODE_STRING, Buffer), &buffer))
        return false;
    size_t chars = (size_t)length / 2;
    if (chars + 1 > len)
        return false;
    for (size_t i = 0; i < chars; i++) {
        uint16_t wc = 0;
        if (!mm_access(call, buffer + 2 * i, &wc, 2, false))
            return false;
        out[i] = wc >= 0x20 && wc <= 0x7E ? (char)wc : '?';
    }
    out[chars] = '\0';
    return true;
}

NTSTATUS IoRegisterDeviceInterface(ke_call *call, PVOID_VA PhysicalDeviceObject,
                                   PVOID_VA InterfaceClassGuid, PVOID_VA ReferenceString,
                                   PVOID_VA SymbolicLinkName)
{
    ke_machine *m = call->m;
    io_devnode *n = pdo_node(call, PhysicalDeviceObject);
    if (n == NULL)
        return STATUS_INVALID_DEVICE_REQUEST;
    uint8_t g[16];
    if (!mm_access(call, InterfaceClassGuid, g, sizeof g, false))
        return STATUS_ACCESS_VIOLATION;
    char ref[64] = "";
    if (ReferenceString != 0 && !read_ustr(call, ReferenceString, ref, sizeof ref))
        return ke_stopped(m) ? STATUS_ACCESS_VIOLATION : STATUS_INVALID_PARAMETER;
    char gt[40], link[192];
    guid_text(g, gt);
    int len = snprintf(link, sizeof link, "\\??\\%s#%s%s%s", n->instance_path, gt,
                       ref[0] ? "\\" : "", ref);
    for (char *c = link + 4; *c != '\0' && c < link + 4 + strlen(n->instance_path); c++) {
        if (*c == '\\')
            *c = '#';
    }
    pnp_interface *i = NULL;
    for (pnp_interface *o = m->pnp->interfaces; o != NULL; o = o->next) {
        if (strcasecmp(o->link, link) == 0)
            i = o; /* registered before: the same link */
    }
    if (i == NULL) {
        i = calloc(1, sizeof *i);
        if (i == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        snprintf(i->link, sizeof i->link, "%s", link);
        memcpy(i->guid, g, sizeof g);
        i->node = n;
        pnp_interface **tail = &m->pnp->interfaces;
        while (*tail != NULL)
            tail = &(*tail)->next;
        *tail = i;
    }
    /* The caller's UNICODE_STRING gets a buffer of the I/O manager's, which
     * it frees with RtlFreeUnicodeString. */
    PVOID_VA buffer = ex_alloc_internal(m, PagedPool, 2u * (uint32_t)len + 2u, PNP_POOL_TAG);
    if (buffer == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (int c = 0; c <= len; c++) {
        uint16_t wc = (uint8_t)link[c];
        mm_poke(m->mm, buffer + 2u * (uint64_t)c, &wc, 2);
    }
    if (!ke_field_set(call, SymbolicLinkName, KE_FIELD(UNICODE_STRING, Length), 2u * len) ||
        !ke_field_set(call, SymbolicLinkName, KE_FIELD(UNICODE_STRING, MaximumLength),
                      2u * len + 2u) ||
        !ke_field_set(call, SymbolicLinkName, KE_FIELD(UNICODE_STRING, Buffer), buffer))
        return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

NTSTATUS IoSetDeviceInterfaceState(ke_call *call, PVOID_VA SymbolicLinkName, bool Enable)
{
    ke_machine *m = call->m;
    char link[192];
    if (!read_ustr(call, SymbolicLinkName, link, sizeof link))
        return ke_stopped(m) ? STATUS_ACCESS_VIOLATION : STATUS_OBJECT_NAME_INVALID;
    pnp_interface *i = NULL;
    for (pnp_interface *o = m->pnp != NULL ? m->pnp->interfaces : NULL; o != NULL; o = o->next) {
        if (strcasecmp(o->link, link) == 0)
            i = o;
    }
    if (i == NULL || i->node->pdo == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (Enable) {
        if (i->enabled)
            return STATUS_OBJECT_NAME_EXISTS; /* documented: already enabled */
        if (!io_symbolic_link_add(m, i->link, i->node->pdo->name))
            return STATUS_INSUFFICIENT_RESOURCES;
        i->enabled = true;
        return STATUS_SUCCESS;
    }
    if (!i->enabled)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    io_symbolic_link_remove(m, i->link);
    i->enabled = false;
    return STATUS_SUCCESS;
}

PVOID_VA IoGetAttachedDevice(ke_call *call, PVOID_VA DeviceObject)
{
    io_device *dev = io_device_at(call->m, DeviceObject);
    if (dev == NULL) {
        uint64_t v = 0;
        ke_field_get(call, DeviceObject, KE_FIELD(DEVICE_OBJECT, AttachedDevice), &v);
        return 0;
    }
    return io_attached_top(dev)->va;
}
