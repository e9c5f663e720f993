/*
 * callbacks.c - registry callbacks: CmRegisterCallbackEx,
 * CmUnRegisterCallback, and the RegistryCallback routines' pre- and
 * post-notifications around the registry operations of the Zw routines
 * (ZwCreateKey, ZwOpenKey(Ex), ZwSetValueKey, ZwQueryValueKey,
 * ZwDeleteValueKey, ZwDeleteKey).
 *
 * A registration has an altitude (a decimal number, as a minifilter's: two
 * registrations cannot share one, STATUS_FLT_INSTANCE_ALTITUDE_COLLISION)
 * and a cookie. For each operation, after the key handle is referenced
 * (a bad handle fails before any routine is called), the routines get the
 * pre-notification (REG_NOTIFY_CLASS RegNtPre..., Argument2 the
 * REG_xxx_KEY_INFORMATION of the operation, in paged pool), highest
 * altitude first; then the configuration manager performs the operation;
 * then the routines that had the pre-notification get the post-notification
 * (RegNtPost..., a REG_POST_OPERATION_INFORMATION with the status and the
 * CallContext each routine left), lowest altitude first. As Microsoft's
 * "Handling Notifications" page says: a pre-notification routine returning
 * a failure blocks the operation, which returns that status, and no
 * post-notification follows; STATUS_CALLBACK_BYPASS from a pre-notification
 * means the routine did the operation itself: the caller gets
 * STATUS_SUCCESS and what the routine left in the structure's output
 * members; STATUS_CALLBACK_BYPASS from a post-notification makes the
 * ReturnStatus it set the operation's status.
 *
 * Each routine runs as a callout on the calling thread, at its IRQL. A
 * routine of a driver that unloaded without CmUnRegisterCallback is code
 * that is gone: 0xCE, as for an Ob callback (Windows has no check at
 * unload for registry callbacks: the next registry operation runs the
 * unloaded code).
 */
#include <stdlib.h>
#include <string.h>

#include "cm/cm.h"
#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "ob/ob.h"

#define CM_CALLBACK_TAG   0x62436D43u /* "CmCb" */
#define CM_MAX_ALTITUDE   64u
#define CM_MAX_CALLBACKS  64u
#define CM_FIRST_COOKIE   0x0000000100000001ll

/* REG_NOTIFY_CLASS (wdm.h). */
enum {
    RegNtPreDeleteKey = 0,
    RegNtPreSetValueKey = 1,
    RegNtPreDeleteValueKey = 2,
    RegNtPreQueryValueKey = 8,
    RegNtPostDeleteKey = 15,
    RegNtPostSetValueKey = 16,
    RegNtPostDeleteValueKey = 17,
    RegNtPostQueryValueKey = 23,
    RegNtPreCreateKeyEx = 26,
    RegNtPostCreateKeyEx = 27,
    RegNtPreOpenKeyEx = 28,
    RegNtPostOpenKeyEx = 29,
};

typedef struct cm_callback {
    int64_t cookie;
    io_driver *driver;
    uint32_t routine;
    PVOID_VA context;
    uint64_t altitude_int;
    char altitude_frac[CM_MAX_ALTITUDE + 1];
    struct cm_callback *next;
} cm_callback;

/* One operation whose routines are running. */
typedef struct cm_notify {
    cm_op op;
    PVOID_VA pre, post, scratch; /* paged pool: the structures, the outputs */
    ke_type_id pre_type;
    uint32_t pre_class;
    PVOID_VA object; /* the key object (the root's for a create or open) */
    struct {
        io_driver *driver;
        uint32_t routine;
        PVOID_VA context, call_context;
    } plan[CM_MAX_CALLBACKS];
    uint32_t count;
    uint32_t next;   /* pre: the next routine; post: one past the next */
    uint32_t called; /* routines that had the pre-notification */
    bool post_phase;
    NTSTATUS status;
    struct cm_notify *prev_notify, *next_notify;
} cm_notify;

/* ------------------------------------------------------------------------ */
/* Registration                                                             */
/* ------------------------------------------------------------------------ */

