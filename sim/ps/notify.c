/*
 * notify.c - the routines drivers register to hear of processes, threads
 * and images: PsSetCreateProcessNotifyRoutineEx, PsSetCreateThreadNotifyRoutine,
 * PsSetCreateThreadNotifyRoutineEx, PsRemoveCreateThreadNotifyRoutine,
 * PsSetLoadImageNotifyRoutine, PsSetLoadImageNotifyRoutineEx,
 * PsRemoveLoadImageNotifyRoutine; and the batches that call them (and the
 * Ob callbacks, ob/callbacks.c) one at a time in the calling thread.
 *
 * When the kernel calls them (as Microsoft documents):
 * - process notify routines (both kinds share one list, in registration
 *   order): at creation in the creating thread, with Create TRUE or a
 *   PS_CREATE_NOTIFY_INFO whose CreationStatus an Ex routine may set to an
 *   error to refuse the process; at exit in its last thread, with Create
 *   FALSE or CreateInfo NULL;
 * - thread notify routines: at creation on the new thread, before it runs
 *   its start routine, as the Ex kind (PsCreateThreadNotifyNonSystem:
 *   applications' threads only) is on Windows; PsSetCreateThreadNotifyRoutine's
 *   run there too, where Windows runs them in the creating thread (drvsim
 *   calls driver routines between DDIs, not inside PsCreateSystemThread,
 *   and the new thread is runnable once created); at exit on the exiting
 *   thread, when its start routine returns;
 * - load image notify routines: when a driver image is mapped (before its
 *   DriverEntry, ProcessId 0, SystemModeImage set), and when an
 *   application's executable is mapped as its process is created.
 *
 * A routine of a driver that unloaded without removing it is code that is
 * gone: the call stops the machine with 0xCE, as the page fault in the
 * unloaded image does on Windows (which does not check at unload).
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "ob/ob.h"
#include "ps/ps.h"

/* PSP_MAX_CREATE_THREAD_NOTIFY and PSP_MAX_LOAD_IMAGE_NOTIFY (Windows 10). */
#define PS_MAX_THREAD_NOTIFY 64u
#define PS_MAX_IMAGE_NOTIFY  64u

#define STATUS_PROCEDURE_NOT_FOUND ((NTSTATUS)0xC000007Au)

/* PSCREATETHREADNOTIFYTYPE */
#define PS_THREAD_LEGACY     0xFFu /* PsSetCreateThreadNotifyRoutine */
#define PS_THREAD_NON_SYSTEM 0u    /* PsCreateThreadNotifyNonSystem */
#define PS_THREAD_SUBSYSTEMS 1u    /* PsCreateThreadNotifySubsystems */

/* PS_IMAGE_NOTIFY_CONFLICTING_ARCHITECTURE: the one flag of the Ex form. */
#define PS_IMAGE_NOTIFY_CONFLICTING_ARCHITECTURE 0x1u

#define PS_NOTIFY_TAG 0x6E437350u /* "PsCn": the kernel's notify information */

typedef struct ps_routine {
    struct io_driver *driver;
    uint32_t routine;
    uint8_t type; /* threads: PS_THREAD_*; images: the Ex flags */
} ps_routine;

struct ps_notify {
    ps_routine threads[PS_MAX_THREAD_NOTIFY];
    uint32_t thread_count;
    ps_routine images[PS_MAX_IMAGE_NOTIFY];
    uint32_t image_count;
};

