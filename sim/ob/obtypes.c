/*
 * obtypes.c - object types and the variables drivers use by address, the
 * handles applications hold, and the routines that find processes and
 * threads: ObReferenceObjectByPointer, ObOpenObjectByPointer,
 * PsLookupProcessByProcessId, PsLookupThreadByThreadId, PsGetProcessId,
 * PsGetThreadId, PsGetThreadProcessId, PsGetThreadProcess,
 * IoGetCurrentProcess, SeSinglePrivilegeCheck.
 *
 * The kernel's image has a data page, below the drivers' images, mapped at
 * boot: the exported variables (IoFileObjectType, PsProcessType, ...: each a
 * POBJECT_TYPE, so C's `*PsProcessType` is the OBJECT_TYPE's address, and
 * SeExports, a PSE_EXPORTS), one OBJECT_TYPE per type (its Name, as
 * Windows 10's layout places it; the rest of the structure is opaque to
 * drivers), the SE_EXPORTS structure with its privilege LUIDs and the
 * well-known SIDs they point at. Its physical page is one of the kernel
 * image's, below the RAM the pools take, so mapping it moves no other
 * page's number.
 *
 * An application's handle (CreateEvent, OpenProcess, OpenThread) lives in
 * its process's table with the access it was granted; a driver reaches it
 * with ObReferenceObjectByHandle in that process's context, where UserMode
 * checks the access and the type, as Windows does.
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

/* Where the kernel's data page is: 64 KiB below the first driver image. */
#define OB_KERNEL_DATA_OFFSET 0x10000u
/* Its physical page: one of the kernel image's, in the first 16 MiB. */
#define OB_KERNEL_DATA_PFN 0x200u

#define OB_TYPES_OFFSET     0x100u /* the OBJECT_TYPEs, 0x80 bytes each */
#define OB_TYPE_STRIDE      0x80u
#define OB_SE_EXPORTS_OFFSET 0x600u
#define OB_SIDS_OFFSET      0x800u /* the well-known SIDs, 0x20 bytes each */
#define OB_SID_STRIDE       0x20u

#define OB_HANDLE_TAG 0x6E764545u /* "EEvn": an application's event ("Even" is taken by Ke) */

static const char *const export_names[OB_EXPORT_COUNT] = {
#define OB_EXPORT_NAME(name, type) #name,
    OB_EXPORTS(OB_EXPORT_NAME)
#undef OB_EXPORT_NAME
};

static const ob_type_id export_types[OB_EXPORT_COUNT] = {
#define OB_EXPORT_TYPE(name, type) type,
    OB_EXPORTS(OB_EXPORT_TYPE)
#undef OB_EXPORT_TYPE
};

/* The OBJECT_TYPE names Windows gives them (!object \ObjectTypes), and
 * each type's every right (*_ALL_ACCESS, winnt.h / wdm.h). */
static const struct {
    const char *name;
    ULONG all_access;
} types[OB_TYPE_COUNT] = {
    [OB_TYPE_PROCESS] = {"Process", 0x001FFFFFu},   /* PROCESS_ALL_ACCESS */
    [OB_TYPE_THREAD] = {"Thread", 0x001FFFFFu},     /* THREAD_ALL_ACCESS */
    [OB_TYPE_FILE] = {"File", 0x001F01FFu},         /* FILE_ALL_ACCESS */
    [OB_TYPE_EVENT] = {"Event", 0x001F0003u},       /* EVENT_ALL_ACCESS */
    [OB_TYPE_SEMAPHORE] = {"Semaphore", 0x001F0003u}, /* SEMAPHORE_ALL_ACCESS */
    [OB_TYPE_MUTANT] = {"Mutant", 0x001F0001u},     /* MUTANT_ALL_ACCESS */
    [OB_TYPE_TIMER] = {"Timer", 0x001F0003u},       /* TIMER_ALL_ACCESS */
    [OB_TYPE_DEVICE] = {"Device", 0x001F01FFu},
    [OB_TYPE_DRIVER] = {"Driver", 0x001F01FFu},
};

/* SE_EXPORTS (ntifs.h): the privileges first (LUIDs 2..24 in order), the
 * well-known SIDs, then the three NT5 privileges. */
#define OB_SE_FIRST_LUIDS 23u
#define OB_SE_SIDS        22u

