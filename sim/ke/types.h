/*
 * types.h - the layouts of the kernel structures that drivers and the kernel
 * both read in simulated memory, for x64 and x86 (wdm.h / ntdef.h).
 *
 * One table serves the kernel's C code (which reads a UNICODE_STRING a
 * driver passed) and the Lua binding (which lets a scenario write
 * `us.Length`), so the two cannot disagree on an offset.
 */
#ifndef DRVSIM_KE_TYPES_H
#define DRVSIM_KE_TYPES_H

#include "ke/ke.h"

typedef enum ke_field_kind {
    KE_FIELD_U16,
    KE_FIELD_U32,
    KE_FIELD_PTR, /* pointer-sized: 4 bytes on x86, 8 on x64 */
} ke_field_kind;

/* X(type, field, kind, x64 offset, x86 offset) */
#define KE_FIELDS(X)                                                                               \
    X(UNICODE_STRING, Length, KE_FIELD_U16, 0, 0)                                                  \
    X(UNICODE_STRING, MaximumLength, KE_FIELD_U16, 2, 2)                                           \
    X(UNICODE_STRING, Buffer, KE_FIELD_PTR, 8, 4)                                                  \
    X(ANSI_STRING, Length, KE_FIELD_U16, 0, 0)                                                     \
    X(ANSI_STRING, MaximumLength, KE_FIELD_U16, 2, 2)                                              \
    X(ANSI_STRING, Buffer, KE_FIELD_PTR, 8, 4)                                                     \
    X(LIST_ENTRY, Flink, KE_FIELD_PTR, 0, 0)                                                       \
    X(LIST_ENTRY, Blink, KE_FIELD_PTR, 8, 4)                                                       \
    X(SINGLE_LIST_ENTRY, Next, KE_FIELD_PTR, 0, 0)

/* X(type, x64 size, x86 size) */
#define KE_TYPES(X)                                                                                \
    X(UNICODE_STRING, 16, 8)                                                                       \
    X(ANSI_STRING, 16, 8)                                                                          \
    X(KSPIN_LOCK, 8, 4)                                                                            \
    X(KLOCK_QUEUE_HANDLE, 24, 12)                                                                  \
    X(KEVENT, 24, 16)                                                                              \
    X(KSEMAPHORE, 32, 20)                                                                          \
    X(KMUTEX, 56, 32)                                                                              \
    X(FAST_MUTEX, 56, 32)                                                                          \
    X(KTIMER, 64, 40)                                                                              \
    X(KDPC, 64, 32)                                                                                \
    X(LIST_ENTRY, 16, 8)                                                                           \
    X(SINGLE_LIST_ENTRY, 8, 4)                                                                     \
    X(ERESOURCE, 104, 56)

typedef enum ke_type_id {
    KE_TYPE_NONE = 0, /* a plain pointer */
#define KE_TYPE_ENUM(type, x64, x86) KE_TYPE_##type,
    KE_TYPES(KE_TYPE_ENUM)
#undef KE_TYPE_ENUM
        KE_TYPE_COUNT
} ke_type_id;

typedef struct ke_field {
    ke_type_id type;
    const char *name;
    ke_field_kind kind;
    uint16_t offset[2]; /* by ke_arch */
} ke_field;

typedef struct ke_type {
    const char *name;
    uint16_t size[2]; /* by ke_arch */
} ke_type;

extern const ke_type ke_types[KE_TYPE_COUNT];

/* The field `name` of a type, or NULL. */
const ke_field *ke_type_field(ke_type_id type, const char *name);

/* The size of a field on the machine's architecture. */
size_t ke_field_size(ke_arch arch, const ke_field *f);

/* Reads and writes a field of the structure at va as the calling code's own
 * load or store (mm_access): a bad pointer faults as it would in the driver.
 * False when it faulted. */
bool ke_field_get(ke_call *call, PVOID_VA va, const ke_field *f, uint64_t *v);
bool ke_field_set(ke_call *call, PVOID_VA va, const ke_field *f, uint64_t v);

/* Shorthands for the kernel's own code, by type and field name. */
#define KE_FIELD(type, field) ke_type_field(KE_TYPE_##type, #field)

#endif /* DRVSIM_KE_TYPES_H */
