/*
 * test_file.c - the file namespace, driven through the Zw file routines
 * from C (no Lua): the statuses Windows gives for a missing file and a
 * missing directory, create dispositions and their IoStatusBlock
 * Information, sharing (IoCheckShareAccess's rules), the I/O manager's
 * parameter checks (a synchronous open without SYNCHRONIZE, an
 * asynchronous file's read without ByteOffset), reads up to
 * STATUS_END_OF_FILE, the file pointer, information classes and their
 * length check, delete-on-close and disposition, relative opens, and the
 * file object's type for ObReferenceObjectByHandle, on x64 and x86.
 */
#include "test_machine.h"
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "ob/ob.h"

#define STATUS_END_OF_FILE          ((NTSTATUS)0xC0000011u)
#define STATUS_INFO_LENGTH_MISMATCH ((NTSTATUS)0xC0000004u)
#define STATUS_INVALID_INFO_CLASS   ((NTSTATUS)0xC0000003u)
#define STATUS_SHARING_VIOLATION    ((NTSTATUS)0xC0000043u)
#define STATUS_OBJECT_PATH_NOT_FOUND ((NTSTATUS)0xC000003Au)
#define STATUS_FILE_IS_A_DIRECTORY  ((NTSTATUS)0xC00000BAu)
#define STATUS_NOT_A_DIRECTORY      ((NTSTATUS)0xC0000103u)
#define STATUS_DIRECTORY_NOT_EMPTY  ((NTSTATUS)0xC0000101u)
#define STATUS_DELETE_PENDING       ((NTSTATUS)0xC0000056u)

#define READ   0x00120089u /* FILE_GENERIC_READ (SYNCHRONIZE included) */
#define WRITE  0x00120116u /* FILE_GENERIC_WRITE */
#define DELETE 0x00010000u
#define SYNC   0x20u       /* FILE_SYNCHRONOUS_IO_NONALERT */

static ke_machine *m;
static ke_call call;
static PVOID_VA iosb;

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
    iosb = ex_alloc_internal(m, NonPagedPool, 16, 0x74736554u);
    cr_assert_eq(io_fs_harness_set(m, "\\??\\C:\\data\\config.txt", "0123456789", 10),
                 STATUS_SUCCESS);
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

static NTSTATUS create(const char *name, ULONG access, ULONG share, ULONG disposition,
                       ULONG options, uint64_t *handle)
{
    return ZwCreateFile(&call, handle, access, attributes(name, 0), iosb, 0, 0, share,
                        disposition, options, 0, 0);
}

static uint64_t information(void)
{
    uint64_t v = 0;
    cr_assert(ke_field_get(&call, iosb, KE_FIELD(IO_STATUS_BLOCK, Information), &v));
    return v;
}

TestSuite(file, .init = boot_x64, .fini = shutdown);

