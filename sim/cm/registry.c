/*
 * registry.c - the registry's keys and values, key objects and their
 * handles, and the harness's access (cm.h).
 *
 * The tree lives in host memory; nothing of it is in simulated memory
 * except what a routine copies out for a driver. Keys are kept sorted by
 * upcased name, so lookups are binary searches and ZwEnumerateKey's order is
 * a hive's; values stay in creation order, as a hive's value list does.
 *
 * \REGISTRY\MACHINE\SYSTEM\CurrentControlSet is a key of its own here (on
 * Windows a link to ControlSet001): drivers name it, none names the other.
 */
#include <stdlib.h>
#include <string.h>

#include "cm/cm.h"
#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "ob/ob.h"

#define KEY_OBJECT_TAG      0x2079654Bu /* "Key ", the Key object type's tag */
#define KEY_OBJECT_SIZE_X64 0x58u
#define KEY_OBJECT_SIZE_X86 0x34u

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

/* RtlUpcaseUnicodeChar for ASCII and Latin-1. */
static uint16_t upcase(uint16_t c)
{
    if (c >= 'a' && c <= 'z')
        return (uint16_t)(c - 0x20);
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
        return (uint16_t)(c - 0x20);
    if (c == 0xFF)
        return 0x178;
    return c;
}

static int compare_names(const uint16_t *a, uint32_t alen, const uint16_t *b, uint32_t blen)
{
    uint32_t n = alen < blen ? alen : blen;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t x = upcase(a[i]), y = upcase(b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return alen == blen ? 0 : alen < blen ? -1 : 1;
}

static uint16_t *copy_units(ke_machine *m, const uint16_t *s, uint32_t len)
{
    uint16_t *copy = malloc((size_t)len * 2 + 2);
    if (copy == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
    if (len > 0)
        memcpy(copy, s, (size_t)len * 2);
    copy[len] = 0;
    return copy;
}

uint32_t cm_utf8_to_utf16(const char *text, size_t len, uint16_t *out)
{
    const unsigned char *s = (const unsigned char *)text;
    uint32_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = s[i], extra = 0;
        if (c >= 0xF0 && c <= 0xF4)
            extra = 3, c &= 0x07;
        else if (c >= 0xE0 && c <= 0xEF)
            extra = 2, c &= 0x0F;
        else if (c >= 0xC2 && c <= 0xDF)
            extra = 1, c &= 0x1F;
        bool ok = extra == 0 ? s[i] < 0x80 : i + extra < len + 0;
        for (uint32_t k = 1; ok && k <= extra; k++)
            ok = i + k < len && (s[i + k] & 0xC0) == 0x80;
        if (!ok) {
            out[n++] = s[i++]; /* not UTF-8: the Latin-1 character */
            continue;
        }
        for (uint32_t k = 1; k <= extra; k++)
            c = (c << 6) | (s[i + k] & 0x3F);
        i += extra + 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            out[n++] = (uint16_t)(0xD800 | (c >> 10));
            out[n++] = (uint16_t)(0xDC00 | (c & 0x3FF));
        } else {
            out[n++] = (uint16_t)c;
        }
    }
    return n;
}

