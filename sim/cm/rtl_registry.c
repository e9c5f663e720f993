/*
 * rtl_registry.c - the run-time library's registry helpers:
 * RtlQueryRegistryValues, RtlWriteRegistryValue, RtlDeleteRegistryValue,
 * RtlCheckRegistryKey.
 *
 * RtlQueryRegistryValues walks the caller's RTL_QUERY_REGISTRY_TABLE as the
 * Windows Research Kernel's does (rtl/regutil.c): the table ends at an entry
 * with no QueryRoutine and neither RTL_QUERY_REGISTRY_SUBKEY nor _DIRECT;
 * SUBKEY moves to a subkey of the current key (and, with a routine, gives
 * it every value there), TOPKEY back to the Path's key; an entry without a
 * Name gives every value of the current key; NOVALUE calls the routine once
 * with REG_NONE. A missing value is STATUS_OBJECT_NAME_NOT_FOUND with
 * REQUIRED, skipped with a DefaultType of REG_NONE, else the default is
 * given in its place. Without NOEXPAND a REG_MULTI_SZ is given one string at
 * a time and a REG_EXPAND_SZ is expanded from the Environment block (kernel
 * code has no environment of its own: without one, the text is given
 * unchanged), both as REG_SZ. DIRECT stores into EntryContext
 * (RtlpQueryRegistryDirect): a string into the UNICODE_STRING there (its
 * buffer allocated from paged pool when NULL, STATUS_BUFFER_TOO_SMALL when it
 * is too short), up to four bytes in place, larger data into a buffer whose
 * first LONG is its size (negative: the data alone; positive: the length,
 * the type, then the data). Otherwise QueryRoutine(ValueName, ValueType,
 * ValueData, ValueLength, Context, EntryContext) runs at PASSIVE_LEVEL on the
 * calling thread, its name and data in paged pool for the call; a failure it
 * returns ends the query with that status. DELETE deletes the value after
 * it was given.
 */
#include <stdlib.h>
#include <string.h>

#include "cm/cm.h"
#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"

#define RTL_REGISTRY_ABSOLUTE   0u
#define RTL_REGISTRY_SERVICES   1u
#define RTL_REGISTRY_CONTROL    2u
#define RTL_REGISTRY_WINDOWS_NT 3u
#define RTL_REGISTRY_DEVICEMAP  4u
#define RTL_REGISTRY_USER       5u
#define RTL_REGISTRY_MAXIMUM    6u
#define RTL_REGISTRY_HANDLE     0x40000000u
#define RTL_REGISTRY_OPTIONAL   0x80000000u

#define RTL_QUERY_REGISTRY_SUBKEY    0x1u
#define RTL_QUERY_REGISTRY_TOPKEY    0x2u
#define RTL_QUERY_REGISTRY_REQUIRED  0x4u
#define RTL_QUERY_REGISTRY_NOVALUE   0x8u
#define RTL_QUERY_REGISTRY_NOEXPAND  0x10u
#define RTL_QUERY_REGISTRY_DIRECT    0x20u
#define RTL_QUERY_REGISTRY_DELETE    0x40u
#define RTL_QUERY_REGISTRY_TYPECHECK 0x100u
#define RTL_QUERY_REGISTRY_TYPECHECK_SHIFT 24u

#define QUERY_POOL_TAG 0x51677452u /* "RtgQ": the kernel's buffers for a query routine */

/* ------------------------------------------------------------------------ */
/* Keys named by RelativeTo and Path                                        */
/* ------------------------------------------------------------------------ */

static const char *const relative_roots[RTL_REGISTRY_MAXIMUM] = {
    "",
    "\\Registry\\Machine\\System\\CurrentControlSet\\Services",
    "\\Registry\\Machine\\System\\CurrentControlSet\\Control",
    "\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion",
    "\\Registry\\Machine\\Hardware\\DeviceMap",
    "\\Registry\\User\\.Default",
};

