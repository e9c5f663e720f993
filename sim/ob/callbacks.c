/*
 * callbacks.c - Ob callbacks: ObRegisterCallbacks, ObUnRegisterCallbacks,
 * ObGetFilterVersion, and the calls of the registered routines when a
 * handle to a process or thread is made.
 *
 * ObRegisterCallbacks reads the driver's OB_CALLBACK_REGISTRATION and its
 * OB_OPERATION_REGISTRATION array from simulated memory (a bad pointer
 * faults as in the kernel's own read), checks them as Windows does
 * (Version OB_FLT_REGISTRATION_VERSION, at least one operation, object
 * types PsProcessType or PsThreadType, Operations set, a pre- or
 * post-operation routine: STATUS_INVALID_PARAMETER otherwise; an altitude
 * another registration holds: STATUS_FLT_INSTANCE_ALTITUDE_COLLISION) and
 * gives back a RegistrationHandle, a block of the kernel's nonpaged pool.
 *
 * When an application opens a process or thread (OpenProcess, OpenThread),
 * each registered pre-operation routine for that type and
 * OB_OPERATION_HANDLE_CREATE is called, highest altitude first (the order
 * Filter Manager gives altitudes; Microsoft's page does not state it for
 * Ob callbacks), with its RegistrationContext and an
 * OB_PRE_OPERATION_INFORMATION in nonpaged pool; the DesiredAccess it
 * leaves is what the next sees, and the handle gets that access within the
 * original one (a routine can only take rights away: "to restrict the
 * access that is granted"). Then the post-operation routines, lowest
 * altitude first, with the CallContext their pre-operation routine set and
 * the access granted. A routine of a driver that unloaded without
 * ObUnRegisterCallbacks is code that is gone: 0xCE.
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

/* OB_FLT_REGISTRATION_VERSION (wdm.h): ObGetFilterVersion's answer. */
#define OB_FLT_REGISTRATION_VERSION 0x0100u

#define OB_CALLBACK_TAG 0x6243624Fu /* "ObCb" */

#define OB_MAX_ALTITUDE 64u

typedef struct ob_reg_op {
    ob_type_id type;
    ULONG operations;
    uint32_t pre, post; /* io_routines; 0 for none */
} ob_reg_op;

typedef struct ob_registration {
    uint32_t id;
    struct io_driver *driver;
    PVOID_VA handle;
    PVOID_VA context;
    /* The altitude, a decimal number: its integer part and its fraction's
     * digits (compared as text, right-padded). */
    uint64_t altitude_int;
    char altitude_frac[OB_MAX_ALTITUDE + 1];
    uint32_t op_count;
    ob_reg_op *ops;
    struct ob_registration *next; /* by descending altitude */
} ob_registration;

void ob_callbacks_destroy(ke_machine *m)
{
    for (ob_registration *r = m->ob->registrations, *next; r != NULL; r = next) {
        next = r->next;
        free(r->ops);
        free(r);
    }
    m->ob->registrations = NULL;
}

ULONG ObGetFilterVersion(ke_call *call)
{
    (void)call;
    return OB_FLT_REGISTRATION_VERSION;
}

/* A field of the driver's structure, read as the kernel reads it for the
 * driver (a bad pointer faults: false). */
static bool field(ke_call *call, PVOID_VA va, ke_type_id type, const char *name, uint64_t *v)
{
    return ke_field_get(call, va, ke_type_field(type, name), v);
}

/* Parses a UTF-16 altitude: digits, optionally a point and more digits. */
static bool parse_altitude(ke_call *call, PVOID_VA us, ob_registration *r, bool *faulted)
{
    uint64_t len = 0, buffer = 0;
    *faulted = !field(call, us, KE_TYPE_UNICODE_STRING, "Length", &len) ||
               !field(call, us, KE_TYPE_UNICODE_STRING, "Buffer", &buffer);
    if (*faulted || len == 0 || len % 2 != 0 || len / 2 > OB_MAX_ALTITUDE || buffer == 0)
        return false;
    uint16_t text[OB_MAX_ALTITUDE];
    if (!mm_access(call, buffer, text, (size_t)len, false)) {
        *faulted = true;
        return false;
    }
    size_t n = (size_t)len / 2, i = 0, frac = 0;
    bool digits = false;
    for (; i < n && text[i] >= '0' && text[i] <= '9'; i++) {
        if (r->altitude_int > (UINT64_MAX - 9) / 10)
            return false;
        r->altitude_int = r->altitude_int * 10 + (text[i] - '0');
        digits = true;
    }
    if (i < n && text[i] == '.')
        for (i++; i < n && text[i] >= '0' && text[i] <= '9'; i++)
            r->altitude_frac[frac++] = (char)text[i];
    while (frac > 0 && r->altitude_frac[frac - 1] == '0')
        frac--; /* "1000.50" is "1000.5" */
    r->altitude_frac[frac] = '\0';
    return digits && i == n;
}

