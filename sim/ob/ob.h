/*
 * ob.h - the object manager: kernel handles and object references
 * (object.c); object types, the kernel's exported variables and
 * applications' handles (obtypes.c); Ob callbacks (callbacks.c).
 */
#ifndef DRVSIM_OB_H
#define DRVSIM_OB_H

#include "ke/ke.h"

#define STATUS_INVALID_HANDLE        ((NTSTATUS)0xC0000008u)
#define STATUS_ACCESS_DENIED         ((NTSTATUS)0xC0000022u)
#define STATUS_OBJECT_TYPE_MISMATCH  ((NTSTATUS)0xC0000024u)
#define STATUS_INVALID_CID           ((NTSTATUS)0xC000000Bu)
#define STATUS_FLT_INSTANCE_ALTITUDE_COLLISION ((NTSTATUS)0xC01C0011u)

/* KPROCESSOR_MODE */
#define OB_KERNEL_MODE 0u
#define OB_USER_MODE   1u

/* OBJ_KERNEL_HANDLE, a HandleAttributes bit */
#define OB_OBJ_KERNEL_HANDLE 0x200u

/* The generic access bits and MAXIMUM_ALLOWED (ntdef.h / winnt.h). */
#define OB_GENERIC_ALL     0x10000000u
#define OB_MAXIMUM_ALLOWED 0x02000000u

/* The object manager's state: applications' handles (obtypes.c) and the
 * Ob callbacks registered (callbacks.c). */
struct ob_handle;
struct ob_registration;
struct ob_state {
    struct ob_handle *handles;
    uint32_t handle_count, handle_capacity;
    struct ob_registration *registrations; /* by descending altitude */
    uint32_t next_registration;
};

/* A new kernel handle to o (one more reference). */
uint64_t ob_create_handle(ke_machine *m, ke_object *o);

/* The object a kernel handle refers to, or NULL. */
ke_object *ob_handle_object(const ke_machine *m, uint64_t handle);

/* Whether a handle is a kernel handle (its top bit set), or one of the
 * pseudo-handles NtCurrentProcess() and NtCurrentThread(). */
bool ob_is_kernel_handle(const ke_machine *m, uint64_t handle);
bool ob_is_pseudo_handle(const ke_machine *m, uint64_t handle);

/* A thread ended: it drops the reference it held on its own object (the
 * last one deletes the object and frees its ETHREAD). */
void ob_thread_ended(ke_machine *m, ke_thread *t);

/* ------------------------------------------------------------------------ */
/* Object types and the kernel's exported variables (obtypes.c)             */
/* ------------------------------------------------------------------------ */

/* The object types drvsim's objects have: each an OBJECT_TYPE in the
 * kernel's image. */
typedef enum ob_type_id {
    OB_TYPE_NONE = 0, /* not an object the object manager knows */
    OB_TYPE_PROCESS,
    OB_TYPE_THREAD,
    OB_TYPE_FILE,
    OB_TYPE_EVENT,
    OB_TYPE_SEMAPHORE,
    OB_TYPE_MUTANT,
    OB_TYPE_TIMER,
    OB_TYPE_DEVICE,
    OB_TYPE_DRIVER,
    OB_TYPE_COUNT
} ob_type_id;

/* The kernel's exported variables a driver uses by address (ntddk.h,
 * wdm.h, ntifs.h): POBJECT_TYPE variables, and SeExports (a PSE_EXPORTS). */
#define OB_EXPORTS(X)                                                                              \
    X(IoFileObjectType, OB_TYPE_FILE)                                                              \
    X(ExEventObjectType, OB_TYPE_EVENT)                                                            \
    X(ExSemaphoreObjectType, OB_TYPE_SEMAPHORE)                                                    \
    X(PsProcessType, OB_TYPE_PROCESS)                                                              \
    X(PsThreadType, OB_TYPE_THREAD)                                                                \
    X(IoDeviceObjectType, OB_TYPE_DEVICE)                                                          \
    X(IoDriverObjectType, OB_TYPE_DRIVER)                                                          \
    X(SeExports, OB_TYPE_NONE)

typedef enum ob_export {
#define OB_EXPORT_ENUM(name, type) OB_EXPORT_##name,
    OB_EXPORTS(OB_EXPORT_ENUM)
#undef OB_EXPORT_ENUM
        OB_EXPORT_COUNT
} ob_export;

/* The variable's name ("PsProcessType") and address in the kernel's image
 * (a pure function of the architecture: the page is mapped at boot). */
const char *ob_export_name(ob_export e);
PVOID_VA ob_export_va(ke_arch arch, ob_export e);
/* The SE_EXPORTS structure SeExports points at. */
PVOID_VA ob_se_exports_va(ke_arch arch);

/* The OBJECT_TYPE of a type, and the type whose OBJECT_TYPE is at va
 * (OB_TYPE_NONE for any other address). */
PVOID_VA ob_type_va(ke_arch arch, ob_type_id t);
ob_type_id ob_type_at(ke_arch arch, PVOID_VA object_type);
const char *ob_type_name(ob_type_id t);

/* The type of the object whose body is at va: a process, a thread, a file
 * object, a dispatcher object, a device or driver object; OB_TYPE_NONE
 * otherwise. */