Test(file, missing_files_and_directories_have_their_own_statuses)
{
    uint64_t h = 0;
    cr_assert_eq(create("\\??\\C:\\data\\none.txt", READ, 1, 1, SYNC, &h),
                 STATUS_OBJECT_NAME_NOT_FOUND);
    cr_assert_eq(h, 0);
    cr_assert_eq(create("\\??\\C:\\nodir\\x.txt", READ, 1, 3, SYNC, &h),
                 STATUS_OBJECT_PATH_NOT_FOUND);
    cr_assert_eq(create("\\??\\Q:\\x.txt", READ, 1, 1, SYNC, &h), STATUS_OBJECT_PATH_NOT_FOUND);
    cr_assert_eq(create("\\Nowhere\\x.txt", READ, 1, 1, SYNC, &h), STATUS_OBJECT_PATH_NOT_FOUND);
    cr_assert_eq(create("??\\C:\\x.txt", READ, 1, 1, SYNC, &h), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_assert_eq(create("\\??\\C:\\data\\a*b", READ, 1, 3, SYNC, &h),
                 STATUS_OBJECT_NAME_INVALID);
    /* A path through a file is not a path. */
    cr_assert_eq(create("\\??\\C:\\data\\config.txt\\x", READ, 1, 1, SYNC, &h),
                 STATUS_OBJECT_PATH_NOT_FOUND);
}

Test(file, dispositions_report_what_they_did)
{
    uint64_t h = 0;
    cr_assert_eq(create("\\??\\C:\\data\\new.txt", WRITE, 0, 2 /* FILE_CREATE */, SYNC, &h),
                 STATUS_SUCCESS);
    cr_assert_eq(information(), 2u); /* FILE_CREATED */
    ZwClose(&call, h);
    cr_assert_eq(create("\\??\\C:\\DATA\\NEW.TXT", WRITE, 0, 2, SYNC, &h),
                 STATUS_OBJECT_NAME_COLLISION);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", WRITE, 0, 5 /* OVERWRITE_IF */, SYNC, &h),
                 STATUS_SUCCESS);
    cr_assert_eq(information(), 3u); /* FILE_OVERWRITTEN */
    ZwClose(&call, h);
    uint32_t size = 99;
    bool dir = true;
    cr_assert_not_null(io_fs_harness_get(m, "\\??\\C:\\data\\config.txt", &size, &dir));
    cr_assert_eq(size, 0u);
    cr_assert_eq(create("\\SystemRoot\\System32", READ, 1, 1, SYNC | 0x40, &h),
                 STATUS_FILE_IS_A_DIRECTORY);
    cr_assert_eq(create("\\??\\C:\\data\\new.txt", READ, 1, 1, SYNC | 0x1, &h),
                 STATUS_NOT_A_DIRECTORY);
    cr_assert_eq(create("\\??\\C:\\data\\sub", READ, 1, 2, SYNC | 0x1, &h), STATUS_SUCCESS);
    ZwClose(&call, h);
    cr_assert_null(io_fs_harness_get(m, "\\??\\C:\\data\\sub", &size, &dir));
    cr_assert(dir);
}

Test(file, the_io_manager_checks_its_parameters)
{
    uint64_t h = 0;
    /* Synchronous I/O needs SYNCHRONIZE. */
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", 0x1, 1, 1, SYNC, &h),
                 STATUS_INVALID_PARAMETER);
    /* Both synchronous options, a disposition beyond FILE_OVERWRITE_IF. */
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 1, 1, 0x30, &h),
                 STATUS_INVALID_PARAMETER);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 1, 6, SYNC, &h),
                 STATUS_INVALID_PARAMETER);
    /* Delete on close needs DELETE. */
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 1, 1, SYNC | 0x1000, &h),
                 STATUS_INVALID_PARAMETER);
    /* An asynchronous open has no file pointer: a read names its offset. */
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", 0x1, 1, 1, 0, &h), STATUS_SUCCESS);
    PVOID_VA buf = ex_alloc_internal(m, NonPagedPool, 16, 0x74736554u);
    cr_assert_eq(ZwReadFile(&call, h, 0, 0, 0, iosb, buf, 4, 0, 0), STATUS_INVALID_PARAMETER);
    PVOID_VA offset = ex_alloc_internal(m, NonPagedPool, 8, 0x74736554u);
    uint64_t at = 8;
    mm_poke(m->mm, offset, &at, 8);
    cr_assert_eq(ZwReadFile(&call, h, 0, 0, 0, iosb, buf, 4, offset, 0), STATUS_SUCCESS);
    cr_assert_eq(information(), 2u);
    ZwClose(&call, h);
}

Test(file, sharing_follows_io_check_share_access)
{
    uint64_t a = 0, b = 0;
    /* A reader sharing reads only: a writer is refused, a reader is not. */
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 1, 1, SYNC, &a), STATUS_SUCCESS);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", WRITE, 3, 1, SYNC, &b),
                 STATUS_SHARING_VIOLATION);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 1, 1, SYNC, &b), STATUS_SUCCESS);
    ZwClose(&call, b);
    /* A reader not sharing writes cannot join a writer. */
    ZwClose(&call, a);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", WRITE, 1, 1, SYNC, &a), STATUS_SUCCESS);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 1, 1, SYNC, &b),
                 STATUS_SHARING_VIOLATION);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 3, 1, SYNC, &b), STATUS_SUCCESS);
    ZwClose(&call, b);
    ZwClose(&call, a);
    /* Attributes-only opens do not take part. */
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", WRITE, 0, 1, SYNC, &a), STATUS_SUCCESS);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", 0x100080u, 0, 1, SYNC, &b), STATUS_SUCCESS);
    ZwClose(&call, b);
    ZwClose(&call, a);
}