static const struct {
    uint8_t authority;
    uint8_t count;
    uint32_t sub[2];
} sids[OB_SE_SIDS] = {
    {0, 1, {0, 0}},    /* SeNullSid S-1-0-0 */
    {1, 1, {0, 0}},    /* SeWorldSid S-1-1-0 */
    {2, 1, {0, 0}},    /* SeLocalSid S-1-2-0 */
    {3, 1, {0, 0}},    /* SeCreatorOwnerSid S-1-3-0 */
    {3, 1, {1, 0}},    /* SeCreatorGroupSid S-1-3-1 */
    {5, 0, {0, 0}},    /* SeNtAuthoritySid S-1-5 */
    {5, 1, {1, 0}},    /* SeDialupSid S-1-5-1 */
    {5, 1, {2, 0}},    /* SeNetworkSid S-1-5-2 */
    {5, 1, {3, 0}},    /* SeBatchSid S-1-5-3 */
    {5, 1, {4, 0}},    /* SeInteractiveSid S-1-5-4 */
    {5, 1, {18, 0}},   /* SeLocalSystemSid S-1-5-18 */
    {5, 2, {32, 544}}, /* SeAliasAdminsSid */
    {5, 2, {32, 545}}, /* SeAliasUsersSid */
    {5, 2, {32, 546}}, /* SeAliasGuestsSid */
    {5, 2, {32, 547}}, /* SeAliasPowerUsersSid */
    {5, 2, {32, 548}}, /* SeAliasAccountOpsSid */
    {5, 2, {32, 549}}, /* SeAliasSystemOpsSid */
    {5, 2, {32, 550}}, /* SeAliasPrintOpsSid */
    {5, 2, {32, 551}}, /* SeAliasBackupOpsSid */
    {5, 1, {11, 0}},   /* SeAuthenticatedUsersSid S-1-5-11 */
    {5, 1, {12, 0}},   /* SeRestrictedSid S-1-5-12 */
    {5, 1, {7, 0}},    /* SeAnonymousLogonSid S-1-5-7 */
};

/* Privilege LUIDs (winnt.h SE_*_PRIVILEGE): the System process has every
 * one enabled; an application SeChangeNotifyPrivilege (a standard user's
 * token enables no other by default). */
#define OB_SE_MIN_PRIVILEGE        2u
#define OB_SE_MAX_PRIVILEGE        36u
#define OB_SE_CHANGE_NOTIFY_PRIVILEGE 23u

struct ob_handle {
    uint64_t handle;
    ps_process *process;
    ob_type_id type;
    PVOID_VA object;
    ULONG access;
};
typedef struct ob_handle ob_handle;

static PVOID_VA data_page(ke_arch arch)
{
    return mm_region_base(arch, MM_REGION_SYSTEM_IMAGES) - OB_KERNEL_DATA_OFFSET;
}

static uint32_t ptr_size(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? 4u : 8u;
}

const char *ob_export_name(ob_export e)
{
    return e < OB_EXPORT_COUNT ? export_names[e] : "";
}

PVOID_VA ob_export_va(ke_arch arch, ob_export e)
{
    return data_page(arch) + (uint64_t)e * ptr_size(arch);
}

PVOID_VA ob_se_exports_va(ke_arch arch)
{
    return data_page(arch) + OB_SE_EXPORTS_OFFSET;
}

PVOID_VA ob_type_va(ke_arch arch, ob_type_id t)
{
    return data_page(arch) + OB_TYPES_OFFSET + (uint64_t)t * OB_TYPE_STRIDE;
}

ob_type_id ob_type_at(ke_arch arch, PVOID_VA object_type)
{
    PVOID_VA base = ob_type_va(arch, OB_TYPE_NONE);
    if (object_type < base + OB_TYPE_STRIDE || (object_type - base) % OB_TYPE_STRIDE != 0)
        return OB_TYPE_NONE;
    uint64_t t = (object_type - base) / OB_TYPE_STRIDE;
    return t < OB_TYPE_COUNT ? (ob_type_id)t : OB_TYPE_NONE;
}

const char *ob_type_name(ob_type_id t)
{
    return t > OB_TYPE_NONE && t < OB_TYPE_COUNT ? types[t].name : "";
}

ULONG ob_map_access(ob_type_id t, ULONG desired)
{
    if ((desired & (OB_GENERIC_ALL | OB_MAXIMUM_ALLOWED)) != 0 && t < OB_TYPE_COUNT)
        desired = (desired & ~(OB_GENERIC_ALL | OB_MAXIMUM_ALLOWED)) | types[t].all_access;
    return desired;
}

