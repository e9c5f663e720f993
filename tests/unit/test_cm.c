/*
 * test_cm.c - the registry, driven through its DDIs from C (no Lua): the
 * service key a driver is given, key creation and its dispositions, paths
 * relative to a key handle, subkey enumeration in case-insensitive name
 * order, the buffer rules of ZwQueryValueKey (STATUS_BUFFER_TOO_SMALL with
 * nothing written, STATUS_BUFFER_OVERFLOW with the fixed part written, the
 * ResultLength of the whole), key deletion and deleted keys' handles, and
 * OBJECT_ATTRIBUTES as InitializeObjectAttributes lays it out on x64 and
 * x86.
 */
#include "test_machine.h"
#include <string.h>

#include "cm/cm.h"
#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "ob/ob.h"

static ke_machine *m;
static ke_call call;

static void boot(ke_arch arch)
{
    ke_config config = tm_config(7, 1, arch);
    ke_host host = tm_passive_host();
    m = tm_create(&config, &host, NULL);
    ke_thread *t = ke_create_thread(m, m->system_process, NULL);
    cr_assert_not_null(t);
    memset(&call, 0, sizeof call);
    call.m = m;
    call.exec = &t->exec;
    call.thread = t;
    io_driver *drv = io_register_driver(m, "unit.sys", false, NULL);
    cr_assert_not_null(drv);
    cr_assert_eq(io_load_begin(&call, drv), STATUS_SUCCESS);
    call.driver = drv;
}

static void boot_x64(void)
{
    boot(KE_ARCH_X64);
}

