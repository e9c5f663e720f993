/*
 * ps.h - processes (process.c): the user processes a scenario creates.
 */
#ifndef DRVSIM_PS_H
#define DRVSIM_PS_H

#include "ke/ke.h"

/* First process id given to a user process; the next ones follow in steps
 * of 4, as Windows' ids are multiples of 4. */
#define PS_FIRST_USER_PROCESS_ID 0x100u

/* Creates a user process named `image` ("app.exe"), with its EPROCESS.
 * NULL on host OOM, an exhausted pool or too many processes. */
ps_process *ps_create_process(ke_machine *m, const char *image);

/* The process whose EPROCESS is at va, or NULL. */
ps_process *ps_process_at(const ke_machine *m, PVOID_VA eprocess);

/* Creates a thread of harness code in process p, READY: it runs host
 * routine `routine` (0 = none) with no arguments, and may call the harness
 * functions. NULL on host OOM. */
ke_thread *ps_create_harness_thread(ke_machine *m, ps_process *p, uint32_t routine,
                                   ke_exec *creator);

/*
 * A user process's last thread ended (t, in whose context the kernel runs
 * down the process): the process ends, as on Windows, with a trace record,
 * and pages still locked in its context stop the machine (0xCB with
 * locked-page tracking, 0x76 without).
 */
void ps_process_ended(ke_machine *m, ps_process *p, ke_thread *t);

/* ------------------------------------------------------------------------ */
/* Notify routines and the calls they make (notify.c)                       */
/* ------------------------------------------------------------------------ */

#include "ob/ob.h"

/* How a routine's argument is passed. */
enum { PS_ARG_PTR = 0, PS_ARG_INT, PS_ARG_BOOL };

/* One driver routine the kernel calls back, with its arguments. */
typedef struct ps_routine_call {
    struct io_driver *driver;
    uint32_t routine;
    const char *name; /* the frame name: "CreateProcessNotifyRoutine" */
    uint8_t argc;
    uint64_t args[3];
    uint8_t arg_kinds[3]; /* PS_ARG_* */
    uint8_t arg_types[3]; /* PS_ARG_PTR: the ke_type_id it points at */
} ps_routine_call;

typedef enum ps_batch_kind {
    PS_BATCH_PROCESS = 0, /* process creation or exit: PsSetCreateProcessNotifyRoutine(Ex) */
    PS_BATCH_THREAD,      /* thread creation or exit: PsSetCreateThreadNotifyRoutine(Ex) */
    PS_BATCH_IMAGE,       /* an image mapped: PsSetLoadImageNotifyRoutine(Ex) */
    PS_BATCH_OB,          /* a handle to a process or thread: ObRegisterCallbacks */
} ps_batch_kind;

/* The routines one event calls, one at a time, in the calling thread's
 * context: begun by ps_batch_*, stepped by ps_batch_next (false: none left,
 * or the machine stopped) and ps_batch_returned, finished by ps_batch_end. */
typedef struct ps_batch {
    ps_batch_kind kind;
    uint32_t next;
    bool create;
    bool new_thread;        /* PS_BATCH_THREAD: the phase run on the new thread */
    ps_process *process;
    ke_thread *thread;
    PVOID_VA info;          /* PS_CREATE_NOTIFY_INFO or IMAGE_INFO, in nonpaged pool */
    PVOID_VA name;          /* the image's UNICODE_STRING (PS_BATCH_IMAGE) */
    NTSTATUS status;        /* PS_BATCH_PROCESS: CreationStatus once ended */
    uint64_t pid;           /* PS_BATCH_IMAGE: the ProcessId argument */
    ob_op ob;
} ps_batch;

/* A process an Ex notify routine refused (CreationStatus): it ends before
 * any thread runs in it, with its trace record. */
void ps_process_refused(ke_call *call, ps_process *p);

/* Registers or removes a process notify routine, ex: the Ex kind. */
NTSTATUS ps_set_process_notify(ke_call *call, uint32_t NotifyRoutine, bool Remove, bool ex);

/* Whether any routine would be called: callers skip the batch otherwise. */
bool ps_thread_notify_any(const ke_machine *m);
bool ps_image_notify_any(const ke_machine *m);

/* Process p created (create, by the current thread; command_line may be
 * NULL: the image name) or exiting. */
void ps_batch_process(ke_call *call, ps_batch *b, ps_process *p, bool create,
                      const char *command_line);
/* Thread t created (new_thread: the phase on t itself) or exiting. */
void ps_batch_thread(ke_call *call, ps_batch *b, ke_thread *t, bool create, bool new_thread);
/* An image mapped: a driver (d) into system space, or process p's
 * executable. */
void ps_batch_image_driver(ke_call *call, ps_batch *b, struct io_driver *d);
void ps_batch_image_process(ke_call *call, ps_batch *b, ps_process *p);
/* A handle to a process or thread (ob_op_begin's arguments). */
bool ps_batch_ob(ke_call *call, ps_batch *b, ob_type_id type, PVOID_VA object, ULONG operation,
                 bool kernel_handle, ULONG desired_access);

bool ps_batch_next(ke_call *call, ps_batch *b, ps_routine_call *out);
void ps_batch_returned(ke_call *call, ps_batch *b, uint64_t result);
void ps_batch_end(ke_call *call, ps_batch *b);

void ps_notify_destroy(ke_machine *m);

#endif /* DRVSIM_PS_H */
