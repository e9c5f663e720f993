/*
 * zw.c - the registry's system services as kernel-mode code calls them:
 * InitializeObjectAttributes, ZwCreateKey, ZwOpenKey, ZwOpenKeyEx,
 * ZwQueryValueKey, ZwSetValueKey, ZwDeleteKey, ZwDeleteValueKey,
 * ZwEnumerateKey, ZwEnumerateValueKey, ZwFlushKey, ZwQueryKey, and
 * IoOpenDeviceRegistryKey.
 *
 * A Zw call is the system service with PreviousMode KernelMode: nothing is
 * probed (a bad pointer faults in the kernel, blamed on the caller, as the
 * bug check Windows would raise), and a kernel handle's granted access is
 * not checked (ObReferenceObjectByHandle with KernelMode grants all). Output
 * buffers follow the configuration manager's rules (the Windows Research
 * Kernel's CmpQueryKeyValueData and CmpQueryKeyData): a buffer shorter than
 * the structure's fixed part is STATUS_BUFFER_TOO_SMALL with nothing
 * written; one that holds the fixed part but not the rest is
 * STATUS_BUFFER_OVERFLOW with as much written as fits; either way
 * *ResultLength is the size the whole answer needs.
 */
#include <stdlib.h>
#include <string.h>

#include "cm/cm.h"
#include "ddi_table.h"
#include "io/io.h"
#include "io/pnp.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "ob/ob.h"

/* OBJECT_ATTRIBUTES (wdm.h). */
#define OA_SIZE_X64       0x30u
#define OA_SIZE_X86       0x18u
#define OBJ_VALID_ATTRIBUTES 0x00001FF2u

/* CreateOptions. */
#define REG_OPTION_VOLATILE     0x1u
#define REG_OPTION_CREATE_LINK  0x2u
#define REG_OPTION_OPEN_LINK    0x8u
#define REG_CREATED_NEW_KEY     1u
#define REG_OPENED_EXISTING_KEY 2u

/* KEY_VALUE_INFORMATION_CLASS and KEY_INFORMATION_CLASS. */
enum {
    KeyValueBasicInformation = 0,
    KeyValueFullInformation = 1,
    KeyValuePartialInformation = 2,
    KeyValueFullInformationAlign64 = 3,
    KeyValuePartialInformationAlign64 = 4,
};
enum {
    KeyBasicInformation = 0,
    KeyNodeInformation = 1,
    KeyFullInformation = 2,
    KeyNameInformation = 3,
    KeyCachedInformation = 4,
};

/* PNP_DETECTED_FATAL_ERROR's case for a routine that needs a PDO. */
#define PNP_ERR_INVALID_PDO 2u

/* ------------------------------------------------------------------------ */
/* Reading the caller's arguments                                           */
/* ------------------------------------------------------------------------ */

/* The UNICODE_STRING at va, copied to the host (*units to free). False
 * when reading faulted (the machine has stopped). */