static int compare_altitude(const ob_registration *a, const ob_registration *b)
{
    if (a->altitude_int != b->altitude_int)
        return a->altitude_int < b->altitude_int ? -1 : 1;
    return strcmp(a->altitude_frac, b->altitude_frac);
}

NTSTATUS ObRegisterCallbacks(ke_call *call, PVOID_VA CallbackRegistration,
                             PVOID_VA *RegistrationHandle)
{
    ke_machine *m = call->m;
    *RegistrationHandle = 0;
    const ke_type_id R = KE_TYPE_OB_CALLBACK_REGISTRATION, O = KE_TYPE_OB_OPERATION_REGISTRATION;
    uint64_t version = 0, count = 0, context = 0, ops = 0;
    if (!field(call, CallbackRegistration, R, "Version", &version) ||
        !field(call, CallbackRegistration, R, "OperationRegistrationCount", &count) ||
        !field(call, CallbackRegistration, R, "RegistrationContext", &context) ||
        !field(call, CallbackRegistration, R, "OperationRegistration", &ops))
        return STATUS_ACCESS_VIOLATION; /* the machine stopped */
    if ((version & 0xFF00u) != OB_FLT_REGISTRATION_VERSION || count == 0 || ops == 0)
        return STATUS_INVALID_PARAMETER;
    ob_registration *r = calloc(1, sizeof *r);
    if (r == NULL || (r->ops = calloc((size_t)count, sizeof *r->ops)) == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory for Ob callbacks");
    NTSTATUS status = STATUS_SUCCESS;
    bool faulted = false;
    PVOID_VA altitude =
        CallbackRegistration + ke_type_field(R, "Altitude")->offset[m->config.arch];
    if (!parse_altitude(call, altitude, r, &faulted))
        status = faulted ? STATUS_ACCESS_VIOLATION : STATUS_INVALID_PARAMETER;
    uint32_t size = ke_types[O].size[m->config.arch];
    for (uint32_t i = 0; NT_SUCCESS(status) && i < count; i++) {
        PVOID_VA op = ops + (uint64_t)i * size;
        uint64_t type_var = 0, operations = 0, pre = 0, post = 0, type = 0;
        if (!field(call, op, O, "ObjectType", &type_var) ||
            !field(call, op, O, "Operations", &operations) ||
            !field(call, op, O, "PreOperation", &pre) ||
            !field(call, op, O, "PostOperation", &post) ||
            (type_var != 0 &&
             !mm_access(call, type_var, &type, m->config.arch == KE_ARCH_X86 ? 4 : 8, false))) {
            status = STATUS_ACCESS_VIOLATION;
            break;
        }
        /* ObjectType is a POBJECT_TYPE *: PsProcessType, PsThreadType. */
        ob_type_id t = ob_type_at(m->config.arch, type);
        io_driver *pre_driver = NULL, *post_driver = NULL;
        io_routine pre_routine = pre != 0 ? io_routine_of_token(m, pre, &pre_driver) : 0;
        io_routine post_routine = post != 0 ? io_routine_of_token(m, post, &post_driver) : 0;
        if ((t != OB_TYPE_PROCESS && t != OB_TYPE_THREAD) || operations == 0 ||
            (operations & ~(uint64_t)(OB_OPERATION_HANDLE_CREATE |
                                      OB_OPERATION_HANDLE_DUPLICATE)) != 0 ||
            (pre == 0 && post == 0) || (pre != 0 && pre_routine == 0) ||
            (post != 0 && post_routine == 0)) {
            status = STATUS_INVALID_PARAMETER;
            break;
        }
        r->ops[i] = (ob_reg_op){.type = t, .operations = (ULONG)operations, .pre = pre_routine,
                                .post = post_routine};
    }
    if (NT_SUCCESS(status)) {
        for (ob_registration *o = m->ob->registrations; o != NULL; o = o->next) {
            if (compare_altitude(o, r) == 0) {
                status = STATUS_FLT_INSTANCE_ALTITUDE_COLLISION;
                break;
            }
        }
    }
    PVOID_VA handle = 0;
    if (NT_SUCCESS(status)) {
        handle = ex_alloc_internal(m, NonPagedPoolNx, 0x40, OB_CALLBACK_TAG);
        if (handle == 0)
            status = STATUS_INSUFFICIENT_RESOURCES;
    }
    if (!NT_SUCCESS(status)) {
        free(r->ops);
        free(r);
        return ke_stopped(m) ? STATUS_ACCESS_VIOLATION : status;
    }
    r->id = ++m->ob->next_registration;
    r->driver = call->driver;
    r->handle = handle;
    r->context = context;
    r->op_count = (uint32_t)count;
    ob_registration **at = &m->ob->registrations;
    while (*at != NULL && compare_altitude(*at, r) > 0)
        at = &(*at)->next;
    r->next = *at;
    *at = r;
    *RegistrationHandle = handle;
    return STATUS_SUCCESS;
}

/* ObUnRegisterCallbacks: the registration goes with its handle. A handle
 * ObRegisterCallbacks did not give is read as Windows reads it: unmapped
 * memory faults; anything else is not a registration, and nothing is
 * removed. */
void ObUnRegisterCallbacks(ke_call *call, PVOID_VA RegistrationHandle)
{
    ke_machine *m = call->m;
    for (ob_registration **at = &m->ob->registrations; *at != NULL; at = &(*at)->next) {
        ob_registration *r = *at;
        if (r->handle != RegistrationHandle)
            continue;
        *at = r->next;
        ke_call kernel = *call;
        kernel.driver = NULL;
        ExFreePool(&kernel, r->handle);
        free(r->ops);
        free(r);
        return;
    }
    uint8_t probe = 0;
    (void)mm_access(call, RegistrationHandle, &probe, 1, false);
}

bool ob_callbacks_watch(const ke_machine *m, ob_type_id t)
{
    for (const ob_registration *r = m->ob->registrations; r != NULL; r = r->next) {
        for (uint32_t i = 0; i < r->op_count; i++) {
            if (r->ops[i].type == t)
                return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* A handle operation                                                       */
/* ------------------------------------------------------------------------ */

static void set(ke_machine *m, PVOID_VA va, ke_type_id type, const char *name, uint64_t v)
{
    const ke_field *f = ke_type_field(type, name);
    ke_arch arch = m->config.arch;
    mm_poke(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
}

static uint64_t get(ke_machine *m, PVOID_VA va, ke_type_id type, const char *name)
{
    const ke_field *f = ke_type_field(type, name);
    ke_arch arch = m->config.arch;
    uint64_t v = 0;
    mm_peek(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
    return v;
}

bool ob_op_begin(ke_call *call, ob_op *op, ob_type_id type, PVOID_VA object, ULONG operation,
                 bool kernel_handle, ULONG desired_access)
{
    ke_machine *m = call->m;
    memset(op, 0, sizeof *op);
    op->type = type;
    op->object = object;
    op->operation = operation;
    op->kernel_handle = kernel_handle;
    op->original_access = desired_access;
    op->current = -1;
    /* The plan: pre-operation routines by descending altitude, then the
     * post-operation routines in the reverse order. */
    uint32_t n = 0;
    for (const ob_registration *r = m->ob->registrations; r != NULL; r = r->next) {
        for (uint32_t i = 0; i < r->op_count && n < 32; i++) {
            const ob_reg_op *o = &r->ops[i];
            if (o->type != type || (o->operations & operation) == 0)
                continue;
            op->plan[n++] = (struct ob_op_entry){.driver = r->driver, .routine = o->pre,
                                                 .context = r->context, .registration = r->id};
        }
    }
    uint32_t pre = n;
    for (uint32_t i = pre; i-- > 0;) {
        const struct ob_op_entry *e = &op->plan[i];
        const ob_registration *r = m->ob->registrations;
        while (r->id != e->registration)
            r = r->next;
        /* The post routine of the same operation registration. */
        for (uint32_t j = 0; j < r->op_count; j++) {
            const ob_reg_op *o = &r->ops[j];
            if (o->type == type && (o->operations & operation) != 0 &&
                o->pre == e->routine && o->post != 0) {
                op->plan[n++] = (struct ob_op_entry){.driver = r->driver, .routine = o->post,
                                                     .context = r->context,
                                                     .registration = i, /* its pre entry */
                                                     .post = true};
                break;
            }
        }
    }
    op->count = n;
    if (n == 0)
        return true;
    ke_arch arch = m->config.arch;
    uint32_t pre_bytes = ke_types[KE_TYPE_OB_PRE_OPERATION_INFORMATION].size[arch];
    uint32_t pre_params = ke_types[KE_TYPE_OB_PRE_OPERATION_PARAMETERS].size[arch];
    uint32_t post_bytes = ke_types[KE_TYPE_OB_POST_OPERATION_INFORMATION].size[arch];
    uint32_t post_params = ke_types[KE_TYPE_OB_POST_OPERATION_PARAMETERS].size[arch];
    uint32_t total = pre_bytes + pre_params + post_bytes + 8u;
    PVOID_VA block = ex_alloc_internal(m, NonPagedPoolNx, total, OB_CALLBACK_TAG);
    if (block == 0) {
        op->count = 0;
        return false;
    }
    mm_fill(m->mm, block, total, 0);
    (void)post_params;
    op->pre_info = block;
    op->pre_params = block + pre_bytes;
    op->post_info = op->pre_params + pre_params;
    op->post_params = op->post_info + post_bytes;
    const ke_type_id D = KE_TYPE_OB_PRE_DUPLICATE_HANDLE_INFORMATION;
    set(m, op->pre_params, D, "DesiredAccess", desired_access);
    return true;
}

/* Between the pre- and the post-operation routines: the access granted. */
static ULONG granted(ke_machine *m, const ob_op *op)
{
    if (op->pre_params == 0)
        return op->original_access;
    ULONG desired = (ULONG)get(m, op->pre_params, KE_TYPE_OB_PRE_DUPLICATE_HANDLE_INFORMATION,
                               "DesiredAccess");
    return desired & op->original_access;
}

bool ob_op_next(ke_call *call, ob_op *op, ob_op_call *out)
{
    ke_machine *m = call->m;
    if (op->step >= op->count)
        return false;
    uint32_t index = op->step++;
    struct ob_op_entry *e = &op->plan[index];
    if (!e->driver->loaded) {
        /* Registered by a driver that unloaded without ObUnRegisterCallbacks:
         * its code is gone (P1, P3 in the image, as for a thread left behind). */
        ke_call c = *call;
        c.driver = e->driver;
        uint64_t code = e->driver->image_base + 0x1000u;
        const uint64_t p[4] = {code, 0, code, 0};
        kd_raise_full(&c, RULE_unloaded_code_executed, 0xCE, p, e->driver, NULL);
        return false;
    }
    op->current = (int32_t)index;
    const ke_type_id P = KE_TYPE_OB_PRE_OPERATION_INFORMATION;
    const ke_type_id Q = KE_TYPE_OB_POST_OPERATION_INFORMATION;
    memset(out, 0, sizeof *out);
    out->driver = e->driver;
    out->routine = e->routine;
    out->args[0] = e->context;
    if (!e->post) {
        /* The fields a routine may not change are set again for each. */
        set(m, op->pre_info, P, "Operation", op->operation);
        set(m, op->pre_info, P, "Flags", op->kernel_handle ? 1u : 0u);
        set(m, op->pre_info, P, "Object", op->object);
        set(m, op->pre_info, P, "ObjectType", ob_type_va(m->config.arch, op->type));
        set(m, op->pre_info, P, "CallContext", 0);
        set(m, op->pre_info, P, "Parameters", op->pre_params);
        set(m, op->pre_params, KE_TYPE_OB_PRE_DUPLICATE_HANDLE_INFORMATION,
            "OriginalDesiredAccess", op->original_access);
        out->name = "ObjectPreCallback";
        out->args[1] = op->pre_info;
        out->arg_types[1] = KE_TYPE_OB_PRE_OPERATION_INFORMATION;
        return true;
    }
    set(m, op->post_info, Q, "Operation", op->operation);
    set(m, op->post_info, Q, "Flags", op->kernel_handle ? 1u : 0u);
    set(m, op->post_info, Q, "Object", op->object);
    set(m, op->post_info, Q, "ObjectType", ob_type_va(m->config.arch, op->type));
    set(m, op->post_info, Q, "CallContext", op->plan[e->registration].call_context);
    set(m, op->post_info, Q, "ReturnStatus", (uint32_t)STATUS_SUCCESS);
    set(m, op->post_info, Q, "Parameters", op->post_params);
    set(m, op->post_params, KE_TYPE_OB_POST_CREATE_HANDLE_INFORMATION, "GrantedAccess",
        granted(m, op));
    out->name = "ObjectPostCallback";
    out->args[1] = op->post_info;
    out->arg_types[1] = KE_TYPE_OB_POST_OPERATION_INFORMATION;
    return true;
}

void ob_op_returned(ke_call *call, ob_op *op, uint64_t result)
{
    (void)result; /* OB_PREOP_SUCCESS is the only status a routine may return */
    if (op->current < 0 || op->plan[op->current].post)
        return;
    op->plan[op->current].call_context =
        get(call->m, op->pre_info, KE_TYPE_OB_PRE_OPERATION_INFORMATION, "CallContext");
}

ULONG ob_op_end(ke_call *call, ob_op *op)
{
    ULONG access = granted(call->m, op);
    if (op->pre_info != 0) {
        ke_call kernel = *call;
        kernel.driver = NULL;
        ExFreePool(&kernel, op->pre_info);
        op->pre_info = op->pre_params = op->post_info = op->post_params = 0;
    }
    return access;
}