Test(file, reads_move_the_file_pointer_up_to_the_end)
{
    uint64_t h = 0;
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 1, 1, SYNC, &h), STATUS_SUCCESS);
    PVOID_VA buf = ex_alloc_internal(m, NonPagedPool, 16, 0x74736554u);
    cr_assert_eq(ZwReadFile(&call, h, 0, 0, 0, iosb, buf, 6, 0, 0), STATUS_SUCCESS);
    cr_assert_eq(information(), 6u);
    cr_assert_eq(ZwReadFile(&call, h, 0, 0, 0, iosb, buf, 6, 0, 0), STATUS_SUCCESS);
    cr_assert_eq(information(), 4u);
    char text[5] = {0};
    mm_peek(m->mm, buf, text, 4);
    cr_assert_str_eq(text, "6789");
    ke_field_set(&call, iosb, KE_FIELD(IO_STATUS_BLOCK, Information), 77);
    cr_assert_eq(ZwReadFile(&call, h, 0, 0, 0, iosb, buf, 6, 0, 0), STATUS_END_OF_FILE);
    cr_assert_eq(information(), 77u); /* an error: the IoStatusBlock is not written */
    /* The file pointer is the FILE_OBJECT's CurrentByteOffset. */
    PVOID_VA fo = 0, granted = 0;
    cr_assert_eq(ObReferenceObjectByHandle(&call, h, 1, 0, 0,
                                           &fo, &granted),
                 STATUS_SUCCESS);
    uint64_t position = 0;
    cr_assert(ke_field_get(&call, fo, KE_FIELD(FILE_OBJECT, CurrentByteOffset), &position));
    cr_assert_eq(position, 10u);
    cr_assert_eq(ob_object_type(m, fo), OB_TYPE_FILE);
    ObDereferenceObject(&call, fo);
    /* FilePositionInformation moves it; the length is checked first. */
    PVOID_VA info = ex_alloc_internal(m, NonPagedPool, 64, 0x74736554u);
    uint64_t zero = 2;
    mm_poke(m->mm, info, &zero, 8);
    cr_assert_eq(ZwSetInformationFile(&call, h, iosb, info, 4, 14), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(ZwSetInformationFile(&call, h, iosb, info, 8, 14), STATUS_SUCCESS);
    cr_assert_eq(ZwReadFile(&call, h, 0, 0, 0, iosb, buf, 1, 0, 0), STATUS_SUCCESS);
    mm_peek(m->mm, buf, text, 1);
    cr_assert_eq(text[0], '2');
    /* FileStandardInformation. */
    cr_assert_eq(ZwQueryInformationFile(&call, h, iosb, info, 23, 5), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(ZwQueryInformationFile(&call, h, iosb, info, 24, 5), STATUS_SUCCESS);
    uint64_t std[3] = {0};
    mm_peek(m->mm, info, std, 24);
    cr_assert_eq(std[0], 4096u); /* AllocationSize: a cluster */
    cr_assert_eq(std[1], 10u);   /* EndOfFile */
    cr_assert_eq(ZwQueryInformationFile(&call, h, iosb, info, 64, 2), STATUS_INVALID_INFO_CLASS);
    ZwClose(&call, h);
}

Test(file, writes_extend_and_append_only_opens_write_at_the_end)
{
    uint64_t h = 0;
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", 0x4 | 0x100000, 0, 1, SYNC, &h),
                 STATUS_SUCCESS); /* FILE_APPEND_DATA | SYNCHRONIZE */
    PVOID_VA buf = ex_alloc_internal(m, NonPagedPool, 16, 0x74736554u);
    mm_poke(m->mm, buf, "ab", 2);
    PVOID_VA offset = ex_alloc_internal(m, NonPagedPool, 8, 0x74736554u);
    uint64_t at = 0;
    mm_poke(m->mm, offset, &at, 8);
    cr_assert_eq(ZwWriteFile(&call, h, 0, 0, 0, iosb, buf, 2, offset, 0), STATUS_SUCCESS);
    ZwClose(&call, h);
    uint32_t size = 0;
    bool dir = false;
    const uint8_t *data = io_fs_harness_get(m, "\\??\\C:\\data\\config.txt", &size, &dir);
    cr_assert_eq(size, 12u);
    cr_assert_eq(memcmp(data, "0123456789ab", 12), 0);
}

