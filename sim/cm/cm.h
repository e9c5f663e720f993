/*
 * cm.h - the configuration manager: the registry (registry.c), the Zw
 * routines drivers use on it (zw.c) and the Rtl registry helpers
 * (rtl_registry.c).
 *
 * The registry is a tree of keys under \REGISTRY, each with values, kept in
 * host memory: it is the run's state, seeded from the scenario
 * (scenario{ registry = ... }) and changed by drivers and the harness. Names
 * are UTF-16, compared without regard to case as Windows compares them
 * (RtlUpcaseUnicodeChar, here for ASCII and Latin-1). Subkeys enumerate in
 * name order, case-insensitively, as a hive's index keeps them; values in
 * the order they were created, as a hive's value list keeps them.
 *
 * A driver reaches a key through a key object (the object manager's "Key"
 * type): each open or create makes one, in paged pool with the type's tag
 * "Key ", and a kernel handle to it; ZwClose drops the handle and the last
 * reference deletes the object.
 */
#ifndef DRVSIM_CM_H
#define DRVSIM_CM_H

#include "ke/ke.h"

#define STATUS_BUFFER_OVERFLOW       ((NTSTATUS)0x80000005u)
#define STATUS_NO_MORE_ENTRIES       ((NTSTATUS)0x8000001Au)
#define STATUS_INVALID_HANDLE        ((NTSTATUS)0xC0000008u)
#define STATUS_BUFFER_TOO_SMALL      ((NTSTATUS)0xC0000023u)
#define STATUS_OBJECT_TYPE_MISMATCH  ((NTSTATUS)0xC0000024u)
#define STATUS_ACCESS_DENIED         ((NTSTATUS)0xC0000022u)
#define STATUS_OBJECT_PATH_NOT_FOUND ((NTSTATUS)0xC000003Au)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010u)
#define STATUS_CANNOT_DELETE         ((NTSTATUS)0xC0000121u)
#define STATUS_KEY_DELETED           ((NTSTATUS)0xC000017Cu)
#define STATUS_CHILD_MUST_BE_VOLATILE ((NTSTATUS)0xC0000181u)

/* Value types (winnt.h). */
#define REG_NONE                0u
#define REG_SZ                  1u
#define REG_EXPAND_SZ           2u
#define REG_BINARY              3u
#define REG_DWORD               4u
#define REG_DWORD_BIG_ENDIAN    5u
#define REG_LINK                6u
#define REG_MULTI_SZ            7u
#define REG_QWORD               11u

/* Key object: not a dispatcher object. Its number is outside
 * DISPATCHER_HEADER.Type's range, so no wait or event routine takes it. */
#define KE_OBJECT_KEY ((ke_object_type)0x40)

/* The longest key name component and value name (characters), as Windows
 * limits them; the longest value drvsim stores (bytes: Windows' limit is
 * the available memory, drvsim bounds the host's). */
#define CM_MAX_KEY_NAME   255u
#define CM_MAX_VALUE_NAME 16383u
#define CM_MAX_VALUE_DATA (16u << 20)

typedef struct cm_value {
    uint16_t *name;
    uint32_t name_len; /* in UTF-16 units */
    uint32_t type;
    uint8_t *data;
    uint32_t size;
} cm_value;

typedef struct cm_key {
    uint16_t *name;
    uint32_t name_len;
    struct cm_key *parent; /* NULL for \REGISTRY, and for a deleted key */
    struct cm_key **subkeys;
    uint32_t subkey_count, subkey_capacity;
    cm_value *values;
    uint32_t value_count, value_capacity;
    uint16_t *class_name; /* ZwCreateKey's Class, or NULL */
    uint32_t class_len;
    int64_t last_write; /* LastWriteTime, 100 ns since 1601 */
    bool is_volatile;
    bool deleted;
    uint32_t opens; /* key objects that refer to it */
} cm_key;

/* A key object: what a key handle refers to (ke_object.body). */
typedef struct cm_key_object {
    cm_key *key;
    ke_object *object;
    struct cm_key_object *next, *prev; /* the open key objects */
} cm_key_object;

typedef struct cm_registry {
    cm_key *root; /* \REGISTRY */
    cm_key_object *objects;
    struct cm_query *queries; /* RtlQueryRegistryValues calls in progress */
    struct cm_callback *callbacks; /* CmRegisterCallbackEx's, by descending altitude */
    uint64_t next_cookie;
    struct cm_notify *notifies; /* operations whose callbacks are running */
} cm_registry;

/* The machine's registry, made at first use: \REGISTRY\MACHINE with SYSTEM
 * (CurrentControlSet with Services and Control), SOFTWARE and HARDWARE
 * (DEVICEMAP), \REGISTRY\USER, and a service key for each registered
 * driver. */
cm_registry *cm_get(ke_machine *m);
void cm_free(ke_machine *m);

/* A registered driver's service key (Type, Start, ErrorControl, ImagePath). */
void cm_add_service(ke_machine *m, const char *service, const char *image);

/* UTF-8 <-> UTF-16 for the harness and the seed (a byte that is not UTF-8
 * is taken as Windows-1252's Latin-1 character). */
uint32_t cm_utf8_to_utf16(const char *s, size_t len, uint16_t *out);
size_t cm_utf16_to_utf8(const uint16_t *s, uint32_t len, char *out);