static io_file *file_at(const ke_machine *m, PVOID_VA va)
{
    if (m->requests == NULL)
        return NULL;
    for (io_file *f = m->requests->files; f != NULL; f = f->next) {
        if (f->file_object == va)
            return f;
    }
    return NULL;
}

ob_type_id ob_object_type(const ke_machine *m, PVOID_VA object)
{
    if (object == 0)
        return OB_TYPE_NONE;
    if (ps_process_at(m, object) != NULL)
        return OB_TYPE_PROCESS;
    ke_object *o = ke_object_at(m, object);
    if (o != NULL && o->type == KE_OBJECT_FILE)
        return OB_TYPE_FILE; /* a file ZwCreateFile opened */
    if (o != NULL) {
        switch (o->type) {
        case KE_OBJECT_NOTIFICATION_EVENT:
        case KE_OBJECT_SYNCHRONIZATION_EVENT:
            return OB_TYPE_EVENT;
        case KE_OBJECT_MUTANT:
            return OB_TYPE_MUTANT;
        case KE_OBJECT_SEMAPHORE:
            return OB_TYPE_SEMAPHORE;
        case KE_OBJECT_THREAD:
            return OB_TYPE_THREAD;
        case KE_OBJECT_NOTIFICATION_TIMER:
        case KE_OBJECT_SYNCHRONIZATION_TIMER:
            return OB_TYPE_TIMER;
        }
    }
    if (io_device_at(m, object) != NULL)
        return OB_TYPE_DEVICE;
    if (file_at(m, object) != NULL)
        return OB_TYPE_FILE;
    for (uint32_t i = 0; i < m->driver_count; i++) {
        if (m->drivers[i]->loaded && m->drivers[i]->driver_object == object)
            return OB_TYPE_DRIVER;
    }
    return OB_TYPE_NONE;
}

/* ------------------------------------------------------------------------ */
/* The kernel's data page                                                   */
/* ------------------------------------------------------------------------ */

/* The data page's bytes up to the last SID: the same in every machine of
 * an architecture, so made once per process for each and written with one
 * mm_poke (issue 18: 199 writes through mm_poke every seed of a sweep). */
#define OB_DATA_BYTES (OB_SIDS_OFFSET + OB_SE_SIDS * OB_SID_STRIDE)
_Static_assert(OB_DATA_BYTES <= 0x1000u, "the kernel's data is one page");
_Static_assert(OB_EXPORT_COUNT * 8 <= OB_TYPES_OFFSET &&
                   OB_TYPES_OFFSET + OB_TYPE_COUNT * OB_TYPE_STRIDE <= OB_SE_EXPORTS_OFFSET &&
                   OB_SE_EXPORTS_OFFSET + (OB_SE_FIRST_LUIDS + 3) * 8 + OB_SE_SIDS * 8 <=
                       OB_SIDS_OFFSET,
               "the data page's parts do not overlap");

typedef struct data_image {
    uint8_t bytes[OB_DATA_BYTES];
    PVOID_VA page;
} data_image;

static void put(data_image *img, PVOID_VA va, const void *v, size_t n)
{
    memcpy(img->bytes + (va - img->page), v, n);
}

static void put_ptr(data_image *img, ke_arch arch, PVOID_VA va, uint64_t v)
{
    put(img, va, &v, ptr_size(arch)); /* the host is little-endian, as x64 and x86 are */
}