Test(file, delete_on_close_and_disposition_remove_the_file_at_the_last_close)
{
    uint64_t a = 0, b = 0;
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ | DELETE, 7, 1, SYNC | 0x1000, &a),
                 STATUS_SUCCESS);
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 7, 1, SYNC, &b), STATUS_SUCCESS);
    ZwClose(&call, a);
    /* Delete pending: no new open, but the other handle still reads. */
    uint64_t c = 0;
    cr_assert_eq(create("\\??\\C:\\data\\config.txt", READ, 7, 1, SYNC, &c),
                 STATUS_DELETE_PENDING);
    PVOID_VA buf = ex_alloc_internal(m, NonPagedPool, 16, 0x74736554u);
    cr_assert_eq(ZwReadFile(&call, b, 0, 0, 0, iosb, buf, 4, 0, 0), STATUS_SUCCESS);
    ZwClose(&call, b);
    uint32_t size = 0;
    bool dir = false;
    cr_assert_null(io_fs_harness_get(m, "\\??\\C:\\data\\config.txt", &size, &dir));
    /* A directory with something in it cannot be deleted. */
    cr_assert_eq(io_fs_harness_set(m, "\\??\\C:\\data\\x", "1", 1), STATUS_SUCCESS);
    cr_assert_eq(create("\\??\\C:\\data", READ | DELETE, 7, 1, SYNC | 0x1, &a), STATUS_SUCCESS);
    PVOID_VA info = ex_alloc_internal(m, NonPagedPool, 8, 0x74736554u);
    uint8_t yes = 1;
    mm_poke(m->mm, info, &yes, 1);
    cr_assert_eq(ZwSetInformationFile(&call, a, iosb, info, 1, 13), STATUS_DIRECTORY_NOT_EMPTY);
    /* Relative to the open directory. */
    cr_assert_eq(ZwCreateFile(&call, &b, READ, attributes("x", a), iosb, 0, 0, 7, 1, SYNC, 0, 0),
                 STATUS_SUCCESS);
    cr_assert_eq(ZwSetInformationFile(&call, b, iosb, info, 1, 13), STATUS_SUCCESS);
    ZwClose(&call, b);
    cr_assert_eq(ZwSetInformationFile(&call, a, iosb, info, 1, 13), STATUS_SUCCESS);
    ZwClose(&call, a);
    cr_assert_null(io_fs_harness_get(m, "\\??\\C:\\data", &size, &dir));
    cr_assert(!dir);
}

TestSuite(file_x86, .init = boot_x86, .fini = shutdown);

Test(file_x86, the_file_object_has_x86s_layout)
{
    uint64_t h = 0;
    cr_assert_eq(create("\\DosDevices\\C:\\data\\config.txt", READ, 1, 1, SYNC, &h),
                 STATUS_SUCCESS);
    cr_assert_eq(information(), 1u); /* FILE_OPENED: Information at +4 on x86 */
    PVOID_VA buf = ex_alloc_internal(m, NonPagedPool, 16, 0x74736554u);
    cr_assert_eq(ZwReadFile(&call, h, 0, 0, 0, iosb, buf, 3, 0, 0), STATUS_SUCCESS);
    PVOID_VA fo = 0, granted = 0;
    cr_assert_eq(ObReferenceObjectByHandle(&call, h, 1, 0, 0, &fo, &granted), STATUS_SUCCESS);
    uint64_t v = 0;
    mm_peek(m->mm, fo + 0x38, &v, 8); /* CurrentByteOffset */
    cr_assert_eq(v, 3u);
    v = 0;
    mm_peek(m->mm, fo + 0x2C, &v, 4); /* Flags */
    cr_assert_eq(v & 0x2u, 0x2u);     /* FO_SYNCHRONOUS_IO */
    ObDereferenceObject(&call, fo);
    ZwClose(&call, h);
}