static bool read_unicode(ke_call *call, PVOID_VA va, uint16_t **units, uint32_t *len)
{
    uint64_t length = 0, buffer = 0;
    *units = NULL;
    *len = 0;
    if (!ke_field_get(call, va, KE_FIELD(UNICODE_STRING, Length), &length) ||
        !ke_field_get(call, va, KE_FIELD(UNICODE_STRING, Buffer), &buffer))
        return false;
    uint16_t *copy = malloc(length + 2);
    if (copy == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory reading a name");
    if (length > 0 && !mm_access(call, buffer, copy, length & ~1ull, false)) {
        free(copy);
        return false;
    }
    *units = copy;
    *len = (uint32_t)(length / 2);
    return true;
}

/* Resolves an OBJECT_ATTRIBUTES to a key (opening, or with create making
 * the last component). */
static NTSTATUS resolve(ke_call *call, PVOID_VA ObjectAttributes, bool create, bool is_volatile,
                        cm_key **key, bool *created)
{
    ke_machine *m = call->m;
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint32_t length = 0, attributes = 0;
    uint64_t root = 0, name = 0;
    unsigned ptr = x86 ? 4 : 8;
    *key = NULL;
    if (!mm_access(call, ObjectAttributes, &length, 4, false) ||
        !mm_access(call, ObjectAttributes + ptr, &root, ptr, false) ||
        !mm_access(call, ObjectAttributes + 2 * ptr, &name, ptr, false) ||
        !mm_access(call, ObjectAttributes + 3 * ptr, &attributes, 4, false))
        return STATUS_ACCESS_VIOLATION;
    if (length != (x86 ? OA_SIZE_X86 : OA_SIZE_X64) || (attributes & ~OBJ_VALID_ATTRIBUTES) != 0)
        return STATUS_INVALID_PARAMETER;
    if (name == 0)
        return STATUS_OBJECT_NAME_INVALID;
    cm_key *from = NULL;
    if (root != 0) {
        NTSTATUS status;
        cm_key_object *ko = cm_handle_key(call, root, &status);
        if (ko == NULL)
            return status;
        from = ko->key;
    }
    uint16_t *units = NULL;
    uint32_t len = 0;
    if (!read_unicode(call, name, &units, &len))
        return STATUS_ACCESS_VIOLATION;
    NTSTATUS status = cm_lookup(m, from, units, len, create, is_volatile, key, created);
    free(units);
    return status;
}

static cm_key *key_of(ke_call *call, uint64_t handle, NTSTATUS *status)
{
    cm_key_object *ko = cm_handle_key(call, handle, status);
    if (ko == NULL)
        return NULL;
    if (ko->key->deleted) {
        *status = STATUS_KEY_DELETED;
        return NULL;
    }
    return ko->key;
}

/* ------------------------------------------------------------------------ */
/* Writing answers                                                          */
/* ------------------------------------------------------------------------ */

/* An answer built in host memory: the fixed part, then variable parts. */
typedef struct answer {
    uint8_t *bytes;
    uint32_t size, capacity;
    uint32_t minimum; /* the fixed part */
} answer;

static void put(ke_machine *m, answer *a, uint32_t at, const void *data, uint32_t size)
{
    if (at + size > a->capacity) {
        uint32_t cap = (at + size) * 2 + 64;
        uint8_t *grown = realloc(a->bytes, cap);
        if (grown == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
        memset(grown + a->capacity, 0, cap - a->capacity);
        a->bytes = grown;
        a->capacity = cap;
    }
    if (size > 0)
        memcpy(a->bytes + at, data, size);
    if (at + size > a->size)
        a->size = at + size;
}

static void put32(ke_machine *m, answer *a, uint32_t at, uint32_t v)
{
    put(m, a, at, &v, 4);
}

static void put64(ke_machine *m, answer *a, uint32_t at, int64_t v)
{
    put(m, a, at, &v, 8);
}

static uint32_t align(uint32_t v, uint32_t to)
{
    return (v + to - 1) & ~(to - 1);
}

/* Copies the answer to the caller's buffer by the rules above. */
static NTSTATUS deliver(ke_call *call, answer *a, PVOID_VA buffer, ULONG Length, ULONG *ResultLength)
{
    *ResultLength = a->size;
    NTSTATUS status = STATUS_SUCCESS;
    if (Length < a->minimum) {
        status = STATUS_BUFFER_TOO_SMALL;
    } else {
        uint32_t n = a->size;
        if (Length < a->size) {
            n = Length;
            status = STATUS_BUFFER_OVERFLOW;
        }
        if (n > 0 && !mm_access(call, buffer, a->bytes, n, true))
            status = STATUS_ACCESS_VIOLATION;
    }
    free(a->bytes);
    return status;
}

static NTSTATUS value_answer(ke_call *call, const cm_value *v, ULONG Class, PVOID_VA buffer,
                             ULONG Length, ULONG *ResultLength)
{
    ke_machine *m = call->m;
    answer a = {0};
    uint32_t name_bytes = v->name_len * 2;
    switch (Class) {
    case KeyValueBasicInformation: /* TitleIndex, Type, NameLength, Name */
        put32(m, &a, 4, v->type);
        put32(m, &a, 8, name_bytes);
        a.minimum = 12;
        put(m, &a, 12, v->name, name_bytes);
        break;
    case KeyValueFullInformation:
    case KeyValueFullInformationAlign64: { /* ..., DataOffset, DataLength, NameLength, Name */
        uint32_t offset = align(20 + name_bytes, Class == KeyValueFullInformation ? 4 : 8);
        put32(m, &a, 4, v->type);
        put32(m, &a, 8, offset);
        put32(m, &a, 12, v->size);
        put32(m, &a, 16, name_bytes);
        a.minimum = 20;
        put(m, &a, 20, v->name, name_bytes);
        put(m, &a, offset, v->data, v->size);
        if (v->size == 0)
            a.size = offset;
        break;
    }
    case KeyValuePartialInformation: /* TitleIndex, Type, DataLength, Data */
        put32(m, &a, 4, v->type);
        put32(m, &a, 8, v->size);
        a.minimum = 12;
        put(m, &a, 12, v->data, v->size);
        break;
    case KeyValuePartialInformationAlign64: /* Type, DataLength, Data */
        put32(m, &a, 0, v->type);
        put32(m, &a, 4, v->size);
        a.minimum = 8;
        put(m, &a, 8, v->data, v->size);
        break;
    default:
        *ResultLength = 0;
        return STATUS_INVALID_PARAMETER;
    }
    return deliver(call, &a, buffer, Length, ResultLength);
}

static NTSTATUS key_answer(ke_call *call, const cm_key *k, ULONG Class, bool enumerate,
                           PVOID_VA buffer, ULONG Length, ULONG *ResultLength)
{
    ke_machine *m = call->m;
    answer a = {0};
    uint32_t name_bytes = k->name_len * 2, class_bytes = k->class_len * 2;
    switch (Class) {
    case KeyBasicInformation: /* LastWriteTime, TitleIndex, NameLength, Name */
        put64(m, &a, 0, k->last_write);
        put32(m, &a, 12, name_bytes);
        a.minimum = 16;
        put(m, &a, 16, k->name, name_bytes);
        break;
    case KeyNodeInformation: { /* ..., ClassOffset, ClassLength, NameLength, Name, Class */
        uint32_t offset = align(24 + name_bytes, 4);
        put64(m, &a, 0, k->last_write);
        put32(m, &a, 12, class_bytes > 0 ? offset : 0xFFFFFFFFu);
        put32(m, &a, 16, class_bytes);
        put32(m, &a, 20, name_bytes);
        a.minimum = 24;
        put(m, &a, 24, k->name, name_bytes);
        if (class_bytes > 0)
            put(m, &a, offset, k->class_name, class_bytes);
        break;
    }
    case KeyFullInformation:
    case KeyCachedInformation: {
        uint32_t max_name = 0, max_class = 0, max_value_name = 0, max_value_data = 0;
        for (uint32_t i = 0; i < k->subkey_count; i++) {
            const cm_key *s = k->subkeys[i];
            if (s->name_len * 2 > max_name)
                max_name = s->name_len * 2;
            if (s->class_len * 2 > max_class)
                max_class = s->class_len * 2;
        }
        for (uint32_t i = 0; i < k->value_count; i++) {
            if (k->values[i].name_len * 2 > max_value_name)
                max_value_name = k->values[i].name_len * 2;
            if (k->values[i].size > max_value_data)
                max_value_data = k->values[i].size;
        }
        put64(m, &a, 0, k->last_write);
        if (Class == KeyFullInformation) {
            /* ..., ClassOffset, ClassLength, SubKeys, MaxNameLen, MaxClassLen,
             * Values, MaxValueNameLen, MaxValueDataLen, Class */
            put32(m, &a, 12, class_bytes > 0 ? 44 : 0xFFFFFFFFu);
            put32(m, &a, 16, class_bytes);
            put32(m, &a, 20, k->subkey_count);
            put32(m, &a, 24, max_name);
            put32(m, &a, 28, max_class);
            put32(m, &a, 32, k->value_count);
            put32(m, &a, 36, max_value_name);
            put32(m, &a, 40, max_value_data);
            a.minimum = 44;
            put(m, &a, 44, k->class_name, class_bytes);
        } else {
            /* ..., SubKeys, MaxNameLen, Values, MaxValueNameLen,
             * MaxValueDataLen, NameLength */
            put32(m, &a, 12, k->subkey_count);
            put32(m, &a, 16, max_name);
            put32(m, &a, 20, k->value_count);
            put32(m, &a, 24, max_value_name);
            put32(m, &a, 28, max_value_data);
            put32(m, &a, 32, name_bytes);
            a.minimum = a.size = 36;
        }
        if (enumerate && Class == KeyCachedInformation) {
            free(a.bytes);
            *ResultLength = 0;
            return STATUS_INVALID_PARAMETER;
        }
        break;
    }
    case KeyNameInformation: { /* NameLength, Name: the full path */
        if (enumerate) {
            *ResultLength = 0;
            return STATUS_INVALID_PARAMETER;
        }
        uint32_t units = cm_key_path(k, NULL);
        uint16_t *path = malloc((size_t)units * 2);
        if (path == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
        cm_key_path(k, path);
        put32(m, &a, 0, units * 2);
        a.minimum = 4;
        put(m, &a, 4, path, units * 2);
        free(path);
        break;
    }
    default:
        *ResultLength = 0;
        return STATUS_INVALID_PARAMETER;
    }
    return deliver(call, &a, buffer, Length, ResultLength);
}

/* ------------------------------------------------------------------------ */
/* The routines                                                             */
/* ------------------------------------------------------------------------ */

/* The WDK macro: fills the structure, as the macro's stores do. */
void InitializeObjectAttributes(ke_call *call, PVOID_VA InitializedAttributes,
                               PVOID_VA ObjectName, ULONG Attributes, uint64_t RootDirectory,
                               PVOID_VA SecurityDescriptor)
{
    bool x86 = call->m->config.arch == KE_ARCH_X86;
    unsigned ptr = x86 ? 4 : 8;
    uint8_t oa[OA_SIZE_X64] = {0};
    uint32_t length = x86 ? OA_SIZE_X86 : OA_SIZE_X64;
    memcpy(oa, &length, 4);
    memcpy(oa + ptr, &RootDirectory, ptr);
    memcpy(oa + 2 * ptr, &ObjectName, ptr);
    memcpy(oa + 3 * ptr, &Attributes, 4);
    memcpy(oa + 4 * ptr, &SecurityDescriptor, ptr);
    mm_access(call, InitializedAttributes, oa, length, true);
}

static NTSTATUS open_key(ke_call *call, uint64_t *KeyHandle, PVOID_VA ObjectAttributes,
                         bool create, ULONG CreateOptions, PVOID_VA Class, ULONG *Disposition)
{
    *KeyHandle = 0;
    cm_key *k = NULL;
    bool created = false;
    NTSTATUS status = resolve(call, ObjectAttributes, create,
                              (CreateOptions & REG_OPTION_VOLATILE) != 0, &k, &created);
    if (!NT_SUCCESS(status))
        return status;
    if (created && Class != 0) {
        uint16_t *units = NULL;
        uint32_t len = 0;
        if (!read_unicode(call, Class, &units, &len))
            return STATUS_ACCESS_VIOLATION;
        k->class_name = units;
        k->class_len = len;
    }
    uint64_t handle = cm_open_handle(call, k);
    if (handle == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    *KeyHandle = handle;
    if (Disposition != NULL)
        *Disposition = created ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY;
    return STATUS_SUCCESS;
}

static NTSTATUS do_create_key(ke_call *call, uint64_t *KeyHandle, ULONG DesiredAccess,
                              PVOID_VA ObjectAttributes, ULONG TitleIndex, PVOID_VA Class,
                              ULONG CreateOptions, ULONG *Disposition)
{
    (void)DesiredAccess; /* a kernel handle: ZwXxx callers are not access-checked */
    (void)TitleIndex;    /* ignored, as on Windows */
    *Disposition = 0;
    if ((CreateOptions & (REG_OPTION_CREATE_LINK | REG_OPTION_OPEN_LINK)) != 0 ||
        CreateOptions > 0xF) {
        *KeyHandle = 0;
        return STATUS_INVALID_PARAMETER; /* symbolic links are not modelled */
    }
    return open_key(call, KeyHandle, ObjectAttributes, true, CreateOptions, Class, Disposition);
}

static NTSTATUS do_open_key(ke_call *call, uint64_t *KeyHandle, ULONG DesiredAccess,
                            PVOID_VA ObjectAttributes, ULONG OpenOptions)
{
    (void)DesiredAccess;
    /* REG_OPTION_BACKUP_RESTORE (4) and REG_OPTION_OPEN_LINK (8) are its
     * options; a link is never there to open. */
    if ((OpenOptions & ~0xCu) != 0) {
        *KeyHandle = 0;
        return STATUS_INVALID_PARAMETER;
    }
    return open_key(call, KeyHandle, ObjectAttributes, false, 0, 0, NULL);
}

static NTSTATUS do_query_value(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName,
                               ULONG KeyValueInformationClass, PVOID_VA KeyValueInformation,
                               ULONG Length, ULONG *ResultLength)
{
    *ResultLength = 0;
    NTSTATUS status;
    cm_key *k = key_of(call, KeyHandle, &status);
    if (k == NULL)
        return status;
    uint16_t *units = NULL;
    uint32_t len = 0;
    if (!read_unicode(call, ValueName, &units, &len))
        return STATUS_ACCESS_VIOLATION;
    const cm_value *v = cm_find_value(k, units, len);
    free(units);
    if (v == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    return value_answer(call, v, KeyValueInformationClass, KeyValueInformation, Length,
                        ResultLength);
}

static NTSTATUS do_set_value(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName,
                             ULONG TitleIndex, ULONG Type, PVOID_VA Data, ULONG DataSize)
{
    (void)TitleIndex;
    NTSTATUS status;
    cm_key *k = key_of(call, KeyHandle, &status);
    if (k == NULL)
        return status;
    if (DataSize > CM_MAX_VALUE_DATA)
        return STATUS_INSUFFICIENT_RESOURCES;
    uint16_t *units = NULL;
    uint32_t len = 0;
    if (!read_unicode(call, ValueName, &units, &len))
        return STATUS_ACCESS_VIOLATION;
    uint8_t *data = malloc(DataSize > 0 ? DataSize : 1);
    if (data == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    if (DataSize > 0 && !mm_access(call, Data, data, DataSize, false))
        status = STATUS_ACCESS_VIOLATION;
    else
        status = cm_set_value(call->m, k, units, len, Type, data, DataSize);
    free(units);
    free(data);
    return status;
}

static NTSTATUS do_delete_key(ke_call *call, uint64_t KeyHandle)
{
    NTSTATUS status;
    cm_key *k = key_of(call, KeyHandle, &status);
    if (k == NULL)
        return status;
    return cm_delete_key(call->m, k);
}

static NTSTATUS do_delete_value(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName)
{
    NTSTATUS status;
    cm_key *k = key_of(call, KeyHandle, &status);
    if (k == NULL)
        return status;
    uint16_t *units = NULL;
    uint32_t len = 0;
    if (!read_unicode(call, ValueName, &units, &len))
        return STATUS_ACCESS_VIOLATION;
    cm_value *v = cm_find_value(k, units, len);
    free(units);
    if (v == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    cm_delete_value(call->m, k, v);
    return STATUS_SUCCESS;
}

NTSTATUS ZwEnumerateKey(ke_call *call, uint64_t KeyHandle, ULONG Index, ULONG KeyInformationClass,
                        PVOID_VA KeyInformation, ULONG Length, ULONG *ResultLength)
{
    *ResultLength = 0;
    NTSTATUS status;
    cm_key *k = key_of(call, KeyHandle, &status);
    if (k == NULL)
        return status;
    if (KeyInformationClass > KeyFullInformation)
        return STATUS_INVALID_PARAMETER;
    if (Index >= k->subkey_count)
        return STATUS_NO_MORE_ENTRIES;
    return key_answer(call, k->subkeys[Index], KeyInformationClass, true, KeyInformation, Length,
                      ResultLength);
}

NTSTATUS ZwEnumerateValueKey(ke_call *call, uint64_t KeyHandle, ULONG Index,
                             ULONG KeyValueInformationClass, PVOID_VA KeyValueInformation,
                             ULONG Length, ULONG *ResultLength)
{
    *ResultLength = 0;
    NTSTATUS status;
    cm_key *k = key_of(call, KeyHandle, &status);
    if (k == NULL)
        return status;
    if (KeyValueInformationClass > KeyValuePartialInformationAlign64)
        return STATUS_INVALID_PARAMETER;
    if (Index >= k->value_count)
        return STATUS_NO_MORE_ENTRIES;
    return value_answer(call, &k->values[Index], KeyValueInformationClass, KeyValueInformation,
                        Length, ResultLength);
}

/* There is no hive file: what a flush would write is already the state. */
NTSTATUS ZwFlushKey(ke_call *call, uint64_t KeyHandle)
{
    NTSTATUS status;
    key_of(call, KeyHandle, &status);
    return status;
}

NTSTATUS ZwQueryKey(ke_call *call, uint64_t KeyHandle, ULONG KeyInformationClass,
                    PVOID_VA KeyInformation, ULONG Length, ULONG *ResultLength)
{
    *ResultLength = 0;
    NTSTATUS status;
    cm_key *k = key_of(call, KeyHandle, &status);
    if (k == NULL)
        return status;
    return key_answer(call, k, KeyInformationClass, false, KeyInformation, Length, ResultLength);
}

/* Device keys belong to a device node, which only a PDO (a device the PnP
 * manager enumerated) has; drvsim has no PnP manager, so every device object
 * is a legacy driver's. Windows checks the argument first
 * (IoOpenDeviceRegistryKey's ASSERT_PDO in the Windows Research Kernel):
 * a device object without a device node is PNP_DETECTED_FATAL_ERROR, P1 = 2
 * (PNP_ERR_INVALID_PDO), P2 the object, verified or not. */
NTSTATUS IoOpenDeviceRegistryKey(ke_call *call, PVOID_VA DeviceObject, ULONG DevInstKeyType,
                                 ULONG DesiredAccess, uint64_t *DeviceRegKey)
{
    (void)DesiredAccess;
    *DeviceRegKey = 0;
    ke_machine *m = call->m;
    io_devnode *n = io_pnp_node_of(m, io_device_at(m, DeviceObject));
    if (n == NULL) {
        const uint64_t p[4] = {PNP_ERR_INVALID_PDO, DeviceObject, 0, 0};
        kd_raise_full(call, RULE_kpnp_invalid_pdo, 0xCA, p, NULL, NULL);
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    /* A PDO's device node: its hardware key's "Device Parameters"
     * (PLUGPLAY_REGKEY_DEVICE) or its software key under the System class
     * (PLUGPLAY_REGKEY_DRIVER), made on first use as the PnP manager does.
     * PLUGPLAY_REGKEY_CURRENT_HWPROFILE selects the same keys: drvsim has
     * one hardware profile. */
    uint32_t which = DevInstKeyType & 3u;
    if (which == 0 || which == 3)
        return STATUS_INVALID_PARAMETER;
    char path[320];
    if (which == 1) {
        snprintf(path, sizeof path,
                 "\\Registry\\Machine\\System\\CurrentControlSet\\Enum\\%s\\Device Parameters",
                 n->instance_path);
    } else {
        uint32_t index = 0;
        for (io_devnode *o = m->pnp->nodes; o != n; o = o->next)
            index++;
        snprintf(path, sizeof path,
                 "\\Registry\\Machine\\System\\CurrentControlSet\\Control\\Class\\"
                 "{4d36e97d-e325-11ce-bfc1-08002be10318}\\%04u",
                 index);
    }
    if (!NT_SUCCESS(cm_harness_set(m, path, NULL, 0, NULL, 0)))
        return STATUS_INSUFFICIENT_RESOURCES;
    uint16_t wide[320];
    uint32_t len = cm_utf8_to_utf16(path, strlen(path), wide);
    cm_key *key = NULL;
    NTSTATUS status = cm_lookup(m, NULL, wide, len, false, false, &key, NULL);
    if (!NT_SUCCESS(status))
        return status;
    *DeviceRegKey = cm_open_handle(call, key);
    return *DeviceRegKey != 0 ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

/* ------------------------------------------------------------------------ */
/* The operations the registry callbacks see (cm/callbacks.c)               */
/* ------------------------------------------------------------------------ */

NTSTATUS cm_op_perform(ke_call *call, cm_op *op)
{
    const uint64_t *a = op->a;
    switch (op->kind) {
    case CM_OP_DELETE_KEY:
        return do_delete_key(call, op->handle);
    case CM_OP_SET_VALUE:
        return do_set_value(call, op->handle, a[0], (ULONG)a[1], (ULONG)a[2], a[3], (ULONG)a[4]);
    case CM_OP_DELETE_VALUE:
        return do_delete_value(call, op->handle, a[0]);
    case CM_OP_QUERY_VALUE:
        return do_query_value(call, op->handle, a[0], (ULONG)a[1], a[2], (ULONG)a[3],
                              &op->out_ulong);
    case CM_OP_CREATE_KEY:
        return do_create_key(call, &op->out_handle, (ULONG)a[0], a[1], (ULONG)a[2], a[3],
                             (ULONG)a[4], &op->out_ulong);
    case CM_OP_OPEN_KEY:
        return do_open_key(call, &op->out_handle, (ULONG)a[0], a[1], (ULONG)a[2]);
    }
    return STATUS_INVALID_PARAMETER;
}

NTSTATUS ZwCreateKey(ke_call *call, uint64_t *KeyHandle, ULONG DesiredAccess,
                     PVOID_VA ObjectAttributes, ULONG TitleIndex, PVOID_VA Class,
                     ULONG CreateOptions, ULONG *Disposition)
{
    cm_op op = {.kind = CM_OP_CREATE_KEY,
                .a = {DesiredAccess, ObjectAttributes, TitleIndex, Class, CreateOptions}};
    NTSTATUS status = cm_notify_run(call, &op);
    *KeyHandle = op.out_handle;
    *Disposition = op.out_ulong;
    return status;
}

NTSTATUS ZwOpenKey(ke_call *call, uint64_t *KeyHandle, ULONG DesiredAccess,
                   PVOID_VA ObjectAttributes)
{
    cm_op op = {.kind = CM_OP_OPEN_KEY, .a = {DesiredAccess, ObjectAttributes, 0}};
    NTSTATUS status = cm_notify_run(call, &op);
    *KeyHandle = op.out_handle;
    return status;
}

NTSTATUS ZwOpenKeyEx(ke_call *call, uint64_t *KeyHandle, ULONG DesiredAccess,
                     PVOID_VA ObjectAttributes, ULONG OpenOptions)
{
    cm_op op = {.kind = CM_OP_OPEN_KEY, .a = {DesiredAccess, ObjectAttributes, OpenOptions}};
    NTSTATUS status = cm_notify_run(call, &op);
    *KeyHandle = op.out_handle;
    return status;
}

NTSTATUS ZwQueryValueKey(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName,
                         ULONG KeyValueInformationClass, PVOID_VA KeyValueInformation,
                         ULONG Length, ULONG *ResultLength)
{
    cm_op op = {.kind = CM_OP_QUERY_VALUE,
                .handle = KeyHandle,
                .a = {ValueName, KeyValueInformationClass, KeyValueInformation, Length}};
    NTSTATUS status = cm_notify_run(call, &op);
    *ResultLength = op.out_ulong;
    return status;
}

NTSTATUS ZwSetValueKey(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName, ULONG TitleIndex,
                       ULONG Type, PVOID_VA Data, ULONG DataSize)
{
    cm_op op = {.kind = CM_OP_SET_VALUE,
                .handle = KeyHandle,
                .a = {ValueName, TitleIndex, Type, Data, DataSize}};
    return cm_notify_run(call, &op);
}

NTSTATUS ZwDeleteKey(ke_call *call, uint64_t KeyHandle)
{
    cm_op op = {.kind = CM_OP_DELETE_KEY, .handle = KeyHandle};
    return cm_notify_run(call, &op);
}

NTSTATUS ZwDeleteValueKey(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName)
{
    cm_op op = {.kind = CM_OP_DELETE_VALUE, .handle = KeyHandle, .a = {ValueName}};
    return cm_notify_run(call, &op);
}