ob_type_id ob_object_type(const ke_machine *m, PVOID_VA object);

/* Maps and writes the kernel's data page (the exported variables, the
 * OBJECT_TYPEs, SE_EXPORTS and its SIDs) and gives the System process its
 * privileges. False on host OOM. */
bool ob_init(ke_machine *m);
void ob_destroy(ke_machine *m);
void ob_callbacks_destroy(ke_machine *m);

/* The privileges an application's token has enabled (SeChangeNotify). */
uint64_t ob_default_privileges(void);

/* The access a handle to an object of type t gets for DesiredAccess:
 * GENERIC_ALL and MAXIMUM_ALLOWED give the type's every right. */
ULONG ob_map_access(ob_type_id t, ULONG desired);

/* References and dereferences an object of any type, as ObReferenceObject
 * and ObDereferenceObject do (the latter's checks included). */
void ob_reference(ke_call *call, PVOID_VA object);
void ob_dereference(ke_call *call, PVOID_VA object);

/* ------------------------------------------------------------------------ */
/* Applications' handles (obtypes.c)                                        */
/* ------------------------------------------------------------------------ */

/* A handle in process p's table to object (one reference taken), with the
 * access granted. Numbered with the I/O manager's file handles, so the two
 * never collide. */
uint64_t ob_user_handle_create(ke_call *call, ps_process *p, ob_type_id type, PVOID_VA object,
                               ULONG access);

/* Whether handle is open in p's table; its object, type and access. */
bool ob_user_handle_lookup(const ke_machine *m, const ps_process *p, uint64_t handle,
                           ob_type_id *type, PVOID_VA *object, ULONG *access);

/* Whether handle is open in p's table, or is one of p's open files. */
bool ob_user_handle_valid(const ke_machine *m, const ps_process *p, uint64_t handle);

/* Closes a handle of p's table (its reference dropped): false when it is
 * not one. */
bool ob_user_handle_close(ke_call *call, ps_process *p, uint64_t handle);

/* Process p ended (its last thread, t, runs it down): the handles of its
 * table are closed, as the object manager's handle table rundown does
 * (its files are the I/O manager's and stay). */
void ob_process_ended(ke_machine *m, ps_process *p, ke_thread *t);

/* An event an application creates (CreateEvent): a KEVENT in nonpaged pool
 * whose memory goes with its last reference. 0 when the pool is out. */
PVOID_VA ob_create_event(ke_call *call, bool manual_reset, bool initial_state);

/* Frees an object ob_create_event made, at its last reference (object.c). */
void ob_object_deleted(ke_call *call, ke_object *o);

/* ------------------------------------------------------------------------ */
/* Ob callbacks (callbacks.c)                                               */
/* ------------------------------------------------------------------------ */

/* OB_OPERATION */
#define OB_OPERATION_HANDLE_CREATE    0x1u
#define OB_OPERATION_HANDLE_DUPLICATE 0x2u

/*
 * One handle operation on a process or thread the registered callbacks see:
 * set up by ob_op_begin, stepped by ob_op_next (each step one routine to
 * call: the pre-operation routines by descending altitude, then the
 * post-operation routines in reverse), finished by ob_op_end, which gives
 * the access the handle gets.
 */
typedef struct ob_op {
    ob_type_id type;
    PVOID_VA object;
    ULONG operation;
    bool kernel_handle;
    ULONG original_access;
    PVOID_VA pre_info, pre_params, post_info, post_params; /* in nonpaged pool */
    uint32_t step;  /* next entry of the plan */
    uint32_t count; /* entries in the plan */
    struct ob_op_entry {
        struct io_driver *driver;
        uint32_t routine;
        PVOID_VA context;  /* RegistrationContext */
        PVOID_VA call_context; /* what its pre-operation routine left in CallContext */
        uint32_t registration; /* the registration's id */
        bool post;
    } plan[64];
    PVOID_VA last_pre; /* the pre-operation entry just called (CallContext) */
    int32_t current;   /* index of the entry called last, -1 for none */
} ob_op;

/* A routine to call: its driver, routine and two pointer arguments. */
typedef struct ob_op_call {
    struct io_driver *driver;
    uint32_t routine;
    const char *name;
    PVOID_VA args[2];
    uint8_t arg_types[2];
} ob_op_call;

/* Whether any registered callback watches handles to objects of type t. */
bool ob_callbacks_watch(const ke_machine *m, ob_type_id t);

/* Prepares the operation (false when the pool is out: no callbacks run). */
bool ob_op_begin(ke_call *call, ob_op *op, ob_type_id type, PVOID_VA object, ULONG operation,
                 bool kernel_handle, ULONG desired_access);

/* The next routine to call; false when none is left, or when the machine
 * stopped (a routine of a driver that unloaded: 0xCE). */
bool ob_op_next(ke_call *call, ob_op *op, ob_op_call *out);

/* After the routine ob_op_next gave returned `result` (a pre-operation
 * routine's OB_PREOP_CALLBACK_STATUS). */
void ob_op_returned(ke_call *call, ob_op *op, uint64_t result);

/* Finishes the operation: the access the handle is granted. */
ULONG ob_op_end(ke_call *call, ob_op *op);

#endif /* DRVSIM_OB_H */