size_t cm_utf16_to_utf8(const uint16_t *s, uint32_t len, char *out)
{
    size_t n = 0;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF)
            c = 0x10000 + ((c - 0xD800) << 10) + (s[++i] - 0xDC00);
        if (c < 0x80) {
            out[n++] = (char)c;
        } else if (c < 0x800) {
            out[n++] = (char)(0xC0 | (c >> 6));
            out[n++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[n++] = (char)(0xE0 | (c >> 12));
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[n++] = (char)(0xF0 | (c >> 18));
            out[n++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (c & 0x3F));
        }
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Keys                                                                     */
/* ------------------------------------------------------------------------ */

static int64_t system_time(const ke_machine *m)
{
    return KE_BOOT_SYSTEM_TIME + (int64_t)m->des.now_100ns;
}

void cm_touch(ke_machine *m, cm_key *k)
{
    k->last_write = system_time(m);
}

/* The index of the subkey named so, or where it would go (*found false). */
static uint32_t find_subkey(const cm_key *k, const uint16_t *name, uint32_t len, bool *found)
{
    uint32_t lo = 0, hi = k->subkey_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = compare_names(k->subkeys[mid]->name, k->subkeys[mid]->name_len, name, len);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static cm_key *new_key(ke_machine *m, cm_key *parent, const uint16_t *name, uint32_t len,
                       bool is_volatile)
{
    cm_key *k = calloc(1, sizeof *k);
    if (k == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
    k->name = copy_units(m, name, len);
    k->name_len = len;
    k->is_volatile = is_volatile;
    k->last_write = system_time(m);
    if (parent == NULL)
        return k;
    bool found = false;
    uint32_t at = find_subkey(parent, name, len, &found);
    KE_CHECK(m, !found);
    if (parent->subkey_count == parent->subkey_capacity) {
        uint32_t cap = parent->subkey_capacity ? parent->subkey_capacity * 2 : 4;
        cm_key **grown = realloc(parent->subkeys, cap * sizeof *grown);
        if (grown == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
        parent->subkeys = grown;
        parent->subkey_capacity = cap;
    }
    memmove(&parent->subkeys[at + 1], &parent->subkeys[at],
            (parent->subkey_count - at) * sizeof *parent->subkeys);
    parent->subkeys[at] = k;
    parent->subkey_count++;
    k->parent = parent;
    cm_touch(m, parent);
    return k;
}

static void free_key(cm_key *k)
{
    for (uint32_t i = 0; i < k->subkey_count; i++)
        free_key(k->subkeys[i]);
    for (uint32_t i = 0; i < k->value_count; i++) {
        free(k->values[i].name);
        free(k->values[i].data);
    }
    free(k->subkeys);
    free(k->values);
    free(k->class_name);
    free(k->name);
    free(k);
}

/* Splits off the component starting at *pos: false past the end. An empty
 * component (two backslashes, a trailing one) has length 0. */
static bool next_component(const uint16_t *path, uint32_t len, uint32_t *pos,
                           const uint16_t **name, uint32_t *name_len)
{
    if (*pos > len)
        return false;
    uint32_t end = *pos;
    while (end < len && path[end] != '\\')
        end++;
    *name = path + *pos;
    *name_len = end - *pos;
    *pos = end + 1;
    return true;
}

NTSTATUS cm_lookup(ke_machine *m, cm_key *from, const uint16_t *path, uint32_t len, bool create,
                   bool is_volatile, cm_key **key, bool *created)
{
    cm_registry *r = cm_get(m);
    *key = NULL;
    if (created != NULL)
        *created = false;
    uint32_t pos = 0;
    cm_key *k = from;
    if (from == NULL) {
        static const uint16_t registry[] = {'R', 'E', 'G', 'I', 'S', 'T', 'R', 'Y'};
        if (len == 0 || path[0] != '\\')
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        pos = 1;
        const uint16_t *name = NULL;
        uint32_t name_len = 0;
        if (!next_component(path, len, &pos, &name, &name_len) || name_len == 0)
            return STATUS_OBJECT_NAME_INVALID;
        if (compare_names(name, name_len, registry, 8) != 0)
            return pos <= len ? STATUS_OBJECT_PATH_NOT_FOUND : STATUS_OBJECT_NAME_NOT_FOUND;
        k = r->root;
    } else if (len > 0 && path[0] == '\\') {
        return STATUS_OBJECT_PATH_SYNTAX_BAD; /* a relative name may not be absolute */
    } else if (len == 0) {
        pos = 1; /* an empty relative name: the key itself */
    }
    if (k->deleted)
        return STATUS_KEY_DELETED;
    const uint16_t *name = NULL;
    uint32_t name_len = 0;
    while (next_component(path, len, &pos, &name, &name_len)) {
        if (name_len == 0)
            return STATUS_OBJECT_NAME_INVALID;
        if (name_len > CM_MAX_KEY_NAME)
            return STATUS_INVALID_PARAMETER;
        bool found = false;
        uint32_t at = find_subkey(k, name, name_len, &found);
        if (found) {
            k = k->subkeys[at];
            continue;
        }
        bool last = pos > len;
        if (!create || !last)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        if (k->is_volatile && !is_volatile)
            return STATUS_CHILD_MUST_BE_VOLATILE;
        if (k == r->root)
            return STATUS_ACCESS_DENIED; /* \REGISTRY holds the hives' roots only */
        k = new_key(m, k, name, name_len, is_volatile);
        if (created != NULL)
            *created = true;
    }
    *key = k;
    return STATUS_SUCCESS;
}

uint32_t cm_key_path(const cm_key *k, uint16_t *out)
{
    uint32_t n = 0;
    if (k->parent != NULL)
        n = cm_key_path(k->parent, out);
    if (out != NULL) {
        out[n] = '\\';
        memcpy(out + n + 1, k->name, (size_t)k->name_len * 2);
    }
    return n + 1 + k->name_len;
}

void cm_key_hold(cm_key *k)
{
    k->opens++;
}

void cm_key_release(cm_key *k)
{
    if (--k->opens == 0 && k->deleted)
        free_key(k);
}

NTSTATUS cm_delete_key(ke_machine *m, cm_key *k)
{
    if (k->deleted)
        return STATUS_KEY_DELETED;
    if (k->subkey_count > 0 || k->parent == NULL || k->parent->parent == NULL)
        return STATUS_CANNOT_DELETE; /* subkeys, or a hive's root */
    cm_key *parent = k->parent;
    bool found = false;
    uint32_t at = find_subkey(parent, k->name, k->name_len, &found);
    KE_CHECK(m, found && parent->subkeys[at] == k);
    memmove(&parent->subkeys[at], &parent->subkeys[at + 1],
            (parent->subkey_count - at - 1) * sizeof *parent->subkeys);
    parent->subkey_count--;
    cm_touch(m, parent);
    k->deleted = true;
    k->parent = NULL;
    if (k->opens == 0)
        free_key(k);
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */
/* ------------------------------------------------------------------------ */

cm_value *cm_find_value(cm_key *k, const uint16_t *name, uint32_t len)
{
    for (uint32_t i = 0; i < k->value_count; i++) {
        if (compare_names(k->values[i].name, k->values[i].name_len, name, len) == 0)
            return &k->values[i];
    }
    return NULL;
}

NTSTATUS cm_set_value(ke_machine *m, cm_key *k, const uint16_t *name, uint32_t len, uint32_t type,
                      const void *data, uint32_t size)
{
    if (k->deleted)
        return STATUS_KEY_DELETED;
    if (len > CM_MAX_VALUE_NAME)
        return STATUS_INVALID_PARAMETER;
    if (size > CM_MAX_VALUE_DATA)
        return STATUS_INSUFFICIENT_RESOURCES;
    uint8_t *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
    if (size > 0)
        memcpy(copy, data, size);
    cm_value *v = cm_find_value(k, name, len);
    if (v == NULL) {
        if (k->value_count == k->value_capacity) {
            uint32_t cap = k->value_capacity ? k->value_capacity * 2 : 4;
            cm_value *grown = realloc(k->values, cap * sizeof *grown);
            if (grown == NULL)
                ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
            k->values = grown;
            k->value_capacity = cap;
        }
        v = &k->values[k->value_count++];
        v->name = copy_units(m, name, len);
        v->name_len = len;
    } else {
        free(v->data);
    }
    v->type = type;
    v->data = copy;
    v->size = size;
    cm_touch(m, k);
    return STATUS_SUCCESS;
}

void cm_delete_value(ke_machine *m, cm_key *k, cm_value *v)
{
    size_t at = (size_t)(v - k->values);
    free(v->name);
    free(v->data);
    memmove(&k->values[at], &k->values[at + 1], (k->value_count - at - 1) * sizeof *k->values);
    k->value_count--;
    cm_touch(m, k);
}

/* ------------------------------------------------------------------------ */
/* The machine's registry                                                   */
/* ------------------------------------------------------------------------ */

static cm_key *ensure_path(ke_machine *m, const char *path)
{
    uint16_t units[512];
    size_t len = strlen(path);
    KE_CHECK(m, len < 256);
    uint32_t n = cm_utf8_to_utf16(path, len, units);
    cm_registry *r = m->registry;
    cm_key *k = r->root;
    const uint16_t *name = NULL;
    uint32_t name_len = 0;
    KE_CHECK(m, n > 10);
    uint32_t pos = 10; /* after "\REGISTRY\" */
    while (next_component(units, n, &pos, &name, &name_len)) {
        bool found = false;
        uint32_t at = find_subkey(k, name, name_len, &found);
        k = found ? k->subkeys[at] : new_key(m, k, name, name_len, false);
    }
    return k;
}

static void set_dword(ke_machine *m, cm_key *k, const char *name, uint32_t value)
{
    uint16_t units[64];
    uint32_t n = cm_utf8_to_utf16(name, strlen(name), units);
    cm_set_value(m, k, units, n, REG_DWORD, &value, 4);
}

void cm_add_service(ke_machine *m, const char *service, const char *image)
{
    cm_get(m);
    char path[256];
    snprintf(path, sizeof path, "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\%s",
             service);
    cm_key *k = ensure_path(m, path);
    /* What the service control manager writes for a demand-start kernel
     * driver: SERVICE_KERNEL_DRIVER, SERVICE_DEMAND_START,
     * SERVICE_ERROR_NORMAL, and where the image is. */
    set_dword(m, k, "Type", 1);
    set_dword(m, k, "Start", 3);
    set_dword(m, k, "ErrorControl", 1);
    char text[256];
    snprintf(text, sizeof text, "\\SystemRoot\\System32\\drivers\\%s", image);
    uint16_t units[300];
    uint32_t n = cm_utf8_to_utf16(text, strlen(text), units);
    units[n++] = 0;
    static const uint16_t image_path[] = {'I', 'm', 'a', 'g', 'e', 'P', 'a', 't', 'h'};
    cm_set_value(m, k, image_path, 9, REG_EXPAND_SZ, units, n * 2);
}

cm_registry *cm_get(ke_machine *m)
{
    if (m->registry != NULL)
        return m->registry;
    cm_registry *r = calloc(1, sizeof *r);
    if (r == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
    m->registry = r;
    static const uint16_t registry[] = {'R', 'E', 'G', 'I', 'S', 'T', 'R', 'Y'};
    r->root = new_key(m, NULL, registry, 8, false);
    static const char *const standard[] = {
        "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services",
        "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control",
        "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
        "\\REGISTRY\\MACHINE\\HARDWARE\\DEVICEMAP",
        "\\REGISTRY\\USER",
    };
    for (size_t i = 0; i < sizeof standard / sizeof *standard; i++)
        ensure_path(m, standard[i]);
    for (uint32_t i = 0; i < m->driver_count; i++)
        cm_add_service(m, m->drivers[i]->service, m->drivers[i]->name);
    return r;
}

void cm_free(ke_machine *m)
{
    cm_registry *r = m->registry;
    if (r == NULL)
        return;
    cm_queries_free(r);
    cm_callbacks_free(r);
    for (cm_key_object *o = r->objects, *next; o != NULL; o = next) {
        next = o->next;
        if (o->key->deleted && --o->key->opens == 0)
            free_key(o->key);
        free(o);
    }
    free_key(r->root);
    free(r);
    m->registry = NULL;
}

/* ------------------------------------------------------------------------ */
/* Key objects                                                              */
/* ------------------------------------------------------------------------ */

uint64_t cm_open_handle(ke_call *call, cm_key *k)
{
    ke_machine *m = call->m;
    cm_registry *r = cm_get(m);
    uint32_t size = m->config.arch == KE_ARCH_X86 ? KEY_OBJECT_SIZE_X86 : KEY_OBJECT_SIZE_X64;
    PVOID_VA va = ex_alloc_internal(m, PagedPool, size, KEY_OBJECT_TAG);
    if (va == 0)
        return 0;
    ke_object *o = calloc(1, sizeof *o);
    cm_key_object *ko = calloc(1, sizeof *ko);
    if (o == NULL || ko == NULL || !des_map_put(&m->objects, va, o))
        ke_panic(m, __FILE__, __LINE__, "out of host memory opening a key");
    o->va = va;
    o->type = KE_OBJECT_KEY;
    o->body = ko;
    ko->key = k;
    ko->object = o;
    ko->next = r->objects;
    if (r->objects != NULL)
        r->objects->prev = ko;
    r->objects = ko;
    k->opens++;
    return ob_create_handle(m, o);
}

cm_key_object *cm_handle_key(ke_call *call, uint64_t handle, NTSTATUS *status)
{
    ke_object *o = ob_handle_object(call->m, handle);
    if (o == NULL) {
        *status = STATUS_INVALID_HANDLE;
        return NULL;
    }
    if (o->type != KE_OBJECT_KEY) {
        *status = STATUS_OBJECT_TYPE_MISMATCH;
        return NULL;
    }
    *status = STATUS_SUCCESS;
    return o->body;
}

void cm_key_object_released(ke_call *call, ke_object *o)
{
    ke_machine *m = call->m;
    cm_registry *r = m->registry;
    cm_key_object *ko = o->body;
    if (ko->prev != NULL)
        ko->prev->next = ko->next;
    else
        r->objects = ko->next;
    if (ko->next != NULL)
        ko->next->prev = ko->prev;
    if (--ko->key->opens == 0 && ko->key->deleted)
        free_key(ko->key);
    free(ko);
    des_map_remove(&m->objects, o->va);
    /* The object's memory goes back to the pool. */
    ke_call kernel = *call;
    kernel.driver = NULL;
    ExFreePool(&kernel, o->va);
    free(o);
}

/* ------------------------------------------------------------------------ */
/* The harness                                                              */
/* ------------------------------------------------------------------------ */

/* Resolves a UTF-8 path; with create, makes every missing key. */
static NTSTATUS harness_key(ke_machine *m, const char *path, bool create, cm_key **key)
{
    size_t len = strlen(path);
    uint16_t *units = malloc((len + 1) * 2);
    if (units == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
    uint32_t n = cm_utf8_to_utf16(path, len, units);
    NTSTATUS status = STATUS_SUCCESS;
    if (!create) {
        status = cm_lookup(m, NULL, units, n, false, false, key, NULL);
    } else {
        /* Every prefix that ends before a backslash, then the whole. */
        for (uint32_t end = 1; end <= n && NT_SUCCESS(status); end++) {
            if (end < n && units[end] != '\\')
                continue;
            status = cm_lookup(m, NULL, units, end, true, false, key, NULL);
        }
    }
    free(units);
    return status;
}

NTSTATUS cm_harness_set(ke_machine *m, const char *path, const char *name, uint32_t type,
                        const void *data, uint32_t size)
{
    cm_key *k = NULL;
    NTSTATUS status = harness_key(m, path, true, &k);
    if (!NT_SUCCESS(status) || name == NULL)
        return status;
    size_t len = strlen(name);
    uint16_t *units = malloc((len + 1) * 2);
    if (units == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
    uint32_t n = cm_utf8_to_utf16(name, len, units);
    status = cm_set_value(m, k, units, n, type, data, size);
    free(units);
    return status;
}

const cm_value *cm_harness_get(ke_machine *m, const char *path, const char *name)
{
    cm_key *k = NULL;
    if (!NT_SUCCESS(harness_key(m, path, false, &k)))
        return NULL;
    size_t len = strlen(name);
    uint16_t *units = malloc((len + 1) * 2);
    if (units == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the registry");
    uint32_t n = cm_utf8_to_utf16(name, len, units);
    const cm_value *v = cm_find_value(k, units, n);
    free(units);
    return v;
}