void cm_callbacks_free(cm_registry *r)
{
    for (cm_callback *c = r->callbacks, *next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    r->callbacks = NULL;
    for (cm_notify *n = r->notifies, *next; n != NULL; n = next) {
        next = n->next_notify;
        free(n);
    }
    r->notifies = NULL;
}

/* Parses a UTF-16 altitude: digits, optionally a point and more digits. */
static bool parse_altitude(ke_call *call, PVOID_VA us, cm_callback *c, bool *faulted)
{
    uint64_t len = 0, buffer = 0;
    *faulted = !ke_field_get(call, us, KE_FIELD(UNICODE_STRING, Length), &len) ||
               !ke_field_get(call, us, KE_FIELD(UNICODE_STRING, Buffer), &buffer);
    if (*faulted || len == 0 || len % 2 != 0 || len / 2 > CM_MAX_ALTITUDE || buffer == 0)
        return false;
    uint16_t text[CM_MAX_ALTITUDE];
    if (!mm_access(call, buffer, text, (size_t)len, false)) {
        *faulted = true;
        return false;
    }
    size_t n = (size_t)len / 2, i = 0, frac = 0;
    bool digits = false;
    for (; i < n && text[i] >= '0' && text[i] <= '9'; i++) {
        if (c->altitude_int > (UINT64_MAX - 9) / 10)
            return false;
        c->altitude_int = c->altitude_int * 10 + (text[i] - '0');
        digits = true;
    }
    if (i < n && text[i] == '.')
        for (i++; i < n && text[i] >= '0' && text[i] <= '9'; i++)
            c->altitude_frac[frac++] = (char)text[i];
    while (frac > 0 && c->altitude_frac[frac - 1] == '0')
        frac--;
    c->altitude_frac[frac] = '\0';
    return digits && i == n;
}

static int compare_altitude(const cm_callback *a, const cm_callback *b)
{
    if (a->altitude_int != b->altitude_int)
        return a->altitude_int < b->altitude_int ? -1 : 1;
    return strcmp(a->altitude_frac, b->altitude_frac);
}

NTSTATUS CmRegisterCallbackEx(ke_call *call, uint32_t Function, PVOID_VA Altitude, PVOID_VA Driver,
                              PVOID_VA Context, int64_t *Cookie, PVOID_VA Reserved)
{
    (void)Driver; /* the registering driver is the caller */
    (void)Reserved;
    *Cookie = 0;
    cm_registry *r = cm_get(call->m);
    if (Function == 0 || Altitude == 0 || call->driver == NULL)
        return STATUS_INVALID_PARAMETER;
    cm_callback *c = calloc(1, sizeof *c);
    if (c == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory registering a callback");
    bool faulted = false;
    if (!parse_altitude(call, Altitude, c, &faulted)) {
        free(c);
        return faulted ? STATUS_ACCESS_VIOLATION : STATUS_INVALID_PARAMETER;
    }
    uint32_t count = 0;
    cm_callback **at = &r->callbacks;
    for (cm_callback *o = r->callbacks; o != NULL; o = o->next, count++) {
        if (compare_altitude(o, c) == 0) {
            free(c);
            return STATUS_FLT_INSTANCE_ALTITUDE_COLLISION;
        }
    }
    if (count >= CM_MAX_CALLBACKS) {
        free(c);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    while (*at != NULL && compare_altitude(*at, c) > 0)
        at = &(*at)->next;
    c->next = *at;
    *at = c;
    if (r->next_cookie == 0)
        r->next_cookie = CM_FIRST_COOKIE;
    c->cookie = (int64_t)r->next_cookie++;
    c->driver = call->driver;
    c->routine = Function;
    c->context = Context;
    *Cookie = c->cookie;
    return STATUS_SUCCESS;
}

NTSTATUS CmUnRegisterCallback(ke_call *call, int64_t Cookie)
{
    cm_registry *r = cm_get(call->m);
    for (cm_callback **at = &r->callbacks; *at != NULL; at = &(*at)->next) {
        if ((*at)->cookie == Cookie) {
            cm_callback *c = *at;
            *at = c->next;
            free(c);
            return STATUS_SUCCESS;
        }
    }
    return STATUS_INVALID_PARAMETER;
}

/* ------------------------------------------------------------------------ */
/* Notifications                                                            */
/* ------------------------------------------------------------------------ */

static void set(ke_call *call, PVOID_VA va, ke_type_id type, const char *field, uint64_t v)
{
    ke_field_set(call, va, ke_type_field(type, field), v);
}

static uint64_t get(ke_call *call, PVOID_VA va, ke_type_id type, const char *field)
{
    uint64_t v = 0;
    ke_field_get(call, va, ke_type_field(type, field), &v);
    return v;
}

static void notify_free(ke_call *call, cm_notify *n)
{
    cm_registry *r = call->m->registry;
    if (n->prev_notify != NULL)
        n->prev_notify->next_notify = n->next_notify;
    else
        r->notifies = n->next_notify;
    if (n->next_notify != NULL)
        n->next_notify->prev_notify = n->prev_notify;
    ke_call kernel = *call;
    kernel.driver = NULL;
    if (n->pre != 0)
        ExFreePool(&kernel, n->pre);
    free(n);
}

/* Ends the operation: its status, and its outs where the DDI's caller
 * gets them. */
static NTSTATUS finish(ke_call *call, cm_notify *n, NTSTATUS status)
{
    call->exec->callout_outs[0] = n->op.kind == CM_OP_QUERY_VALUE ? n->op.out_ulong
                                                                    : n->op.out_handle;
    call->exec->callout_outs[1] = n->op.out_ulong;
    notify_free(call, n);
    return status;
}

/* The object a new key handle refers to. */
static PVOID_VA object_of_handle(ke_call *call, uint64_t handle)
{
    NTSTATUS status;
    cm_key_object *ko = handle != 0 ? cm_handle_key(call, handle, &status) : NULL;
    return ko != NULL ? ko->object->va : 0;
}

/* Builds the pre-notification's structure (and the post-notification's and
 * the outputs' storage after it, in one block). False when the pool is out. */
static bool build(ke_call *call, cm_notify *n)
{
    ke_machine *m = call->m;
    ke_arch arch = m->config.arch;
    static const struct {
        ke_type_id type;
        uint32_t pre_class;
    } kinds[] = {
        [CM_OP_DELETE_KEY] = {KE_TYPE_REG_DELETE_KEY_INFORMATION, RegNtPreDeleteKey},
        [CM_OP_SET_VALUE] = {KE_TYPE_REG_SET_VALUE_KEY_INFORMATION, RegNtPreSetValueKey},
        [CM_OP_DELETE_VALUE] = {KE_TYPE_REG_DELETE_VALUE_KEY_INFORMATION, RegNtPreDeleteValueKey},
        [CM_OP_QUERY_VALUE] = {KE_TYPE_REG_QUERY_VALUE_KEY_INFORMATION, RegNtPreQueryValueKey},
        [CM_OP_CREATE_KEY] = {KE_TYPE_REG_CREATE_KEY_INFORMATION, RegNtPreCreateKeyEx},
        [CM_OP_OPEN_KEY] = {KE_TYPE_REG_OPEN_KEY_INFORMATION, RegNtPreOpenKeyEx},
    };
    n->pre_type = kinds[n->op.kind].type;
    n->pre_class = kinds[n->op.kind].pre_class;
    uint32_t pre = ke_types[n->pre_type].size[arch];
    uint32_t post = ke_types[KE_TYPE_REG_POST_OPERATION_INFORMATION].size[arch];
    n->pre = ex_alloc_internal(m, PagedPool, pre + post + 16, CM_CALLBACK_TAG);
    if (n->pre == 0)
        return false;
    mm_fill(m->mm, n->pre, pre + post + 16, 0);
    n->post = n->pre + pre;
    n->scratch = n->post + post;
    ke_type_id T = n->pre_type;
    const uint64_t *a = n->op.a;
    switch (n->op.kind) {
    case CM_OP_DELETE_KEY:
        set(call, n->pre, T, "Object", n->object);
        break;
    case CM_OP_SET_VALUE:
        set(call, n->pre, T, "Object", n->object);
        set(call, n->pre, T, "ValueName", a[0]);
        set(call, n->pre, T, "TitleIndex", a[1]);
        set(call, n->pre, T, "Type", a[2]);
        set(call, n->pre, T, "Data", a[3]);
        set(call, n->pre, T, "DataSize", a[4]);
        break;
    case CM_OP_DELETE_VALUE:
        set(call, n->pre, T, "Object", n->object);
        set(call, n->pre, T, "ValueName", a[0]);
        break;
    case CM_OP_QUERY_VALUE:
        set(call, n->pre, T, "Object", n->object);
        set(call, n->pre, T, "ValueName", a[0]);
        set(call, n->pre, T, "KeyValueInformationClass", a[1]);
        set(call, n->pre, T, "KeyValueInformation", a[2]);
        set(call, n->pre, T, "Length", a[3]);
        set(call, n->pre, T, "ResultLength", n->scratch);
        break;
    case CM_OP_CREATE_KEY:
    case CM_OP_OPEN_KEY: {
        /* The name as the caller gave it (relative to RootObject when
         * there is one), from its OBJECT_ATTRIBUTES. */
        uint64_t name = 0, root = 0;
        ke_field_get(call, a[1], KE_FIELD(OBJECT_ATTRIBUTES, ObjectName), &name);
        ke_field_get(call, a[1], KE_FIELD(OBJECT_ATTRIBUTES, RootDirectory), &root);
        set(call, n->pre, T, "CompleteName", name);
        set(call, n->pre, T, "RootObject", object_of_handle(call, root));
        set(call, n->pre, T, "DesiredAccess", a[0]);
        set(call, n->pre, T, "GrantedAccess", a[0]);
        if (n->op.kind == CM_OP_CREATE_KEY) {
            set(call, n->pre, T, "CreateOptions", a[4]);
            set(call, n->pre, T, "Class", a[3]);
        } else {
            set(call, n->pre, T, "CreateOptions", a[2]);
        }
        set(call, n->pre, T, "Disposition", n->scratch);
        set(call, n->pre, T, "ResultObject", n->scratch + 8);
        break;
    }
    }
    return true;
}

/* The next routine to call (a callout), or the operation's end. */
static NTSTATUS step(ke_call *call, cm_notify *n)
{
    ke_machine *m = call->m;
    ke_arch arch = m->config.arch;
    for (;;) {
        if (ke_stopped(m))
            return finish(call, n, STATUS_UNSUCCESSFUL);
        uint32_t index;
        if (!n->post_phase && n->next < n->count) {
            index = n->next++;
        } else if (!n->post_phase) {
            /* Every routine let it through: the operation. */
            NTSTATUS status = cm_op_perform(call, &n->op);
            n->status = status;
            n->post_phase = true;
            n->next = n->called;
            PVOID_VA object = n->object;
            if (n->op.kind == CM_OP_CREATE_KEY || n->op.kind == CM_OP_OPEN_KEY)
                object = NT_SUCCESS(status) ? object_of_handle(call, n->op.out_handle) : 0;
            if (n->op.kind == CM_OP_DELETE_KEY && !NT_SUCCESS(status))
                object = n->object;
            const ke_type_id P = KE_TYPE_REG_POST_OPERATION_INFORMATION;
            set(call, n->post, P, "Object", object);
            set(call, n->post, P, "Status", (uint32_t)status);
            set(call, n->post, P, "PreInformation", n->pre);
            continue;
        } else if (n->next > 0) {
            index = --n->next;
        } else {
            return finish(call, n, n->status);
        }
        if (!n->plan[index].driver->loaded) {
            /* Registered by a driver that unloaded without
             * CmUnRegisterCallback: its code is gone. */
            ke_call c = *call;
            c.driver = n->plan[index].driver;
            uint64_t code = c.driver->image_base + 0x1000u;
            const uint64_t p[4] = {code, 0, code, 0};
            kd_raise_full(&c, RULE_unloaded_code_executed, 0xCE, p, c.driver, NULL);
            return finish(call, n, STATUS_UNSUCCESSFUL);
        }
        PVOID_VA info = n->pre;
        uint32_t notify_class = n->pre_class;
        if (n->post_phase) {
            info = n->post;
            notify_class = n->pre_class == RegNtPreCreateKeyEx  ? RegNtPostCreateKeyEx
                           : n->pre_class == RegNtPreOpenKeyEx  ? RegNtPostOpenKeyEx
                           : n->pre_class == RegNtPreDeleteKey  ? RegNtPostDeleteKey
                           : n->pre_class == RegNtPreSetValueKey ? RegNtPostSetValueKey
                           : n->pre_class == RegNtPreDeleteValueKey ? RegNtPostDeleteValueKey
                                                                    : RegNtPostQueryValueKey;
            const ke_type_id P = KE_TYPE_REG_POST_OPERATION_INFORMATION;
            set(call, n->post, P, "CallContext", n->plan[index].call_context);
            set(call, n->post, P, "ReturnStatus", 0);
        } else {
            set(call, n->pre, n->pre_type, "CallContext", 0);
        }
        ke_exec *e = call->exec;
        if (!ke_callout_stack_room(call))
            return finish(call, n, STATUS_UNSUCCESSFUL); /* the stack overflowed */
        ke_callout *c = &e->callouts[e->callout_count++];
        memset(c, 0, sizeof *c);
        c->kind = KE_CALLOUT_REGISTRY;
        c->routine = n->plan[index].routine;
        c->driver = n->plan[index].driver;
        c->name = "RegistryCallback";
        c->args[0] = n->plan[index].context;
        c->args[1] = notify_class;
        c->arg_types[1] = KE_ARG_INTEGER;
        c->args[2] = info;
        c->arg_types[2] = (uint8_t)(n->post_phase ? KE_TYPE_REG_POST_OPERATION_INFORMATION
                                                  : n->pre_type);
        c->argc = 3;
        c->context = n;
        c->step = (uint8_t)index;
        call->callout = true;
        (void)arch;
        return STATUS_PENDING; /* not the result: the callout runs */
    }
}

NTSTATUS cm_notify_run(ke_call *call, cm_op *op)
{
    cm_registry *r = cm_get(call->m);
    if (r->callbacks == NULL)
        return cm_op_perform(call, op);
    PVOID_VA object = 0;
    if (op->kind != CM_OP_CREATE_KEY && op->kind != CM_OP_OPEN_KEY) {
        /* The handle is referenced first: a bad one fails before any
         * routine sees the operation. */
        NTSTATUS status;
        cm_key_object *ko = cm_handle_key(call, op->handle, &status);
        if (ko == NULL)
            return status;
        object = ko->object->va;
    }
    cm_notify *n = calloc(1, sizeof *n);
    if (n == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    n->op = *op;
    n->object = object;
    for (cm_callback *c = r->callbacks; c != NULL; c = c->next) {
        n->plan[n->count].driver = c->driver;
        n->plan[n->count].routine = c->routine;
        n->plan[n->count].context = c->context;
        n->count++;
    }
    n->next_notify = r->notifies;
    if (r->notifies != NULL)
        r->notifies->prev_notify = n;
    r->notifies = n;
    if (!build(call, n)) {
        notify_free(call, n);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    op->out_handle = 0;
    op->out_ulong = 0;
    return step(call, n);
}

uint64_t cm_notify_callout_end(ke_call *call, uint64_t result)
{
    ke_exec *e = call->exec;
    KE_CHECK(call->m, e->callout_count > 0);
    ke_callout c = e->callouts[--e->callout_count];
    cm_notify *n = c.context;
    NTSTATUS status = (NTSTATUS)(uint32_t)result;
    if (!n->post_phase) {
        n->called = c.step + 1u;
        n->plan[c.step].call_context = get(call, n->pre, n->pre_type, "CallContext");
        if (status == STATUS_CALLBACK_BYPASS) {
            /* The routine did the operation: success, with the outputs it
             * left in the structure. */
            uint64_t v = 0;
            mm_access(call, n->scratch, &v, 4, false);
            n->op.out_ulong = (ULONG)v;
            if (n->op.kind == CM_OP_CREATE_KEY || n->op.kind == CM_OP_OPEN_KEY) {
                uint64_t object = 0;
                mm_access(call, n->scratch + 8, &object, call->m->config.arch == KE_ARCH_X86 ? 4 : 8,
                          false);
                /* The routine's reference on the object becomes the
                 * caller's handle, as the configuration manager's
                 * ObOpenObjectByPointer then ObDereferenceObject do. */
                ke_object *o = object != 0 ? ke_object_at(call->m, object) : NULL;
                if (o != NULL && o->type == KE_OBJECT_KEY && o->references > 0) {
                    n->op.out_handle = ob_create_handle(call->m, o);
                    o->references--;
                }
            }
            return (uint32_t)finish(call, n, STATUS_SUCCESS);
        }
        if (!NT_SUCCESS(status)) {
            /* Blocked: the routine's status, no post-notification. */
            n->op.out_handle = 0;
            n->op.out_ulong = 0;
            return (uint32_t)finish(call, n, status);
        }
    } else if (status == STATUS_CALLBACK_BYPASS) {
        n->status = (NTSTATUS)(uint32_t)get(call, n->post, KE_TYPE_REG_POST_OPERATION_INFORMATION,
                                            "ReturnStatus");
    }
    return (uint32_t)step(call, n);
}