/* A PCWSTR from the caller's memory, NUL-terminated, copied to the host. */
static bool read_wstr(ke_call *call, PVOID_VA va, uint16_t **out, uint32_t *len)
{
    uint32_t cap = 64, n = 0;
    uint16_t *s = malloc(cap * 2);
    if (s == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    for (;;) {
        uint16_t c = 0;
        if (!mm_access(call, va + 2ull * n, &c, 2, false)) {
            free(s);
            return false;
        }
        if (c == 0)
            break;
        if (n + 1 == cap) {
            cap *= 2;
            uint16_t *grown = realloc(s, cap * 2);
            if (grown == NULL)
                ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
            s = grown;
        }
        s[n++] = c;
    }
    *out = s;
    *len = n;
    return true;
}

/* The key RelativeTo and Path name (RtlpGetRegistryHandle). */
static NTSTATUS relative_key(ke_call *call, ULONG RelativeTo, PVOID_VA Path, cm_key **key)
{
    *key = NULL;
    ULONG base = RelativeTo & ~RTL_REGISTRY_OPTIONAL;
    if (base & RTL_REGISTRY_HANDLE) {
        NTSTATUS status;
        cm_key_object *ko = cm_handle_key(call, Path, &status);
        if (ko == NULL)
            return status;
        if (ko->key->deleted)
            return STATUS_KEY_DELETED;
        *key = ko->key;
        return STATUS_SUCCESS;
    }
    if (base >= RTL_REGISTRY_MAXIMUM)
        return STATUS_INVALID_PARAMETER;
    uint16_t *path = NULL;
    uint32_t len = 0;
    if (Path != 0 && !read_wstr(call, Path, &path, &len))
        return STATUS_ACCESS_VIOLATION;
    const char *root = relative_roots[base];
    size_t root_len = strlen(root);
    uint16_t *full = malloc((root_len + 1 + len + 1) * 2);
    if (full == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    uint32_t n = cm_utf8_to_utf16(root, root_len, full);
    if (base != RTL_REGISTRY_ABSOLUTE && len > 0 && path[0] != '\\')
        full[n++] = '\\';
    if (len > 0)
        memcpy(full + n, path, (size_t)len * 2);
    n += len;
    NTSTATUS status = cm_lookup(call->m, NULL, full, n, false, false, key, NULL);
    free(full);
    free(path);
    return status;
}

/* ------------------------------------------------------------------------ */
/* RtlQueryRegistryValues                                                   */
/* ------------------------------------------------------------------------ */

/* One value to give an entry: its name (host copy), type and data. */
typedef struct piece {
    uint16_t *name;
    uint32_t name_len;
    uint32_t type;
    uint8_t *data;
    uint32_t size;
} piece;

typedef struct cm_query {
    struct cm_query *next_query, *prev_query; /* the registry's queries in progress */
    cm_registry *registry;
    cm_key *top, *current;
    PVOID_VA table;
    uint32_t index; /* the entry being given */
    PVOID_VA context, environment;
    /* The entry's pieces, and the next one to give. */
    piece *pieces;
    uint32_t count, next;
    uint32_t routine;
    io_driver *driver;
    ULONG flags;
    PVOID_VA entry_context;
    uint16_t *delete_name; /* DELETE: the value to delete after the entry */
    uint32_t delete_len;
    PVOID_VA name_buffer, data_buffer; /* the routine's arguments, in paged pool */
} cm_query;

typedef struct entry {
    uint64_t routine, name, entry_context, default_data;
    uint32_t flags, default_type, default_length;
} entry;

static const ke_field *qt_field(const char *name)
{
    return ke_type_field(KE_TYPE_RTL_QUERY_REGISTRY_TABLE, name);
}

static bool read_entry(ke_call *call, PVOID_VA at, entry *e)
{
    uint64_t flags = 0, type = 0, length = 0;
    bool ok = ke_field_get(call, at, qt_field("QueryRoutine"), &e->routine) &&
              ke_field_get(call, at, qt_field("Flags"), &flags) &&
              ke_field_get(call, at, qt_field("Name"), &e->name) &&
              ke_field_get(call, at, qt_field("EntryContext"), &e->entry_context) &&
              ke_field_get(call, at, qt_field("DefaultType"), &type) &&
              ke_field_get(call, at, qt_field("DefaultData"), &e->default_data) &&
              ke_field_get(call, at, qt_field("DefaultLength"), &length);
    e->flags = (uint32_t)flags;
    e->default_type = (uint32_t)type;
    e->default_length = (uint32_t)length;
    return ok;
}

static void free_pieces(cm_query *q)
{
    for (uint32_t i = 0; i < q->count; i++) {
        free(q->pieces[i].name);
        free(q->pieces[i].data);
    }
    free(q->pieces);
    q->pieces = NULL;
    q->count = q->next = 0;
    free(q->delete_name);
    q->delete_name = NULL;
}

static void add_piece(ke_call *call, cm_query *q, const uint16_t *name, uint32_t name_len,
                      uint32_t type, const uint8_t *data, uint32_t size)
{
    piece *grown = realloc(q->pieces, (q->count + 1) * sizeof *grown);
    piece *p = grown != NULL ? &grown[q->count] : NULL;
    if (p == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    q->pieces = grown;
    q->count++;
    p->name = NULL;
    p->name_len = name_len;
    if (name != NULL) {
        p->name = malloc((size_t)name_len * 2 + 2);
        if (p->name == NULL)
            ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
        memcpy(p->name, name, (size_t)name_len * 2);
        p->name[name_len] = 0;
    }
    p->type = type;
    p->size = size;
    p->data = malloc(size > 0 ? size : 1);
    if (p->data == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    if (size > 0)
        memcpy(p->data, data, size);
}

/* Expands %NAME% from an environment block ("NAME=value\0...\0"); a name
 * not in it stays as written. Returns a malloc'ed NUL-terminated copy. */
static uint16_t *expand(ke_call *call, PVOID_VA env, const uint16_t *s, uint32_t len,
                        uint32_t *out_len)
{
    uint32_t cap = len + 64, n = 0;
    uint16_t *out = malloc((size_t)cap * 2);
    if (out == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    for (uint32_t i = 0; i < len;) {
        const uint16_t *text = s + i;
        uint32_t take = 1;
        uint16_t *value = NULL;
        uint32_t value_len = 0;
        if (s[i] == '%' && env != 0) {
            uint32_t end = i + 1;
            while (end < len && s[end] != '%')
                end++;
            if (end < len && end > i + 1) {
                /* Look the name up, entry by entry. */
                PVOID_VA at = env;
                uint16_t *var = NULL;
                uint32_t var_len = 0;
                while (read_wstr(call, at, &var, &var_len) && var_len > 0) {
                    uint32_t name_len = end - i - 1, k = 0;
                    while (k < name_len && k < var_len &&
                           (var[k] | 0x20) == (s[i + 1 + k] | 0x20))
                        k++;
                    if (k == name_len && var_len > k && var[k] == '=') {
                        value = var;
                        value_len = var_len;
                        text = var + k + 1;
                        take = end - i + 1;
                        value_len = var_len - k - 1;
                        break;
                    }
                    at += 2ull * (var_len + 1);
                    free(var);
                    var = NULL;
                }
                if (value == NULL)
                    free(var);
            }
        }
        uint32_t copy = value != NULL ? value_len : 1;
        if (n + copy + 1 > cap) {
            cap = (n + copy + 1) * 2;
            uint16_t *grown = realloc(out, (size_t)cap * 2);
            if (grown == NULL)
                ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
            out = grown;
        }
        memcpy(out + n, text, (size_t)copy * 2);
        n += copy;
        i += take;
        free(value);
    }
    out[n] = 0;
    *out_len = n;
    return out;
}

/* The pieces a value gives: itself, or its strings, or its expansion. */
static void value_pieces(ke_call *call, cm_query *q, const uint16_t *name, uint32_t name_len,
                         uint32_t type, const uint8_t *data, uint32_t size, uint32_t flags)
{
    bool noexpand = (flags & RTL_QUERY_REGISTRY_NOEXPAND) != 0;
    if (type == REG_MULTI_SZ && !noexpand) {
        const uint16_t *s = (const uint16_t *)(const void *)data;
        uint32_t units = size / 2;
        for (uint32_t at = 0; at < units && s[at] != 0;) {
            uint32_t n = 0;
            while (at + n < units && s[at + n] != 0)
                n++;
            uint16_t *one = malloc(((size_t)n + 1) * 2);
            if (one == NULL)
                ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
            memcpy(one, s + at, (size_t)n * 2);
            one[n] = 0;
            add_piece(call, q, name, name_len, REG_SZ, (const uint8_t *)one, (n + 1) * 2);
            free(one);
            at += n + 1;
        }
        return;
    }
    if (type == REG_EXPAND_SZ && !noexpand) {
        uint32_t units = size / 2;
        const uint16_t *s = (const uint16_t *)(const void *)data;
        while (units > 0 && s[units - 1] == 0)
            units--;
        uint32_t n = 0;
        uint16_t *text = expand(call, q->environment, s, units, &n);
        add_piece(call, q, name, name_len, REG_SZ, (const uint8_t *)text, (n + 1) * 2);
        free(text);
        return;
    }
    add_piece(call, q, name, name_len, type, data, size);
}

/* RtlpQueryRegistryDirect: stores a piece at EntryContext. */
static NTSTATUS direct(ke_call *call, PVOID_VA dest, const piece *p)
{
    if (p->type == REG_SZ || p->type == REG_EXPAND_SZ || p->type == REG_MULTI_SZ) {
        uint64_t buffer = 0, maximum = 0;
        if (!ke_field_get(call, dest, KE_FIELD(UNICODE_STRING, Buffer), &buffer) ||
            !ke_field_get(call, dest, KE_FIELD(UNICODE_STRING, MaximumLength), &maximum))
            return STATUS_ACCESS_VIOLATION;
        if (p->size > 0xFFFF)
            return STATUS_BUFFER_TOO_SMALL;
        if (buffer == 0) {
            buffer = ExAllocatePoolWithTag(call, PagedPool, p->size, RTL_STRING_POOL_TAG_UNICODE);
            if (buffer == 0)
                return STATUS_NO_MEMORY;
            if (!ke_field_set(call, dest, KE_FIELD(UNICODE_STRING, Buffer), buffer) ||
                !ke_field_set(call, dest, KE_FIELD(UNICODE_STRING, MaximumLength), p->size))
                return STATUS_ACCESS_VIOLATION;
        } else if (p->size > maximum) {
            return STATUS_BUFFER_TOO_SMALL;
        }
        if (!mm_access(call, buffer, p->data, p->size, true) ||
            !ke_field_set(call, dest, KE_FIELD(UNICODE_STRING, Length),
                          p->size >= 2 ? p->size - 2 : 0))
            return STATUS_ACCESS_VIOLATION;
        return STATUS_SUCCESS;
    }
    if (p->size <= 4)
        return mm_access(call, dest, p->data, p->size, true) ? STATUS_SUCCESS
                                                             : STATUS_ACCESS_VIOLATION;
    int32_t given = 0;
    if (!mm_access(call, dest, &given, 4, false))
        return STATUS_ACCESS_VIOLATION;
    if (given < 0) {
        if (p->size > (uint32_t)-(int64_t)given)
            return STATUS_BUFFER_TOO_SMALL;
        return mm_access(call, dest, p->data, p->size, true) ? STATUS_SUCCESS
                                                             : STATUS_ACCESS_VIOLATION;
    }
    if ((uint64_t)p->size + 8 > (uint32_t)given)
        return STATUS_BUFFER_TOO_SMALL;
    uint32_t head[2] = {p->size, p->type};
    if (!mm_access(call, dest, head, 8, true) || !mm_access(call, dest + 8, p->data, p->size, true))
        return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

/* The length of a default's data when DefaultLength is 0: a string's, with
 * its NUL (a REG_MULTI_SZ's up to its double NUL). */
static uint32_t default_length(ke_call *call, const entry *e, bool *ok)
{
    *ok = true;
    if (e->default_length != 0 || e->default_data == 0)
        return e->default_length;
    if (e->default_type != REG_SZ && e->default_type != REG_EXPAND_SZ &&
        e->default_type != REG_MULTI_SZ)
        return 0;
    uint32_t n = 0;
    uint16_t c = 0, previous = 1;
    for (;;) {
        if (!mm_access(call, e->default_data + 2ull * n, &c, 2, false)) {
            *ok = false;
            return 0;
        }
        n++;
        if (c == 0 && (e->default_type != REG_MULTI_SZ || previous == 0))
            break;
        previous = c;
    }
    return n * 2;
}

/* Prepares the entry at q->index: its pieces (for DIRECT, stores them now).
 * Returns a status to end with, or STATUS_SUCCESS to go on (with q->count
 * pieces for the routine); *end set at the table's end. */
static NTSTATUS prepare_entry(ke_call *call, cm_query *q, bool *end)
{
    ke_machine *m = call->m;
    *end = false;
    free_pieces(q);
    PVOID_VA at =
        q->table + (uint64_t)q->index * ke_types[KE_TYPE_RTL_QUERY_REGISTRY_TABLE].size[m->config.arch];
    entry e;
    if (!read_entry(call, at, &e))
        return STATUS_ACCESS_VIOLATION;
    if (e.routine == 0 && (e.flags & (RTL_QUERY_REGISTRY_SUBKEY | RTL_QUERY_REGISTRY_DIRECT)) == 0) {
        *end = true;
        return STATUS_SUCCESS;
    }
    q->flags = e.flags;
    q->entry_context = e.entry_context;
    q->routine = io_routine_of_token(m, e.routine, &q->driver);
    if (e.routine != 0 && q->routine == 0 && !(e.flags & RTL_QUERY_REGISTRY_DIRECT))
        return STATUS_INVALID_PARAMETER; /* not a routine drvsim can run */
    uint16_t *name = NULL;
    uint32_t name_len = 0;
    if (e.name != 0 && !read_wstr(call, e.name, &name, &name_len))
        return STATUS_ACCESS_VIOLATION;
    NTSTATUS status = STATUS_SUCCESS;
    if (e.flags & RTL_QUERY_REGISTRY_TOPKEY) {
        cm_key_hold(q->top);
        cm_key_release(q->current);
        q->current = q->top;
    }
    if (e.flags & RTL_QUERY_REGISTRY_SUBKEY) {
        cm_key *sub = NULL;
        if (name == NULL)
            status = STATUS_INVALID_PARAMETER;
        else
            status = cm_lookup(m, q->current, name, name_len, false, false, &sub, NULL);
        if (NT_SUCCESS(status)) {
            cm_key_hold(sub);
            cm_key_release(q->current);
            q->current = sub;
            if (e.routine != 0) {
                for (uint32_t i = 0; i < sub->value_count; i++) {
                    const cm_value *v = &sub->values[i];
                    value_pieces(call, q, v->name, v->name_len, v->type, v->data, v->size,
                                 e.flags);
                }
            }
        }
    } else if (e.flags & RTL_QUERY_REGISTRY_NOVALUE) {
        add_piece(call, q, name, name_len, REG_NONE, NULL, 0);
    } else if (name == NULL) {
        if (e.flags & RTL_QUERY_REGISTRY_DIRECT) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            for (uint32_t i = 0; i < q->current->value_count; i++) {
                const cm_value *v = &q->current->values[i];
                value_pieces(call, q, v->name, v->name_len, v->type, v->data, v->size, e.flags);
            }
        }
    } else {
        const cm_value *v = cm_find_value(q->current, name, name_len);
        uint32_t expected = e.default_type >> RTL_QUERY_REGISTRY_TYPECHECK_SHIFT;
        if (v != NULL && (e.flags & RTL_QUERY_REGISTRY_TYPECHECK) && v->type != expected) {
            status = STATUS_OBJECT_TYPE_MISMATCH;
        } else if (v != NULL) {
            value_pieces(call, q, name, name_len, v->type, v->data, v->size, e.flags);
            if (e.flags & RTL_QUERY_REGISTRY_DELETE) {
                q->delete_name = name;
                q->delete_len = name_len;
                name = NULL;
            }
        } else if (e.flags & RTL_QUERY_REGISTRY_REQUIRED) {
            status = STATUS_OBJECT_NAME_NOT_FOUND;
        } else if ((e.default_type & 0xFFFFFF) != REG_NONE) {
            bool ok = true;
            uint32_t type = e.default_type & 0xFFFFFF;
            uint32_t size = default_length(call, &e, &ok);
            uint8_t *data = malloc(size > 0 ? size : 1);
            if (data == NULL)
                ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
            if (!ok || (size > 0 && !mm_access(call, e.default_data, data, size, false)))
                status = STATUS_ACCESS_VIOLATION;
            else
                value_pieces(call, q, name, name_len, type, data, size, e.flags);
            free(data);
        }
    }
    free(name);
    if (!NT_SUCCESS(status))
        return status;
    if (e.flags & RTL_QUERY_REGISTRY_DIRECT) {
        for (uint32_t i = 0; i < q->count && NT_SUCCESS(status); i++)
            status = direct(call, e.entry_context, &q->pieces[i]);
        q->next = q->count;
    }
    return status;
}

static void free_buffers(ke_call *call, cm_query *q)
{
    ke_call kernel = *call;
    kernel.driver = NULL;
    if (q->name_buffer != 0)
        ExFreePool(&kernel, q->name_buffer);
    if (q->data_buffer != 0)
        ExFreePool(&kernel, q->data_buffer);
    q->name_buffer = q->data_buffer = 0;
}

static void query_free(cm_query *q)
{
    if (q->prev_query != NULL)
        q->prev_query->next_query = q->next_query;
    else
        q->registry->queries = q->next_query;
    if (q->next_query != NULL)
        q->next_query->prev_query = q->prev_query;
    free_pieces(q);
    cm_key_release(q->top);
    cm_key_release(q->current);
    free(q);
}

/* Gives the next piece to the routine (a callout), or moves on through the
 * table. Returns the query's status when it ends (q freed), or leaves a
 * callout pushed. */
static NTSTATUS step(ke_call *call, cm_query *q)
{
    ke_machine *m = call->m;
    for (;;) {
        if (ke_stopped(m)) {
            query_free(q);
            return STATUS_UNSUCCESSFUL;
        }
        if (q->next < q->count) {
            const piece *p = &q->pieces[q->next++];
            if (p->name != NULL) {
                q->name_buffer = ex_alloc_internal(m, PagedPool, (p->name_len + 1) * 2ull,
                                                   QUERY_POOL_TAG);
                if (q->name_buffer == 0) {
                    query_free(q);
                    return STATUS_INSUFFICIENT_RESOURCES;
                }
                mm_poke(m->mm, q->name_buffer, p->name, (p->name_len + 1) * 2ull);
            }
            if (p->size > 0) {
                q->data_buffer = ex_alloc_internal(m, PagedPool, p->size, QUERY_POOL_TAG);
                if (q->data_buffer == 0) {
                    free_buffers(call, q);
                    query_free(q);
                    return STATUS_INSUFFICIENT_RESOURCES;
                }
                mm_poke(m->mm, q->data_buffer, p->data, p->size);
            }
            ke_exec *e = call->exec;
            if (!ke_callout_stack_room(call)) {
                free_buffers(call, q);
                query_free(q);
                return STATUS_UNSUCCESSFUL; /* the stack overflowed: the machine stopped */
            }
            ke_callout *c = &e->callouts[e->callout_count++];
            memset(c, 0, sizeof *c);
            c->kind = KE_CALLOUT_QUERY_ROUTINE;
            c->routine = q->routine;
            c->driver = q->driver;
            c->name = "QueryRoutine";
            c->args[0] = q->name_buffer;
            c->args[1] = p->type;
            c->arg_types[1] = KE_ARG_INTEGER;
            c->args[2] = q->data_buffer;
            c->args[3] = p->size;
            c->arg_types[3] = KE_ARG_INTEGER;
            c->args[4] = q->context;
            c->args[5] = q->entry_context;
            c->argc = 6;
            c->context = q;
            call->callout = true;
            return STATUS_PENDING; /* not the result: the callout runs */
        }
        /* The entry is done. */
        if (q->delete_name != NULL) {
            cm_value *v = cm_find_value(q->current, q->delete_name, q->delete_len);
            if (v != NULL)
                cm_delete_value(m, q->current, v);
        }
        bool end = false;
        NTSTATUS status = prepare_entry(call, q, &end);
        q->index++;
        if (!NT_SUCCESS(status) || end) {
            query_free(q);
            return status;
        }
    }
}

NTSTATUS RtlQueryRegistryValues(ke_call *call, ULONG RelativeTo, PVOID_VA Path,
                                PVOID_VA QueryTable, PVOID_VA Context, PVOID_VA Environment)
{
    cm_key *top = NULL;
    NTSTATUS status = relative_key(call, RelativeTo, Path, &top);
    if (!NT_SUCCESS(status))
        return status;
    cm_query *q = calloc(1, sizeof *q);
    if (q == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    cm_registry *r = cm_get(call->m);
    q->registry = r;
    q->next_query = r->queries;
    if (r->queries != NULL)
        r->queries->prev_query = q;
    r->queries = q;
    /* Both keys are kept while the query runs, as its handles keep them. */
    q->top = q->current = top;
    cm_key_hold(top);
    cm_key_hold(top);
    q->table = QueryTable;
    q->context = Context;
    q->environment = Environment;
    bool end = false;
    status = prepare_entry(call, q, &end);
    q->index = 1;
    if (!NT_SUCCESS(status) || end) {
        query_free(q);
        return status;
    }
    return step(call, q);
}

void cm_queries_free(cm_registry *r)
{
    while (r->queries != NULL)
        query_free(r->queries);
}

uint64_t cm_query_callout_end(ke_call *call, uint64_t result)
{
    ke_exec *e = call->exec;
    KE_CHECK(call->m, e->callout_count > 0);
    ke_callout c = e->callouts[--e->callout_count];
    cm_query *q = c.context;
    free_buffers(call, q);
    if (!NT_SUCCESS((NTSTATUS)result)) {
        query_free(q);
        return (uint32_t)result;
    }
    NTSTATUS status = step(call, q);
    return (uint32_t)status;
}

/* ------------------------------------------------------------------------ */
/* Writing, deleting, checking                                              */
/* ------------------------------------------------------------------------ */

NTSTATUS RtlWriteRegistryValue(ke_call *call, ULONG RelativeTo, PVOID_VA Path, PVOID_VA ValueName,
                               ULONG ValueType, PVOID_VA ValueData, ULONG ValueLength)
{
    cm_key *k = NULL;
    NTSTATUS status = relative_key(call, RelativeTo, Path, &k);
    if (!NT_SUCCESS(status))
        return status;
    if (ValueLength > CM_MAX_VALUE_DATA)
        return STATUS_INSUFFICIENT_RESOURCES;
    uint16_t *name = NULL;
    uint32_t len = 0;
    if (ValueName != 0 && !read_wstr(call, ValueName, &name, &len))
        return STATUS_ACCESS_VIOLATION;
    uint8_t *data = malloc(ValueLength > 0 ? ValueLength : 1);
    if (data == NULL)
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory in the registry");
    if (ValueLength > 0 && !mm_access(call, ValueData, data, ValueLength, false))
        status = STATUS_ACCESS_VIOLATION;
    else
        status = cm_set_value(call->m, k, name, len, ValueType, data, ValueLength);
    free(data);
    free(name);
    return status;
}

NTSTATUS RtlDeleteRegistryValue(ke_call *call, ULONG RelativeTo, PVOID_VA Path, PVOID_VA ValueName)
{
    cm_key *k = NULL;
    NTSTATUS status = relative_key(call, RelativeTo, Path, &k);
    if (!NT_SUCCESS(status))
        return status;
    uint16_t *name = NULL;
    uint32_t len = 0;
    if (ValueName != 0 && !read_wstr(call, ValueName, &name, &len))
        return STATUS_ACCESS_VIOLATION;
    cm_value *v = cm_find_value(k, name, len);
    free(name);
    if (v == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    cm_delete_value(call->m, k, v);
    return STATUS_SUCCESS;
}

NTSTATUS RtlCheckRegistryKey(ke_call *call, ULONG RelativeTo, PVOID_VA Path)
{
    cm_key *k = NULL;
    return relative_key(call, RelativeTo, Path, &k);
}