static struct ps_notify *notify_of(ke_machine *m)
{
    if (m->notify == NULL) {
        m->notify = calloc(1, sizeof *m->notify);
        if (m->notify == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory for notify routines");
    }
    return m->notify;
}

void ps_notify_destroy(ke_machine *m)
{
    free(m->notify);
    m->notify = NULL;
}

static bool same_routine(const ke_machine *m, uint32_t a, uint32_t b)
{
    if (a == b)
        return true;
    return m->host.same_routine != NULL && m->host.same_routine(m->host.ctx, a, b);
}

/* Adds a routine to a list (the same routine of the same driver twice:
 * STATUS_INVALID_PARAMETER; a full list: STATUS_INSUFFICIENT_RESOURCES). */
static NTSTATUS add(ke_call *call, ps_routine *list, uint32_t *count, uint32_t max,
                    uint32_t routine, uint8_t type)
{
    if (routine == 0)
        return STATUS_INVALID_PARAMETER;
    for (uint32_t i = 0; i < *count; i++) {
        if (list[i].driver == call->driver && same_routine(call->m, list[i].routine, routine))
            return STATUS_INVALID_PARAMETER;
    }
    if (*count == max)
        return STATUS_INSUFFICIENT_RESOURCES;
    list[(*count)++] = (ps_routine){.driver = call->driver, .routine = routine, .type = type};
    return STATUS_SUCCESS;
}

static NTSTATUS removed(ke_call *call, ps_routine *list, uint32_t *count, uint32_t routine)
{
    for (uint32_t i = 0; i < *count; i++) {
        if (list[i].driver != call->driver || !same_routine(call->m, list[i].routine, routine))
            continue;
        memmove(&list[i], &list[i + 1], (*count - i - 1) * sizeof list[0]);
        (*count)--;
        return STATUS_SUCCESS;
    }
    return STATUS_PROCEDURE_NOT_FOUND;
}

/* ------------------------------------------------------------------------ */
/* Registration DDIs                                                        */
/* ------------------------------------------------------------------------ */

NTSTATUS PsSetCreateProcessNotifyRoutineEx(ke_call *call, uint32_t NotifyRoutine, bool Remove)
{
    return ps_set_process_notify(call, NotifyRoutine, Remove, true);
}

NTSTATUS PsSetCreateThreadNotifyRoutine(ke_call *call, uint32_t NotifyRoutine)
{
    struct ps_notify *n = notify_of(call->m);
    return add(call, n->threads, &n->thread_count, PS_MAX_THREAD_NOTIFY, NotifyRoutine,
               PS_THREAD_LEGACY);
}

NTSTATUS PsSetCreateThreadNotifyRoutineEx(ke_call *call, ULONG NotifyType,
                                          uint32_t NotifyInformation)
{
    if (NotifyType != PS_THREAD_NON_SYSTEM && NotifyType != PS_THREAD_SUBSYSTEMS)
        return STATUS_INVALID_PARAMETER;
    struct ps_notify *n = notify_of(call->m);
    return add(call, n->threads, &n->thread_count, PS_MAX_THREAD_NOTIFY, NotifyInformation,
               (uint8_t)NotifyType);
}

NTSTATUS PsRemoveCreateThreadNotifyRoutine(ke_call *call, uint32_t NotifyRoutine)
{
    struct ps_notify *n = notify_of(call->m);
    return removed(call, n->threads, &n->thread_count, NotifyRoutine);
}

NTSTATUS PsSetLoadImageNotifyRoutine(ke_call *call, uint32_t NotifyRoutine)
{
    struct ps_notify *n = notify_of(call->m);
    return add(call, n->images, &n->image_count, PS_MAX_IMAGE_NOTIFY, NotifyRoutine, 0);
}

NTSTATUS PsSetLoadImageNotifyRoutineEx(ke_call *call, uint32_t NotifyRoutine, uint64_t Flags)
{
    if ((Flags & ~(uint64_t)PS_IMAGE_NOTIFY_CONFLICTING_ARCHITECTURE) != 0)
        return STATUS_INVALID_PARAMETER;
    struct ps_notify *n = notify_of(call->m);
    return add(call, n->images, &n->image_count, PS_MAX_IMAGE_NOTIFY, NotifyRoutine,
               (uint8_t)Flags);
}

NTSTATUS PsRemoveLoadImageNotifyRoutine(ke_call *call, uint32_t NotifyRoutine)
{
    struct ps_notify *n = notify_of(call->m);
    return removed(call, n->images, &n->image_count, NotifyRoutine);
}

/* ------------------------------------------------------------------------ */
/* Batches                                                                  */
/* ------------------------------------------------------------------------ */

static void set(ke_machine *m, PVOID_VA va, ke_type_id type, const char *field, uint64_t v)
{
    const ke_field *f = ke_type_field(type, field);
    ke_arch arch = m->config.arch;
    mm_poke(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
}

static uint64_t get(ke_machine *m, PVOID_VA va, ke_type_id type, const char *field)
{
    const ke_field *f = ke_type_field(type, field);
    ke_arch arch = m->config.arch;
    uint64_t v = 0;
    mm_peek(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
    return v;
}

/* A UNICODE_STRING and its UTF-16 text, in one nonpaged block (0 when the
 * pool is out). */
static PVOID_VA kernel_string(ke_machine *m, const char *text)
{
    ke_arch arch = m->config.arch;
    uint32_t us = ke_types[KE_TYPE_UNICODE_STRING].size[arch];
    size_t len = strlen(text);
    PVOID_VA block = ex_alloc_internal(m, NonPagedPoolNx, us + 2u * (len + 1), PS_NOTIFY_TAG);
    if (block == 0)
        return 0;
    mm_fill(m->mm, block, us + 2u * (len + 1), 0);
    for (size_t i = 0; i < len; i++) {
        uint16_t wc = (uint8_t)text[i];
        mm_poke(m->mm, block + us + 2 * i, &wc, 2);
    }
    set(m, block, KE_TYPE_UNICODE_STRING, "Length", 2u * len);
    set(m, block, KE_TYPE_UNICODE_STRING, "MaximumLength", 2u * (len + 1));
    set(m, block, KE_TYPE_UNICODE_STRING, "Buffer", block + us);
    return block;
}

static void kernel_free(ke_call *call, PVOID_VA va)
{
    if (va == 0)
        return;
    ke_call kernel = *call;
    kernel.driver = NULL;
    ExFreePool(&kernel, va);
}

bool ps_thread_notify_any(const ke_machine *m)
{
    return m->notify != NULL && m->notify->thread_count > 0;
}

bool ps_image_notify_any(const ke_machine *m)
{
    return m->notify != NULL && m->notify->image_count > 0;
}

void ps_batch_process(ke_call *call, ps_batch *b, ps_process *p, bool create,
                      const char *command_line)
{
    ke_machine *m = call->m;
    memset(b, 0, sizeof *b);
    b->kind = PS_BATCH_PROCESS;
    b->process = p;
    b->create = create;
    bool ex = false;
    for (uint32_t i = 0; i < m->process_notify_count; i++)
        ex |= m->process_notify[i].ex;
    if (!create || !ex)
        return;
    /* PS_CREATE_NOTIFY_INFO, and its two strings: the image's path as the
     * loader opens it, and the command line. */
    ke_arch arch = m->config.arch;
    uint32_t size = ke_types[KE_TYPE_PS_CREATE_NOTIFY_INFO].size[arch];
    PVOID_VA info = ex_alloc_internal(m, NonPagedPoolNx, size, PS_NOTIFY_TAG);
    if (info == 0)
        return;
    mm_fill(m->mm, info, size, 0);
    char path[96];
    snprintf(path, sizeof path, "\\??\\C:\\Windows\\System32\\%s", p->image);
    PVOID_VA image = kernel_string(m, path);
    PVOID_VA line = kernel_string(m, command_line != NULL ? command_line : path + 4);
    const ke_type_id T = KE_TYPE_PS_CREATE_NOTIFY_INFO;
    set(m, info, T, "Size", size);
    set(m, info, T, "Flags", 1); /* FileOpenNameAvailable: the path is the one opened */
    set(m, info, T, "ParentProcessId", p->parent_id);
    PVOID_VA cid = info + ke_type_field(T, "CreatingThreadId")->offset[arch];
    set(m, cid, KE_TYPE_CLIENT_ID, "UniqueProcess", call->thread->process->id);
    set(m, cid, KE_TYPE_CLIENT_ID, "UniqueThread", call->thread->id * 4u);
    set(m, info, T, "ImageFileName", image);
    set(m, info, T, "CommandLine", line);
    set(m, info, T, "CreationStatus", (uint32_t)STATUS_SUCCESS);
    b->info = info;
}

void ps_batch_thread(ke_call *call, ps_batch *b, ke_thread *t, bool create, bool new_thread)
{
    (void)call;
    memset(b, 0, sizeof *b);
    b->kind = PS_BATCH_THREAD;
    b->thread = t;
    b->process = t->process;
    b->create = create;
    b->new_thread = new_thread;
}

static void image_batch(ke_call *call, ps_batch *b, const char *path, uint64_t pid, bool system,
                        PVOID_VA base, uint64_t size)
{
    ke_machine *m = call->m;
    memset(b, 0, sizeof *b);
    b->kind = PS_BATCH_IMAGE;
    b->pid = pid;
    ke_arch arch = m->config.arch;
    uint32_t bytes = ke_types[KE_TYPE_IMAGE_INFO].size[arch];
    b->info = ex_alloc_internal(m, NonPagedPoolNx, bytes, PS_NOTIFY_TAG);
    b->name = kernel_string(m, path);
    if (b->info == 0 || b->name == 0) {
        kernel_free(call, b->info);
        kernel_free(call, b->name);
        b->info = b->name = 0;
        b->next = UINT32_MAX; /* nothing to call with: the pool is out */
        return;
    }
    mm_fill(m->mm, b->info, bytes, 0);
    /* Properties: ImageAddressingMode (bits 0-7) 0; SystemModeImage bit 8. */
    set(m, b->info, KE_TYPE_IMAGE_INFO, "Properties", system ? 0x100u : 0u);
    set(m, b->info, KE_TYPE_IMAGE_INFO, "ImageBase", base);
    set(m, b->info, KE_TYPE_IMAGE_INFO, "ImageSize", size);
}

void ps_batch_image_driver(ke_call *call, ps_batch *b, struct io_driver *d)
{
    char path[96];
    snprintf(path, sizeof path, "\\SystemRoot\\System32\\drivers\\%s", d->name);
    image_batch(call, b, path, 0, true, d->image_base, d->image_size);
}

void ps_batch_image_process(ke_call *call, ps_batch *b, ps_process *p)
{
    char path[96];
    snprintf(path, sizeof path, "\\Device\\HarddiskVolume2\\Windows\\System32\\%s", p->image);
    /* The executable's base: user space's customary 0x400000 image base. */
    image_batch(call, b, path, p->id, false, 0x400000u, 0x10000u);
}

bool ps_batch_ob(ke_call *call, ps_batch *b, ob_type_id type, PVOID_VA object, ULONG operation,
                 bool kernel_handle, ULONG desired_access)
{
    memset(b, 0, sizeof *b);
    b->kind = PS_BATCH_OB;
    return ob_op_begin(call, &b->ob, type, object, operation, kernel_handle, desired_access);
}

/* A routine of a driver that is gone: the call runs code that is not
 * there (P1, P3 the image, as for a thread left behind). */
static bool unloaded(ke_call *call, struct io_driver *d)
{
    if (d->loaded)
        return false;
    ke_call c = *call;
    c.driver = d;
    uint64_t code = d->image_base + 0x1000u;
    const uint64_t p[4] = {code, 0, code, 0};
    kd_raise_full(&c, RULE_unloaded_code_executed, 0xCE, p, d, NULL);
    return true;
}

bool ps_batch_next(ke_call *call, ps_batch *b, ps_routine_call *out)
{
    ke_machine *m = call->m;
    memset(out, 0, sizeof *out);
    switch (b->kind) {
    case PS_BATCH_PROCESS: {
        if (b->next >= m->process_notify_count)
            return false;
        struct ke_notify n = m->process_notify[b->next++];
        if (unloaded(call, n.driver))
            return false;
        out->driver = n.driver;
        out->routine = n.routine;
        out->name = "CreateProcessNotifyRoutine";
        out->argc = 3;
        if (!n.ex) {
            /* NotifyRoutine(ParentId, ProcessId, Create) */
            out->args[0] = b->process->parent_id;
            out->args[1] = b->process->id;
            out->args[2] = b->create;
            out->arg_kinds[0] = out->arg_kinds[1] = PS_ARG_INT;
            out->arg_kinds[2] = PS_ARG_BOOL;
        } else {
            /* NotifyRoutine(Process, ProcessId, CreateInfo) */
            out->name = "CreateProcessNotifyRoutineEx";
            out->args[0] = b->process->eprocess;
            out->args[1] = b->process->id;
            out->args[2] = b->create ? b->info : 0;
            out->arg_kinds[1] = PS_ARG_INT;
            out->arg_types[2] = KE_TYPE_PS_CREATE_NOTIFY_INFO;
        }
        return true;
    }
    case PS_BATCH_THREAD: {
        struct ps_notify *pn = m->notify;
        while (pn != NULL && b->next < pn->thread_count) {
            ps_routine r = pn->threads[b->next++];
            if (r.type == PS_THREAD_NON_SYSTEM && b->process == m->system_process)
                continue; /* PsCreateThreadNotifyNonSystem: not system threads */
            if (unloaded(call, r.driver))
                return false;
            out->driver = r.driver;
            out->routine = r.routine;
            out->name = "CreateThreadNotifyRoutine";
            out->argc = 3;
            out->args[0] = b->process->id;
            out->args[1] = b->thread->id * 4u;
            out->args[2] = b->create;
            out->arg_kinds[0] = out->arg_kinds[1] = PS_ARG_INT;
            out->arg_kinds[2] = PS_ARG_BOOL;
            return true;
        }
        return false;
    }
    case PS_BATCH_IMAGE: {
        struct ps_notify *pn = m->notify;
        if (pn == NULL || b->next >= pn->image_count)
            return false;
        ps_routine r = pn->images[b->next++];
        if (unloaded(call, r.driver))
            return false;
        /* NotifyRoutine(FullImageName, ProcessId, ImageInfo) */
        out->driver = r.driver;
        out->routine = r.routine;
        out->name = "LoadImageNotifyRoutine";
        out->argc = 3;
        out->args[0] = b->name;
        out->arg_types[0] = KE_TYPE_UNICODE_STRING;
        out->args[1] = b->pid;
        out->arg_kinds[1] = PS_ARG_INT;
        out->args[2] = b->info;
        out->arg_types[2] = KE_TYPE_IMAGE_INFO;
        return true;
    }
    case PS_BATCH_OB: {
        ob_op_call c;
        if (!ob_op_next(call, &b->ob, &c))
            return false;
        out->driver = c.driver;
        out->routine = c.routine;
        out->name = c.name;
        out->argc = 2;
        out->args[0] = c.args[0];
        out->args[1] = c.args[1];
        out->arg_types[0] = c.arg_types[0];
        out->arg_types[1] = c.arg_types[1];
        return true;
    }
    }
    return false;
}

void ps_batch_returned(ke_call *call, ps_batch *b, uint64_t result)
{
    if (b->kind == PS_BATCH_OB)
        ob_op_returned(call, &b->ob, result);
}

void ps_batch_end(ke_call *call, ps_batch *b)
{
    ke_machine *m = call->m;
    switch (b->kind) {
    case PS_BATCH_PROCESS:
        b->status = STATUS_SUCCESS;
        if (b->info != 0) {
            /* An Ex routine refuses the process by failing CreationStatus. */
            NTSTATUS s = (NTSTATUS)(uint32_t)get(m, b->info, KE_TYPE_PS_CREATE_NOTIFY_INFO,
                                                 "CreationStatus");
            b->status = NT_SUCCESS(s) ? STATUS_SUCCESS : s;
            kernel_free(call, get(m, b->info, KE_TYPE_PS_CREATE_NOTIFY_INFO, "ImageFileName"));
            kernel_free(call, get(m, b->info, KE_TYPE_PS_CREATE_NOTIFY_INFO, "CommandLine"));
            kernel_free(call, b->info);
            b->info = 0;
        }
        break;
    case PS_BATCH_IMAGE:
        kernel_free(call, b->info);
        kernel_free(call, b->name);
        b->info = b->name = 0;
        break;
    case PS_BATCH_OB:
        b->status = (NTSTATUS)ob_op_end(call, &b->ob);
        break;
    case PS_BATCH_THREAD:
        break;
    }
}