/* ------------------------------------------------------------------------ */
/* The tree                                                                 */
/* ------------------------------------------------------------------------ */

/* Looks a path up from `from` (NULL: an absolute path from the object
 * namespace's root, which must start with \REGISTRY). On success *key is
 * the key. With create, a missing last component is created (its parent
 * must exist) and *created says so. Returns the NTSTATUS Windows gives. */
NTSTATUS cm_lookup(ke_machine *m, cm_key *from, const uint16_t *path, uint32_t len, bool create,
                   bool is_volatile, cm_key **key, bool *created);

cm_value *cm_find_value(cm_key *k, const uint16_t *name, uint32_t len);
/* Sets (creates or replaces) a value; false on host OOM or too large. */
NTSTATUS cm_set_value(ke_machine *m, cm_key *k, const uint16_t *name, uint32_t len, uint32_t type,
                      const void *data, uint32_t size);
void cm_delete_value(ke_machine *m, cm_key *k, cm_value *v);
/* Deletes a key without subkeys (STATUS_CANNOT_DELETE otherwise). */
NTSTATUS cm_delete_key(ke_machine *m, cm_key *k);
void cm_touch(ke_machine *m, cm_key *k);
/* Keeps a key's memory while it is in use (as an open handle does): a
 * deleted key goes when its last holder lets go. */
void cm_key_hold(cm_key *k);
void cm_key_release(cm_key *k);

/* The full path of a key (\REGISTRY\MACHINE\...), in UTF-16 units; out may
 * be NULL to measure. */
uint32_t cm_key_path(const cm_key *k, uint16_t *out);

/* ------------------------------------------------------------------------ */
/* Key objects and handles                                                  */
/* ------------------------------------------------------------------------ */

/* A new key object for k and a kernel handle to it; 0 when the pool is
 * exhausted. */
uint64_t cm_open_handle(ke_call *call, cm_key *k);
/* The key object a handle refers to. *status: STATUS_INVALID_HANDLE (not a
 * handle), STATUS_OBJECT_TYPE_MISMATCH (not a key), else success. */
cm_key_object *cm_handle_key(ke_call *call, uint64_t handle, NTSTATUS *status);
/* The object manager's last reference on a key object went (ob/object.c). */
void cm_key_object_released(ke_call *call, ke_object *o);

/* ------------------------------------------------------------------------ */
/* The harness                                                              */
/* ------------------------------------------------------------------------ */

/* Sets a value (creating the key path, every missing key on the way) from
 * harness code or the scenario's seed; a NULL name only creates the key.
 * Path and name UTF-8. Returns the status. */
NTSTATUS cm_harness_set(ke_machine *m, const char *path, const char *name, uint32_t type,
                        const void *data, uint32_t size);
/* The value, or NULL (no such key or value). */
const cm_value *cm_harness_get(ke_machine *m, const char *path, const char *name);

/* The second half of a query routine's call (rtl_registry.c): the next
 * routine of the table, or RtlQueryRegistryValues' result. */
uint64_t cm_query_callout_end(ke_call *call, uint64_t result);
/* Frees the queries a stopped machine left in progress (cm_free). */
void cm_queries_free(cm_registry *r);

/* ------------------------------------------------------------------------ */
/* Registry callbacks (callbacks.c)                                         */
/* ------------------------------------------------------------------------ */

#define STATUS_CALLBACK_BYPASS ((NTSTATUS)0xC0000503u)

/* A registry operation of a Zw routine, as the registered RegistryCallback
 * routines see it: the routine's arguments in WDK order after the key
 * handle, and its out parameters. */
typedef enum cm_op_kind {
    CM_OP_DELETE_KEY,   /* ZwDeleteKey */
    CM_OP_SET_VALUE,    /* ZwSetValueKey: ValueName, TitleIndex, Type, Data, DataSize */
    CM_OP_DELETE_VALUE, /* ZwDeleteValueKey: ValueName */
    CM_OP_QUERY_VALUE,  /* ZwQueryValueKey: ValueName, Class, Information, Length */
    CM_OP_CREATE_KEY,   /* ZwCreateKey: DesiredAccess, ObjectAttributes, TitleIndex,
                           Class, CreateOptions */
    CM_OP_OPEN_KEY,     /* ZwOpenKey(Ex): DesiredAccess, ObjectAttributes, OpenOptions */
} cm_op_kind;

typedef struct cm_op {
    cm_op_kind kind;
    uint64_t handle;
    uint64_t a[5];
    uint64_t out_handle; /* ZwCreateKey, ZwOpenKey */
    ULONG out_ulong;     /* the Disposition, the ResultLength */
} cm_op;

/* The operation itself (zw.c). */
NTSTATUS cm_op_perform(ke_call *call, cm_op *op);
/* The operation with the registered callbacks' pre- and post-notifications:
 * without callbacks, performed at once (outs in op); with them, the first
 * routine pushed as a callout (call->callout, STATUS_PENDING), the outs
 * given at the end in the execution's callout_outs. */
NTSTATUS cm_notify_run(ke_call *call, cm_op *op);
/* After a RegistryCallback returned: the next routine, or the DDI's result. */
uint64_t cm_notify_callout_end(ke_call *call, uint64_t result);
void cm_callbacks_free(cm_registry *r);

#endif /* DRVSIM_CM_H */