static void boot_x86(void)
{
    boot(KE_ARCH_X86);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

/* A UNICODE_STRING and its buffer in nonpaged pool. */
static PVOID_VA ustr(const char *text)
{
    size_t n = strlen(text);
    PVOID_VA buffer = ex_alloc_internal(m, NonPagedPool, 2 * n + 2, 0x74736554u);
    for (size_t i = 0; i < n; i++) {
        uint16_t c = (uint8_t)text[i];
        cr_assert(mm_poke(m->mm, buffer + 2 * i, &c, 2));
    }
    PVOID_VA s = ex_alloc_internal(m, NonPagedPool, 16, 0x74736554u);
    cr_assert(ke_field_set(&call, s, KE_FIELD(UNICODE_STRING, Length), 2 * n));
    cr_assert(ke_field_set(&call, s, KE_FIELD(UNICODE_STRING, MaximumLength), 2 * n + 2));
    cr_assert(ke_field_set(&call, s, KE_FIELD(UNICODE_STRING, Buffer), buffer));
    return s;
}

static PVOID_VA attributes(const char *name, uint64_t root)
{
    PVOID_VA oa = ex_alloc_internal(m, NonPagedPool, 0x30, 0x74736554u);
    InitializeObjectAttributes(&call, oa, ustr(name), 0x240, root, 0);
    return oa;
}

static NTSTATUS create(const char *name, uint64_t root, uint64_t *handle, ULONG *disposition)
{
    return ZwCreateKey(&call, handle, 0xF003F, attributes(name, root), 0, 0, 0, disposition);
}

static NTSTATUS open(const char *name, uint64_t root, uint64_t *handle)
{
    return ZwOpenKey(&call, handle, 0x20019, attributes(name, root));
}

TestSuite(cm, .init = boot_x64, .fini = shutdown);

Test(cm, a_driver_has_its_service_key_with_the_scm_values)
{
    uint64_t key = 0;
    cr_assert_eq(open("\\REGISTRY\\Machine\\SYSTEM\\CurrentControlSet\\Services\\UNIT", 0, &key),
                 STATUS_SUCCESS);
    PVOID_VA info = ex_alloc_internal(m, NonPagedPool, 64, 0x74736554u);
    ULONG length = 0;
    cr_assert_eq(ZwQueryValueKey(&call, key, ustr("start"), 2, info, 64, &length),
                 STATUS_SUCCESS);
    cr_assert_eq(length, 16u); /* 12 bytes of header and a DWORD */
    uint32_t v[4] = {0};
    cr_assert(mm_peek(m->mm, info, v, 16));
    cr_assert_eq(v[1], REG_DWORD);
    cr_assert_eq(v[2], 4u);
    cr_assert_eq(v[3], 3u); /* SERVICE_DEMAND_START */
    cr_assert_eq(ZwClose(&call, key), STATUS_SUCCESS);
}

Test(cm, create_needs_the_parent_and_reports_its_disposition)
{
    uint64_t key = 0;
    ULONG disposition = 0;
    cr_assert_eq(create("\\Registry\\Machine\\Software\\Missing\\Child", 0, &key, &disposition),
                 STATUS_OBJECT_NAME_NOT_FOUND);
    cr_assert_eq(key, 0);
    cr_assert_eq(create("\\Registry\\Machine\\Software\\Vendor", 0, &key, &disposition),
                 STATUS_SUCCESS);
    cr_assert_eq(disposition, 1u); /* REG_CREATED_NEW_KEY */
    uint64_t again = 0;
    cr_assert_eq(create("\\Registry\\Machine\\Software\\VENDOR", 0, &again, &disposition),
                 STATUS_SUCCESS);
    cr_assert_eq(disposition, 2u); /* REG_OPENED_EXISTING_KEY */
    cr_assert_neq(again, key);     /* a key object and handle per open */
    cr_assert_eq(open("\\Vendor", key, &again), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_assert_eq(open("Registry\\Machine", 0, &again), STATUS_OBJECT_PATH_SYNTAX_BAD);
}

Test(cm, subkeys_enumerate_in_case_insensitive_name_order)
{
    uint64_t root = 0, k = 0;
    ULONG disposition = 0;
    cr_assert_eq(create("\\Registry\\Machine\\Software\\Order", 0, &root, &disposition),
                 STATUS_SUCCESS);
    static const char *const names[] = {"b", "C", "a"};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(create(names[i], root, &k, &disposition), STATUS_SUCCESS);
        ZwClose(&call, k);
    }
    PVOID_VA info = ex_alloc_internal(m, NonPagedPool, 64, 0x74736554u);
    static const char expect[] = {'a', 'b', 'C'};
    for (ULONG i = 0; i < 3; i++) {
        ULONG length = 0;
        cr_assert_eq(ZwEnumerateKey(&call, root, i, 0, info, 64, &length), STATUS_SUCCESS);
        cr_assert_eq(length, 18u); /* KEY_BASIC_INFORMATION: 16 and one character */
        uint16_t c = 0;
        cr_assert(mm_peek(m->mm, info + 16, &c, 2));
        cr_assert_eq(c, (uint16_t)expect[i]);
    }
    ULONG length = 0;
    cr_assert_eq(ZwEnumerateKey(&call, root, 3, 0, info, 64, &length), STATUS_NO_MORE_ENTRIES);
}

Test(cm, short_buffers_follow_the_configuration_managers_rules)
{
    uint64_t key = 0;
    ULONG disposition = 0;
    cr_assert_eq(create("\\Registry\\Machine\\Software\\Sizes", 0, &key, &disposition),
                 STATUS_SUCCESS);
    PVOID_VA data = ex_alloc_internal(m, NonPagedPool, 8, 0x74736554u);
    uint64_t q = 0x1122334455667788ull;
    mm_poke(m->mm, data, &q, 8);
    cr_assert_eq(ZwSetValueKey(&call, key, ustr("Q"), 0, REG_QWORD, data, 8), STATUS_SUCCESS);
    PVOID_VA info = ex_alloc_internal(m, NonPagedPool, 64, 0x74736554u);
    uint8_t marker[24];
    memset(marker, 0xAB, sizeof marker);
    mm_poke(m->mm, info, marker, sizeof marker);
    ULONG length = 0;
    /* Shorter than the fixed part: nothing written. */
    cr_assert_eq(ZwQueryValueKey(&call, key, ustr("Q"), 2, info, 8, &length),
                 STATUS_BUFFER_TOO_SMALL);
    cr_assert_eq(length, 20u);
    uint8_t now[24];
    mm_peek(m->mm, info, now, sizeof now);
    cr_assert_arr_eq(now, marker, sizeof now);
    /* The fixed part and some data: what fits is written. */
    cr_assert_eq(ZwQueryValueKey(&call, key, ustr("Q"), 2, info, 14, &length),
                 STATUS_BUFFER_OVERFLOW);
    cr_assert_eq(length, 20u);
    uint32_t head[3];
    mm_peek(m->mm, info, head, 12);
    cr_assert_eq(head[1], REG_QWORD);
    cr_assert_eq(head[2], 8u);
    mm_peek(m->mm, info, now, sizeof now);
    cr_assert_eq(now[12], 0x88);
    cr_assert_eq(now[13], 0x77);
    cr_assert_eq(now[14], 0xAB); /* past Length: untouched */
    cr_assert_eq(ZwQueryValueKey(&call, key, ustr("Q"), 2, info, 20, &length), STATUS_SUCCESS);
    cr_assert_eq(ZwQueryValueKey(&call, key, ustr("R"), 2, info, 20, &length),
                 STATUS_OBJECT_NAME_NOT_FOUND);
    cr_assert_eq(ZwQueryValueKey(&call, key, ustr("Q"), 7, info, 20, &length),
                 STATUS_INVALID_PARAMETER);
}

Test(cm, deleted_keys_keep_their_handles_until_closed)
{
    uint64_t parent = 0, child = 0;
    ULONG disposition = 0;
    cr_assert_eq(create("\\Registry\\Machine\\Software\\Parent", 0, &parent, &disposition),
                 STATUS_SUCCESS);
    cr_assert_eq(create("Child", parent, &child, &disposition), STATUS_SUCCESS);
    cr_assert_eq(ZwDeleteKey(&call, parent), STATUS_CANNOT_DELETE);
    cr_assert_eq(ZwDeleteKey(&call, child), STATUS_SUCCESS);
    cr_assert_eq(ZwFlushKey(&call, child), STATUS_KEY_DELETED);
    cr_assert_eq(ZwDeleteKey(&call, child), STATUS_KEY_DELETED);
    ke_object *o = ob_handle_object(m, child);
    cr_assert_not_null(o);
    PVOID_VA body = o->va;
    cr_assert_eq(ZwClose(&call, child), STATUS_SUCCESS);
    /* The key object went back to the pool with its last reference. */
    cr_assert_null(ke_object_at(m, body));
    uint64_t again = 0;
    cr_assert_eq(open("Child", parent, &again), STATUS_OBJECT_NAME_NOT_FOUND);
    cr_assert_eq(ZwDeleteKey(&call, parent), STATUS_SUCCESS);
    uint64_t event = 0;
    cr_assert_eq(ZwDeleteKey(&call, event), STATUS_INVALID_HANDLE);
}

static void object_attributes_layout(uint32_t size, unsigned ptr)
{
    PVOID_VA oa = ex_alloc_internal(m, NonPagedPool, 0x30, 0x74736554u);
    PVOID_VA name = ustr("x");
    InitializeObjectAttributes(&call, oa, name, 0x240, 0x80000004ull, 0);
    uint32_t length = 0, attrs = 0;
    uint64_t root = 0, object_name = 0;
    mm_peek(m->mm, oa, &length, 4);
    mm_peek(m->mm, oa + ptr, &root, ptr);
    mm_peek(m->mm, oa + 2 * ptr, &object_name, ptr);
    mm_peek(m->mm, oa + 3 * ptr, &attrs, 4);
    cr_assert_eq(length, size);
    cr_assert_eq(root, 0x80000004ull);
    cr_assert_eq(object_name, name);
    cr_assert_eq(attrs, 0x240u);
    cr_assert_eq(ke_types[KE_TYPE_OBJECT_ATTRIBUTES].size[m->config.arch], size);
}

Test(cm, object_attributes_x64)
{
    object_attributes_layout(0x30, 8);
}

Test(cm, object_attributes_x86, .init = boot_x86, .fini = shutdown)
{
    object_attributes_layout(0x18, 4);
}
