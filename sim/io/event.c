/*
 * event.c - IoCreateNotificationEvent: creates or opens a named
 * notification event, and gives a kernel handle to it and its address.
 *
 * The object namespace drvsim models is two directories. \KernelObjects
 * holds the standard condition events (ex/pool.h): permanent objects the
 * memory manager keeps signalled while their condition holds, created with
 * the state of their condition the first time a driver opens one; no other
 * event can be created there. \BaseNamedObjects holds the events drivers
 * create for each other and for applications: a new one starts signalled
 * (as the WDK documents), and is deleted (its KEVENT back to the pool) when
 * its last reference goes, handles and ObReferenceObject alike. Names
 * compare without regard to case, as Windows' object manager does. Any
 * other path fails (NULL), as an absent directory does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "ob/ob.h"

#define KEVENT_SIZE_X64 0x18u
#define KEVENT_SIZE_X86 0x10u
#define EVENT_POOL_TAG  0x6E657645u /* "Even" */

static const char base_named_objects[] = "\\BaseNamedObjects\\";

/* The UNICODE_STRING at va, as ASCII (other characters as '?'), read as
 * the caller's loads. False when reading faulted or the name is too long
 * for any name drvsim keeps. */
static bool read_name(ke_call *call, PVOID_VA va, char *out, size_t out_len)
{
    uint64_t length = 0, buffer = 0;
    if (!ke_field_get(call, va, KE_FIELD(UNICODE_STRING, Length), &length) ||
        !ke_field_get(call, va, KE_FIELD(UNICODE_STRING, Buffer), &buffer))
        return false;
    if (length / 2 >= out_len)
        return false;
    size_t n = (size_t)(length / 2);
    for (size_t i = 0; i < n; i++) {
        uint16_t ch = 0;
        if (!mm_access(call, buffer + 2 * i, &ch, 2, false))
            return false;
        out[i] = ch < 0x80 ? (char)ch : '?';
    }
    out[n] = '\0';
    return true;
}

static io_named_event *find(const ke_machine *m, const char *name)
{
    for (io_named_event *e = m->named_events; e != NULL; e = e->next) {
        if (strcasecmp(e->name, name) == 0)
            return e;
    }
    return NULL;
}

/* A new event in the namespace, in nonpaged pool (an object body), with no
 * reference yet. NULL when the pool is exhausted. */
static io_named_event *create(ke_machine *m, const char *name, int32_t state, bool permanent)
{
    uint32_t size = m->config.arch == KE_ARCH_X86 ? KEVENT_SIZE_X86 : KEVENT_SIZE_X64;
    PVOID_VA va = ex_alloc_internal(m, NonPagedPool, size, EVENT_POOL_TAG);
    if (va == 0)
        return NULL;
    io_named_event *e = calloc(1, sizeof *e);
    ke_object *o = ke_object_init(m, va, KE_OBJECT_NOTIFICATION_EVENT, state);
    if (e == NULL || o == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory creating an event");
    snprintf(e->name, sizeof e->name, "%s", name);
    e->object = o;
    e->permanent = permanent;
    /* A permanent object holds a reference of its own. */
    o->references = permanent ? 1 : 0;
    e->next = m->named_events;
    m->named_events = e;
    return e;
}

/* The standard condition event of that name, created on first use; NULL if
 * the name is not one of them. */
static io_named_event *condition_event(ke_machine *m, const char *name)
{
    for (int c = 0; c < EX_CONDITION_COUNT; c++) {
        if (strcasecmp(name, ex_condition_names[c]) != 0)
            continue;
        if (m->pool->conditions[c] == NULL) {
            int32_t state = ex_condition_holds(m->pool, (ex_condition)c) ? 1 : 0;
            io_named_event *e = create(m, ex_condition_names[c], state, true);
            if (e == NULL)
                return NULL;
            m->pool->conditions[c] = e->object;
            m->pool->condition_count++;
        }
        return find(m, name);
    }
    return NULL;
}

PVOID_VA IoCreateNotificationEvent(ke_call *call, PVOID_VA EventName, uint64_t *EventHandle)
{
    ke_machine *m = call->m;
    *EventHandle = 0;
    char name[IO_EVENT_NAME_MAX];
    if (EventName == 0 || !read_name(call, EventName, name, sizeof name))
        return 0;
    io_named_event *e = condition_event(m, name);
    if (e == NULL)
        e = find(m, name);
    if (e == NULL) {
        size_t prefix = sizeof base_named_objects - 1;
        bool in_base = strncasecmp(name, base_named_objects, prefix) == 0 && name[prefix] != '\0' &&
                       strchr(name + prefix, '\\') == NULL;
        if (!in_base)
            return 0; /* no such directory, or not a name at all */
        e = create(m, name, 1, false);
        if (e == NULL)
            return 0;
    }
    *EventHandle = ob_create_handle(m, e->object);
    return e->object->va;
}

void io_event_released(ke_call *call, ke_object *o)
{
    ke_machine *m = call->m;
    for (io_named_event **link = &m->named_events; *link != NULL; link = &(*link)->next) {
        io_named_event *e = *link;
        if (e->object != o)
            continue;
        if (e->permanent)
            return;
        *link = e->next;
        free(e);
        /* The KEVENT goes back to the pool: a pointer kept to it without a
         * reference now points at freed memory, as on Windows. */
        ke_call kernel = *call;
        kernel.driver = NULL;
        ExFreePool(&kernel, o->va);
        return;
    }
}

void io_named_events_free(ke_machine *m)
{
    for (io_named_event *e = m->named_events, *next; e != NULL; e = next) {
        next = e->next;
        free(e);
    }
    m->named_events = NULL;
}