static void build_image(data_image *img, ke_arch arch)
{
    PVOID_VA page = data_page(arch);
    img->page = page;
    uint32_t ps = ptr_size(arch);
    for (uint32_t e = 0; e < OB_EXPORT_COUNT; e++) {
        PVOID_VA value = e == OB_EXPORT_SeExports ? page + OB_SE_EXPORTS_OFFSET
                                                  : ob_type_va(arch, export_types[e]);
        put_ptr(img, arch, ob_export_va(arch, (ob_export)e), value);
    }
    /* OBJECT_TYPE: TypeList (a list of one) and Name, at Windows 10's
     * offsets; the name's UTF-16 text after them. */
    for (uint32_t t = OB_TYPE_NONE + 1; t < OB_TYPE_COUNT; t++) {
        PVOID_VA ot = ob_type_va(arch, (ob_type_id)t);
        put_ptr(img, arch, ot, ot);
        put_ptr(img, arch, ot + ps, ot);
        PVOID_VA name = ot + 2u * ps;
        PVOID_VA text = ot + 0x40u;
        uint16_t len = (uint16_t)(2u * strlen(types[t].name));
        uint16_t max = (uint16_t)(len + 2u);
        put(img, name, &len, 2);
        put(img, name + 2, &max, 2);
        put_ptr(img, arch, name + ps, text);
        for (size_t i = 0; types[t].name[i] != '\0'; i++) {
            uint16_t wc = (uint8_t)types[t].name[i];
            put(img, text + 2 * i, &wc, 2);
        }
    }
    /* SE_EXPORTS: LUIDs { LowPart = the privilege, HighPart = 0 }. */
    PVOID_VA se = page + OB_SE_EXPORTS_OFFSET;
    PVOID_VA at = se;
    /* SE_EXPORTS lists them in its own order, not by value (winnt.h). */
    static const uint8_t luids[OB_SE_FIRST_LUIDS] = {2,  3,  4,  5,  6,  7,  8,  9,
                                                     10, 15, 14, 11, 12, 13, 16, 17,
                                                     18, 19, 20, 21, 22, 23, 24};
    for (uint32_t i = 0; i < OB_SE_FIRST_LUIDS; i++, at += 8) {
        uint64_t luid = luids[i];
        put(img, at, &luid, 8);
    }
    for (uint32_t i = 0; i < OB_SE_SIDS; i++, at += ps) {
        PVOID_VA sid = page + OB_SIDS_OFFSET + i * OB_SID_STRIDE;
        uint8_t head[8] = {1, sids[i].count, 0, 0, 0, 0, 0, sids[i].authority};
        put(img, sid, head, sizeof head);
        put(img, sid + 8, sids[i].sub, 4u * sids[i].count);
        put_ptr(img, arch, at, sid);
    }
    for (uint64_t luid = 25; luid <= 27; luid++, at += 8) /* Undock, SyncAgent, EnableDelegation */
        put(img, at, &luid, 8);
}

bool ob_init(ke_machine *m)
{
    static data_image images[2];
    static bool built[2];
    ke_arch arch = m->config.arch;
    PVOID_VA page = data_page(arch);
    m->ob = calloc(1, sizeof *m->ob);
    if (m->ob == NULL || !mm_map_kernel_page(m->mm, page, OB_KERNEL_DATA_PFN))
        return false;
    if (!built[arch]) {
        build_image(&images[arch], arch);
        built[arch] = true;
    }
    if (!mm_poke(m->mm, page, images[arch].bytes, sizeof images[arch].bytes))
        return false;
    uint64_t all = 0;
    for (uint32_t p = OB_SE_MIN_PRIVILEGE; p <= OB_SE_MAX_PRIVILEGE; p++)
        all |= 1ull << p;
    m->system_process->privileges = all;
    return true;
}

void ob_destroy(ke_machine *m)
{
    if (m->ob == NULL)
        return;
    free(m->ob->handles);
    ob_callbacks_destroy(m);
    free(m->ob);
    m->ob = NULL;
}

/* ------------------------------------------------------------------------ */
/* References of any object                                                 */
/* ------------------------------------------------------------------------ */

void ob_reference(ke_call *call, PVOID_VA object)
{
    ps_process *p = ps_process_at(call->m, object);
    if (p != NULL) {
        p->references++;
        return;
    }
    ObReferenceObject(call, object);
}

void ob_dereference(ke_call *call, PVOID_VA object)
{
    ObDereferenceObject(call, object);
}

/* ------------------------------------------------------------------------ */
/* Applications' handles                                                    */
/* ------------------------------------------------------------------------ */

uint64_t ob_user_handle_create(ke_call *call, ps_process *p, ob_type_id type, PVOID_VA object,
                               ULONG access)
{
    struct ob_state *ob = call->m->ob;
    if (ob->handle_count == ob->handle_capacity) {
        uint32_t cap = ob->handle_capacity ? 2 * ob->handle_capacity : 16;
        ob_handle *grown = realloc(ob->handles, cap * sizeof *grown);
        if (grown == NULL)
            ke_panic(call->m, __FILE__, __LINE__, "out of host memory for a handle");
        ob->handles = grown;
        ob->handle_capacity = cap;
    }
    ke_call kernel = *call;
    kernel.driver = NULL;
    ob_reference(&kernel, object);
    uint64_t h = io_next_user_handle(call->m);
    ob->handles[ob->handle_count++] =
        (ob_handle){.handle = h, .process = p, .type = type, .object = object, .access = access};
    return h;
}

static ob_handle *find_handle(const ke_machine *m, const ps_process *p, uint64_t handle)
{
    for (uint32_t i = 0; i < m->ob->handle_count; i++) {
        if (m->ob->handles[i].handle == handle && m->ob->handles[i].process == p)
            return &m->ob->handles[i];
    }
    return NULL;
}

bool ob_user_handle_lookup(const ke_machine *m, const ps_process *p, uint64_t handle,
                           ob_type_id *type, PVOID_VA *object, ULONG *access)
{
    const ob_handle *h = find_handle(m, p, handle);
    if (h == NULL)
        return false;
    *type = h->type;
    *object = h->object;
    *access = h->access;
    return true;
}

bool ob_user_handle_valid(const ke_machine *m, const ps_process *p, uint64_t handle)
{
    if (find_handle(m, p, handle) != NULL)
        return true;
    io_file *f = io_file_of_handle(m, handle);
    return f != NULL && f->process == p;
}

bool ob_user_handle_close(ke_call *call, ps_process *p, uint64_t handle)
{
    struct ob_state *ob = call->m->ob;
    ob_handle *h = find_handle(call->m, p, handle);
    if (h == NULL)
        return false;
    PVOID_VA object = h->object;
    size_t i = (size_t)(h - ob->handles);
    memmove(h, h + 1, (ob->handle_count - i - 1) * sizeof *h);
    ob->handle_count--;
    ke_call kernel = *call;
    kernel.driver = NULL;
    ob_dereference(&kernel, object);
    return true;
}

void ob_process_ended(ke_machine *m, ps_process *p, ke_thread *t)
{
    ke_call call = {.m = m, .exec = &t->exec, .thread = t, .driver = NULL};
    struct ob_state *ob = m->ob;
    for (uint32_t i = 0; i < ob->handle_count && !ke_stopped(m);) {
        if (ob->handles[i].process == p)
            ob_user_handle_close(&call, p, ob->handles[i].handle); /* shifts the rest down */
        else
            i++;
    }
}

PVOID_VA ob_create_event(ke_call *call, bool manual_reset, bool initial_state)
{
    ke_machine *m = call->m;
    PVOID_VA ev = ex_alloc_internal(m, NonPagedPoolNx,
                                    ke_types[KE_TYPE_KEVENT].size[m->config.arch], OB_HANDLE_TAG);
    if (ev == 0)
        return 0;
    ke_call kernel = *call;
    kernel.driver = NULL;
    KeInitializeEvent(&kernel, ev, manual_reset ? 0u : 1u, initial_state);
    ke_object *o = ke_object_at(m, ev);
    o->ob_created = true;
    return ev;
}

void ob_object_deleted(ke_call *call, ke_object *o)
{
    ke_call kernel = *call;
    kernel.driver = NULL;
    o->ob_created = false;
    ExFreePool(&kernel, o->va);
}

/* ------------------------------------------------------------------------ */
/* DDIs                                                                     */
/* ------------------------------------------------------------------------ */

/* Whether AccessMode may use an object of `type` for `desired`: the type
 * matches (a NULL ObjectType matches any), and UserMode holds the access. */
static NTSTATUS check_type(const ke_machine *m, PVOID_VA object_type, ob_type_id actual)
{
    if (object_type == 0)
        return STATUS_SUCCESS;
    ob_type_id want = ob_type_at(m->config.arch, object_type);
    return want != OB_TYPE_NONE && want == actual ? STATUS_SUCCESS : STATUS_OBJECT_TYPE_MISMATCH;
}

/* ObReferenceObjectByPointer: a reference to an object the caller already
 * holds, if it is of ObjectType. Access is not checked for KernelMode; for
 * UserMode Windows checks the object's security descriptor, which drvsim
 * does not model: every access is granted. */
NTSTATUS ObReferenceObjectByPointer(ke_call *call, PVOID_VA Object, ULONG DesiredAccess,
                                    PVOID_VA ObjectType, ULONG AccessMode)
{
    (void)DesiredAccess;
    (void)AccessMode;
    ob_type_id t = ob_object_type(call->m, Object);
    NTSTATUS s = check_type(call->m, ObjectType, t);
    if (!NT_SUCCESS(s))
        return s;
    ob_reference(call, Object);
    return STATUS_SUCCESS;
}

/* ObOpenObjectByPointer: a handle to an object the caller holds: a kernel
 * handle with OBJ_KERNEL_HANDLE, else one in the current process's table
 * (granted DesiredAccess, generic rights mapped). The Ob callbacks of
 * processes and threads are not called for it (limits: see README). */
NTSTATUS ObOpenObjectByPointer(ke_call *call, PVOID_VA Object, ULONG HandleAttributes,
                               PVOID_VA PassedAccessState, ULONG DesiredAccess,
                               PVOID_VA ObjectType, ULONG AccessMode, uint64_t *Handle)
{
    (void)PassedAccessState;
    (void)AccessMode;
    *Handle = 0;
    ob_type_id t = ob_object_type(call->m, Object);
    if (t == OB_TYPE_NONE)
        return STATUS_OBJECT_TYPE_MISMATCH;
    NTSTATUS s = check_type(call->m, ObjectType, t);
    if (!NT_SUCCESS(s))
        return s;
    ke_object *o = ke_object_at(call->m, Object);
    if ((HandleAttributes & OB_OBJ_KERNEL_HANDLE) != 0 && o != NULL) {
        *Handle = ob_create_handle(call->m, o);
        return STATUS_SUCCESS;
    }
    if ((HandleAttributes & OB_OBJ_KERNEL_HANDLE) != 0)
        return STATUS_OBJECT_TYPE_MISMATCH; /* processes, files: no kernel handles in drvsim */
    *Handle = ob_user_handle_create(call, call->thread->process, t, Object,
                                    ob_map_access(t, DesiredAccess));
    return STATUS_SUCCESS;
}

/* A process's or thread's id is freed when its object is deleted: an
 * ended one that nothing references is not found any more. */
NTSTATUS PsLookupProcessByProcessId(ke_call *call, uint64_t ProcessId, PVOID_VA *Process)
{
    ke_machine *m = call->m;
    *Process = 0;
    for (uint32_t i = 0; i < m->process_count; i++) {
        ps_process *p = m->processes[i];
        if (p == m->idle_process || p->id != ProcessId || (p->exited && p->references == 0))
            continue;
        p->references++;
        *Process = p->eprocess;
        return STATUS_SUCCESS;
    }
    return STATUS_INVALID_PARAMETER;
}

NTSTATUS PsLookupThreadByThreadId(ke_call *call, uint64_t ThreadId, PVOID_VA *Thread)
{
    ke_machine *m = call->m;
    *Thread = 0;
    if (ThreadId == 0 || ThreadId % 4 != 0 || ThreadId / 4 > m->thread_count)
        return STATUS_INVALID_PARAMETER;
    ke_thread *t = m->threads[ThreadId / 4 - 1];
    if (t->idle || t->object == NULL ||
        (t->state == KE_THREAD_TERMINATED && t->object->references <= 0))
        return STATUS_INVALID_PARAMETER;
    t->object->references++;
    *Thread = t->object->va;
    return STATUS_SUCCESS;
}

/* The Ps accessors read a field of the ETHREAD or EPROCESS they are given:
 * drvsim knows only its own objects, so anything else reads as 0 (on
 * Windows, whatever the memory holds there). */
static ke_thread *thread_of(ke_call *call, PVOID_VA Thread)
{
    ke_object *o = ke_object_at(call->m, Thread);
    return o != NULL && o->type == KE_OBJECT_THREAD ? o->thread : NULL;
}

uint64_t PsGetProcessId(ke_call *call, PVOID_VA Process)
{
    ps_process *p = ps_process_at(call->m, Process);
    return p != NULL ? p->id : 0;
}

uint64_t PsGetThreadId(ke_call *call, PVOID_VA Thread)
{
    ke_thread *t = thread_of(call, Thread);
    return t != NULL ? t->id * 4u : 0;
}

uint64_t PsGetThreadProcessId(ke_call *call, PVOID_VA Thread)
{
    ke_thread *t = thread_of(call, Thread);
    return t != NULL ? t->process->id : 0;
}

PVOID_VA PsGetThreadProcess(ke_call *call, PVOID_VA Thread)
{
    ke_thread *t = thread_of(call, Thread);
    return t != NULL ? t->process->eprocess : 0;
}

PVOID_VA IoGetCurrentProcess(ke_call *call)
{
    return call->thread->process->eprocess;
}

/* SeSinglePrivilegeCheck: KernelMode holds every privilege; UserMode the
 * ones the current process's token has enabled. */
bool SeSinglePrivilegeCheck(ke_call *call, uint64_t PrivilegeValue, ULONG PreviousMode)
{
    if (PreviousMode == OB_KERNEL_MODE)
        return true;
    if (PrivilegeValue > OB_SE_MAX_PRIVILEGE)
        return false;
    return (call->thread->process->privileges >> PrivilegeValue) & 1u;
}

uint64_t ob_default_privileges(void)
{
    return 1ull << OB_SE_CHANGE_NOTIFY_PRIVILEGE;
}
