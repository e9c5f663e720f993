/*
 * file.c - a small file namespace and the Zw file routines kernel-mode code
 * calls on it: ZwCreateFile, ZwOpenFile, ZwReadFile, ZwWriteFile,
 * ZwQueryInformationFile, ZwSetInformationFile, ZwFlushBuffersFile, and
 * ZwClose's cleanup of a file handle.
 *
 * The namespace is one volume per drive letter behind \??\X: (C: always
 * there, with \Windows\System32\drivers and \Windows\Temp), kept in host
 * memory: directories and files with their bytes. \DosDevices\ and
 * \GLOBAL??\ name \??\ as the object manager's links do, and \SystemRoot
 * names \??\C:\Windows. Names compare without regard to case (ASCII
 * letters), as NTFS compares them by default. The scenario seeds it
 * (scenario{ files = ... }) and the harness reads and writes it
 * (FileGet, FileSet).
 *
 * A Zw call is the system service with PreviousMode KernelMode: buffers are
 * not probed (a bad pointer faults, blamed on the caller), and the access a
 * kernel handle was granted is not checked by the I/O manager (NtReadFile's
 * ObReferenceObjectByHandle in KernelMode grants all, as in the Windows
 * Research Kernel); sharing is, by IoCheckShareAccess's rules, whatever the
 * caller's mode. The file system answers at once: no request is pending, no
 * simulated time passes, so an asynchronous file's read completes before
 * the call returns (an Event handle is set, an ApcRoutine refused: APCs to
 * kernel-mode callers of Zw routines are not modelled).
 *
 * Each open is a FILE_OBJECT in nonpaged pool (tag "File", the object
 * type's), its name after it, and a kernel handle; its CurrentByteOffset is
 * the file pointer of a synchronous open, as the I/O manager keeps it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cm/cm.h"
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
#define STATUS_DELETE_PENDING       ((NTSTATUS)0xC0000056u)
#define STATUS_EAS_NOT_SUPPORTED    ((NTSTATUS)0xC000004Fu)
#define STATUS_DISK_FULL            ((NTSTATUS)0xC000007Fu)
#define STATUS_FILE_IS_A_DIRECTORY  ((NTSTATUS)0xC00000BAu)
#define STATUS_NOT_A_DIRECTORY      ((NTSTATUS)0xC0000103u)
#define STATUS_DIRECTORY_NOT_EMPTY  ((NTSTATUS)0xC0000101u)
#define STATUS_OBJECT_PATH_NOT_FOUND ((NTSTATUS)0xC000003Au)
#define STATUS_OBJECT_TYPE_MISMATCH ((NTSTATUS)0xC0000024u)
#define STATUS_INVALID_HANDLE       ((NTSTATUS)0xC0000008u)
#define STATUS_ACCESS_DENIED        ((NTSTATUS)0xC0000022u)

/* Access rights (winnt.h) and their generic mapping for files
 * (IoGetFileObjectGenericMapping). */
#define FILE_READ_DATA        0x0001u
#define FILE_WRITE_DATA       0x0002u
#define FILE_APPEND_DATA      0x0004u
#define FILE_EXECUTE          0x0020u
#define DELETE_ACCESS         0x00010000u
#define SYNCHRONIZE_ACCESS    0x00100000u
#define MAXIMUM_ALLOWED_BIT   0x02000000u
#define GENERIC_ALL_BIT       0x10000000u
#define GENERIC_EXECUTE_BIT   0x20000000u
#define GENERIC_WRITE_BIT     0x40000000u
#define GENERIC_READ_BIT      0x80000000u
#define FILE_GENERIC_READ     0x00120089u
#define FILE_GENERIC_WRITE    0x00120116u
#define FILE_GENERIC_EXECUTE  0x001200A0u
#define FILE_ALL_ACCESS       0x001F01FFu

/* ShareAccess, CreateDisposition, CreateOptions, the IoStatusBlock's
 * Information for a create, and file attributes (wdm.h). */
#define FILE_SHARE_VALID_FLAGS 0x7u
enum { FILE_SUPERSEDE, FILE_OPEN, FILE_CREATE, FILE_OPEN_IF, FILE_OVERWRITE, FILE_OVERWRITE_IF };
enum { FILE_SUPERSEDED, FILE_OPENED, FILE_CREATED, FILE_OVERWRITTEN };
#define FILE_DIRECTORY_FILE            0x00000001u
#define FILE_WRITE_THROUGH             0x00000002u
#define FILE_SEQUENTIAL_ONLY           0x00000004u
#define FILE_SYNCHRONOUS_IO_ALERT      0x00000010u
#define FILE_SYNCHRONOUS_IO_NONALERT   0x00000020u
#define FILE_NON_DIRECTORY_FILE        0x00000040u
#define FILE_DELETE_ON_CLOSE           0x00001000u
#define FILE_VALID_OPTION_FLAGS        0x00FFFFFFu
#define FILE_ATTRIBUTE_READONLY        0x00000001u
#define FILE_ATTRIBUTE_DIRECTORY       0x00000010u
#define FILE_ATTRIBUTE_ARCHIVE         0x00000020u
#define FILE_ATTRIBUTE_NORMAL          0x00000080u
#define FILE_ATTRIBUTE_VALID_FLAGS     0x00007FB7u

/* FILE_OBJECT.Flags (wdm.h). */
#define FO_SYNCHRONOUS_IO  0x00000002u
#define FO_ALERTABLE_IO    0x00000004u
#define FO_WRITE_THROUGH   0x00000010u
#define FO_SEQUENTIAL_ONLY 0x00000020u
#define FO_FILE_MODIFIED   0x00001000u
#define FO_HANDLE_CREATED  0x00040000u

/* ByteOffset's special values (wdm.h: HighPart -1). */
#define FILE_WRITE_TO_END_OF_FILE      ((int64_t)0xFFFFFFFFFFFFFFFFull)
#define FILE_USE_FILE_POINTER_POSITION ((int64_t)0xFFFFFFFFFFFFFFFEull)

/* FILE_INFORMATION_CLASS. */
enum {
    FileBasicInformation = 4,
    FileStandardInformation = 5,
    FileDispositionInformation = 13,
    FilePositionInformation = 14,
    FileAllocationInformation = 19,
    FileEndOfFileInformation = 20,
    FileNetworkOpenInformation = 34,
    FileAttributeTagInformation = 35,
};

#define IO_TYPE_FILE     5
#define FILE_OBJECT_TAG  0x656C6946u /* "File", the File object type's tag */
#define CLUSTER          4096u       /* the volume's allocation unit */
#define MAX_PATH_BYTES   1024u

typedef struct io_fs_node {
    char *path; /* "\??\C:\dir\name", as first created */
    bool directory;
    uint8_t *data;
    uint32_t size, allocation;
    uint32_t attributes;
    int64_t creation, last_write;
    /* SHARE_ACCESS, as IoCheckShareAccess keeps it. */
    uint32_t open_count, readers, writers, deleters, shared_read, shared_write, shared_delete;
    bool delete_pending;
    bool removed;   /* no longer in the namespace */
    uint32_t holds; /* file objects that refer to it */
} io_fs_node;

typedef struct io_fs_file {
    io_fs_node *node;
    ke_object *object;
    ULONG access, share;
    bool read, write, del; /* what it counts in the node's share access */
    bool synchronous;
    bool append_only;
    bool delete_on_close;
    bool cleaned_up;
    struct io_fs_file *next, *prev;
} io_fs_file;

typedef struct io_fs {
    io_fs_node **nodes;
    uint32_t count, capacity;
    io_fs_file *files;
} io_fs;

/* ------------------------------------------------------------------------ */
/* The namespace                                                            */
/* ------------------------------------------------------------------------ */

static int64_t system_time(const ke_machine *m)
{
    return KE_BOOT_SYSTEM_TIME + (int64_t)m->des.now_100ns;
}

static io_fs_node *find(const io_fs *fs, const char *path)
{
    for (uint32_t i = 0; i < fs->count; i++) {
        if (strcasecmp(fs->nodes[i]->path, path) == 0)
            return fs->nodes[i];
    }
    return NULL;
}

static io_fs_node *add_node(ke_machine *m, io_fs *fs, const char *path, bool directory)
{
    io_fs_node *n = calloc(1, sizeof *n);
    char *copy = strdup(path);
    if (n == NULL || copy == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the file namespace");
    if (fs->count == fs->capacity) {
        uint32_t cap = fs->capacity ? fs->capacity * 2 : 16;
        io_fs_node **grown = realloc(fs->nodes, cap * sizeof *grown);
        if (grown == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory in the file namespace");
        fs->nodes = grown;
        fs->capacity = cap;
    }
    n->path = copy;
    n->directory = directory;
    /* NTFS marks a new file for archiving. */
    n->attributes = directory ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
    n->creation = n->last_write = system_time(m);
    fs->nodes[fs->count++] = n;
    return n;
}

static void free_node(io_fs_node *n)
{
    free(n->path);
    free(n->data);
    free(n);
}

/* Takes a node out of the namespace; its memory stays while a file object
 * holds it. */
static void remove_node(io_fs *fs, io_fs_node *n)
{
    for (uint32_t i = 0; i < fs->count; i++) {
        if (fs->nodes[i] == n) {
            memmove(&fs->nodes[i], &fs->nodes[i + 1], (fs->count - i - 1) * sizeof *fs->nodes);
            fs->count--;
            break;
        }
    }
    n->removed = true;
    if (n->holds == 0)
        free_node(n);
}

static io_fs *fs_get(ke_machine *m)
{
    if (m->fs != NULL)
        return m->fs;
    io_fs *fs = calloc(1, sizeof *fs);
    if (fs == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory in the file namespace");
    m->fs = fs;
    static const char *const standard[] = {
        "\\??\\C:",
        "\\??\\C:\\Windows",
        "\\??\\C:\\Windows\\System32",
        "\\??\\C:\\Windows\\System32\\drivers",
        "\\??\\C:\\Windows\\Temp",
    };
    for (size_t i = 0; i < sizeof standard / sizeof *standard; i++)
        add_node(m, fs, standard[i], true);
    return fs;
}

void io_fs_free(ke_machine *m)
{
    io_fs *fs = m->fs;
    if (fs == NULL)
        return;
    for (io_fs_file *f = fs->files, *next; f != NULL; f = next) {
        next = f->next;
        if (f->node->removed && --f->node->holds == 0)
            free_node(f->node);
        free(f);
    }
    for (uint32_t i = 0; i < fs->count; i++)
        free_node(fs->nodes[i]);
    free(fs->nodes);
    free(fs);
    m->fs = NULL;
}

/* The parent of a canonical path ("\??\C:\a\b" -> "\??\C:\a"), in out;
 * false for a volume's root. */
static bool parent_of(const char *path, char *out, size_t out_len)
{
    const char *slash = strrchr(path, '\\');
    size_t n = (size_t)(slash - path);
    if (n <= 3 || n >= out_len) /* "\??" */
        return false;
    memcpy(out, path, n);
    out[n] = 0;
    return true;
}

/*
 * Turns a name into the namespace's canonical form "\??\X:[\comp...]"
 * (out, at most MAX_PATH_BYTES). The status of a name that is not in it:
 * STATUS_OBJECT_PATH_SYNTAX_BAD when it is not absolute,
 * STATUS_OBJECT_NAME_INVALID for an empty component or a character a file
 * name cannot have, STATUS_NOT_SUPPORTED for a volume itself (\??\C:, a
 * device open drvsim does not model), STATUS_OBJECT_PATH_NOT_FOUND for a path through an
 * object directory or a drive letter that does not exist (a single
 * component: STATUS_OBJECT_NAME_NOT_FOUND, as the object manager's lookup
 * gives). *trailing says the name ended with a backslash.
 */
static NTSTATUS canonical(const char *name, char *out, bool *trailing)
{
    static const struct {
        const char *prefix, *as;
    } links[] = {
        {"\\??\\", "\\??\\"},
        {"\\DosDevices\\", "\\??\\"},
        {"\\GLOBAL??\\", "\\??\\"},
        {"\\SystemRoot", "\\??\\C:\\Windows"},
    };
    *trailing = false;
    if (name[0] != '\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    const char *rest = NULL, *as = NULL;
    for (size_t i = 0; i < sizeof links / sizeof *links && rest == NULL; i++) {
        size_t n = strlen(links[i].prefix);
        if (strncasecmp(name, links[i].prefix, n) == 0 &&
            (links[i].prefix[n - 1] == '\\' || name[n] == 0 || name[n] == '\\')) {
            rest = name + n;
            as = links[i].as;
        }
    }
    if (rest == NULL)
        return strchr(name + 1, '\\') != NULL ? STATUS_OBJECT_PATH_NOT_FOUND
                                               : STATUS_OBJECT_NAME_NOT_FOUND;
    size_t len = strlen(as) + strlen(rest);
    if (len + 1 > MAX_PATH_BYTES)
        return STATUS_OBJECT_NAME_INVALID;
    snprintf(out, MAX_PATH_BYTES, "%s%s", as, rest);
    /* \??\X: then components. */
    char *p = out + 4;
    if (!((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) || p[1] != ':')
        return strchr(p, '\\') != NULL ? STATUS_OBJECT_PATH_NOT_FOUND
                                       : STATUS_OBJECT_NAME_NOT_FOUND;
    if (p[0] >= 'a')
        p[0] = (char)(p[0] - 0x20);
    p += 2;
    if (*p == 0)
        return STATUS_NOT_SUPPORTED; /* the volume itself: not modelled */
    if (*p != '\\')
        return STATUS_OBJECT_NAME_NOT_FOUND;
    size_t end = strlen(out);
    if (end > 7 && out[end - 1] == '\\') {
        out[--end] = 0;
        *trailing = true;
    }
    for (char *c = p; *c != 0; c++) {
        if (*c == '\\' && (c[1] == '\\' || c[1] == 0) && end > 7)
            return STATUS_OBJECT_NAME_INVALID;
        if (strchr("*?\"<>|:", *c) != NULL || (unsigned char)*c < 0x20)
            return STATUS_OBJECT_NAME_INVALID;
    }
    if (end == 7) /* "\??\C:\": the root directory */
        out[6] = 0;
    return STATUS_SUCCESS;
}

/* The volume's root ("\??\C:") of a canonical path exists. */
static bool volume_exists(const io_fs *fs, const char *path)
{
    char root[8];
    memcpy(root, path, 6);
    root[6] = 0;
    return find(fs, root) != NULL;
}

/* ------------------------------------------------------------------------ */
/* The harness                                                              */
/* ------------------------------------------------------------------------ */

NTSTATUS io_fs_harness_set(ke_machine *m, const char *path, const void *data, uint32_t size)
{
    io_fs *fs = fs_get(m);
    char canon[MAX_PATH_BYTES];
    bool trailing = false;
    if (!NT_SUCCESS(canonical(path, canon, &trailing)) || (trailing && data != NULL) ||
        size > IO_FS_MAX_FILE)
        return STATUS_OBJECT_NAME_INVALID;
    /* Every directory on the way, the volume's root first. */
    for (size_t at = 6; canon[at] != 0; at++) {
        if (canon[at] != '\\' || at == 6)
            continue;
        canon[at] = 0;
        io_fs_node *d = find(fs, canon);
        if (d == NULL)
            add_node(m, fs, canon, true);
        else if (!d->directory)
            return STATUS_OBJECT_NAME_COLLISION;
        canon[at] = '\\';
    }
    char root[8];
    memcpy(root, canon, 6);
    root[6] = 0;
    if (find(fs, root) == NULL)
        add_node(m, fs, root, true);
    io_fs_node *n = find(fs, canon);
    if (n != NULL && n->directory != (data == NULL))
        return STATUS_OBJECT_NAME_COLLISION;
    if (n == NULL)
        n = add_node(m, fs, canon, data == NULL);
    if (data != NULL) {
        uint8_t *copy = malloc(size > 0 ? size : 1);
        if (copy == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory in the file namespace");
        memcpy(copy, data, size);
        free(n->data);
        n->data = copy;
        n->size = size;
        n->allocation = (size + CLUSTER - 1) & ~(CLUSTER - 1);
        n->last_write = system_time(m);
    }
    return STATUS_SUCCESS;
}

const uint8_t *io_fs_harness_get(ke_machine *m, const char *path, uint32_t *size,
                                 bool *is_directory)
{
    io_fs *fs = fs_get(m);
    char canon[MAX_PATH_BYTES];
    bool trailing = false;
    *size = 0;
    *is_directory = false;
    if (!NT_SUCCESS(canonical(path, canon, &trailing)))
        return NULL;
    io_fs_node *n = find(fs, canon);
    if (n == NULL)
        return NULL;
    if (n->directory) {
        *is_directory = true;
        return NULL;
    }
    *size = n->size;
    return n->data != NULL ? n->data : (const uint8_t *)"";
}

/* ------------------------------------------------------------------------ */
/* File objects                                                             */
/* ------------------------------------------------------------------------ */

static void set_field(ke_machine *m, PVOID_VA va, const ke_field *f, uint64_t v)
{
    ke_arch arch = m->config.arch;
    mm_poke(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
}

static void set_position(ke_machine *m, const io_fs_file *f, uint64_t position)
{
    set_field(m, f->object->va, KE_FIELD(FILE_OBJECT, CurrentByteOffset), position);
}

static uint64_t get_position(ke_machine *m, const io_fs_file *f)
{
    uint64_t v = 0;
    mm_peek(m->mm, f->object->va + KE_FIELD(FILE_OBJECT, CurrentByteOffset)->offset[m->config.arch],
            &v, 8);
    return v;
}

/* A new file object for n, named as the caller named it (UTF-16 units),
 * and a kernel handle to it; 0 when the pool is out. */
static uint64_t open_object(ke_call *call, io_fs_node *n, const uint16_t *name, uint32_t name_len,
                            ULONG flags, io_fs_file **out)
{
    ke_machine *m = call->m;
    io_fs *fs = fs_get(m);
    ke_arch arch = m->config.arch;
    uint32_t size = ke_types[KE_TYPE_FILE_OBJECT].size[arch];
    uint32_t bytes = size + name_len * 2 + 2;
    PVOID_VA va = ex_alloc_internal(m, NonPagedPoolNx, bytes, FILE_OBJECT_TAG);
    if (va == 0)
        return 0;
    mm_fill(m->mm, va, bytes, 0);
    set_field(m, va, KE_FIELD(FILE_OBJECT, Type), IO_TYPE_FILE);
    set_field(m, va, KE_FIELD(FILE_OBJECT, Size), size);
    set_field(m, va, KE_FIELD(FILE_OBJECT, Flags), flags);
    PVOID_VA us = va + KE_FIELD(FILE_OBJECT, FileName)->offset[arch];
    mm_poke(m->mm, va + size, name, name_len * 2);
    set_field(m, us, KE_FIELD(UNICODE_STRING, Length), name_len * 2);
    set_field(m, us, KE_FIELD(UNICODE_STRING, MaximumLength), name_len * 2 + 2);
    set_field(m, us, KE_FIELD(UNICODE_STRING, Buffer), va + size);
    ke_object *o = calloc(1, sizeof *o);
    io_fs_file *f = calloc(1, sizeof *f);
    if (o == NULL || f == NULL || !des_map_put(&m->objects, va, o))
        ke_panic(m, __FILE__, __LINE__, "out of host memory opening a file");
    o->va = va;
    o->type = KE_OBJECT_FILE;
    o->body = f;
    f->object = o;
    f->node = n;
    n->holds++;
    f->next = fs->files;
    if (fs->files != NULL)
        fs->files->prev = f;
    fs->files = f;
    *out = f;
    return ob_create_handle(m, o);
}

/* The file object a handle refers to. */
static io_fs_file *file_of(ke_call *call, uint64_t handle, NTSTATUS *status)
{
    ke_object *o = ob_handle_object(call->m, handle);
    if (o == NULL) {
        *status = STATUS_INVALID_HANDLE;
        return NULL;
    }
    if (o->type != KE_OBJECT_FILE) {
        *status = STATUS_OBJECT_TYPE_MISMATCH;
        return NULL;
    }
    *status = STATUS_SUCCESS;
    return o->body;
}

void io_fs_cleanup(ke_call *call, ke_object *o)
{
    io_fs_file *f = o->body;
    io_fs_node *n = f->node;
    if (f->cleaned_up)
        return;
    f->cleaned_up = true;
    /* IoRemoveShareAccess. */
    if (f->read || f->write || f->del) {
        n->open_count--;
        n->readers -= f->read;
        n->writers -= f->write;
        n->deleters -= f->del;
        n->shared_read -= (f->share & 0x1u) != 0;
        n->shared_write -= (f->share & 0x2u) != 0;
        n->shared_delete -= (f->share & 0x4u) != 0;
    }
    if (f->delete_on_close)
        n->delete_pending = true;
    /* The last cleanup of a file marked for deletion deletes it. */
    bool others = false;
    for (io_fs_file *g = call->m->fs->files; g != NULL && !others; g = g->next)
        others = g != f && g->node == n && !g->cleaned_up;
    if (n->delete_pending && !others && !n->removed)
        remove_node(call->m->fs, n);
}

void io_fs_file_released(ke_call *call, ke_object *o)
{
    ke_machine *m = call->m;
    io_fs *fs = m->fs;
    io_fs_file *f = o->body;
    io_fs_cleanup(call, o); /* a reference outliving its handle: cleanup ran */
    if (f->prev != NULL)
        f->prev->next = f->next;
    else
        fs->files = f->next;
    if (f->next != NULL)
        f->next->prev = f->prev;
    if (--f->node->holds == 0 && f->node->removed)
        free_node(f->node);
    free(f);
    des_map_remove(&m->objects, o->va);
    ke_call kernel = *call;
    kernel.driver = NULL;
    ExFreePool(&kernel, o->va);
    free(o);
}

/* ------------------------------------------------------------------------ */
/* Arguments                                                                */
/* ------------------------------------------------------------------------ */

static ULONG map_generic(ULONG a)
{
    if (a & GENERIC_READ_BIT)
        a |= FILE_GENERIC_READ;
    if (a & GENERIC_WRITE_BIT)
        a |= FILE_GENERIC_WRITE;
    if (a & GENERIC_EXECUTE_BIT)
        a |= FILE_GENERIC_EXECUTE;
    if (a & (GENERIC_ALL_BIT | MAXIMUM_ALLOWED_BIT))
        a |= FILE_ALL_ACCESS;
    return a & ~(GENERIC_READ_BIT | GENERIC_WRITE_BIT | GENERIC_EXECUTE_BIT | GENERIC_ALL_BIT |
                 MAXIMUM_ALLOWED_BIT);
}

/* Reads the OBJECT_ATTRIBUTES' name (UTF-16, *units to free) and makes the
 * canonical path, relative to RootDirectory's directory when given. */
static NTSTATUS object_path(ke_call *call, PVOID_VA ObjectAttributes, char *canon, bool *trailing,
                            uint16_t **units, uint32_t *units_len)
{
    ke_machine *m = call->m;
    bool x86 = m->config.arch == KE_ARCH_X86;
    unsigned ptr = x86 ? 4 : 8;
    uint32_t length = 0;
    uint64_t root = 0, name = 0, buffer = 0, name_bytes = 0;
    *units = NULL;
    if (!mm_access(call, ObjectAttributes, &length, 4, false) ||
        !mm_access(call, ObjectAttributes + ptr, &root, ptr, false) ||
        !mm_access(call, ObjectAttributes + 2 * ptr, &name, ptr, false))
        return STATUS_ACCESS_VIOLATION;
    if (length != (x86 ? 0x18u : 0x30u))
        return STATUS_INVALID_PARAMETER;
    if (name == 0)
        return STATUS_OBJECT_NAME_INVALID;
    if (!ke_field_get(call, name, KE_FIELD(UNICODE_STRING, Length), &name_bytes) ||
        !ke_field_get(call, name, KE_FIELD(UNICODE_STRING, Buffer), &buffer))
        return STATUS_ACCESS_VIOLATION;
    uint32_t n = (uint32_t)(name_bytes / 2);
    if (n == 0 || n >= MAX_PATH_BYTES / 3)
        return STATUS_OBJECT_NAME_INVALID;
    uint16_t *u = malloc((size_t)n * 2 + 2);
    if (u == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory reading a file name");
    if (!mm_access(call, buffer, u, (size_t)n * 2, false)) {
        free(u);
        return STATUS_ACCESS_VIOLATION;
    }
    *units = u;
    *units_len = n;
    for (uint32_t i = 0; i < n; i++) {
        if (u[i] == 0)
            return STATUS_OBJECT_NAME_INVALID;
    }
    char text[MAX_PATH_BYTES]; /* at most 3 bytes a unit: n < MAX_PATH_BYTES / 3 */
    size_t used = cm_utf16_to_utf8(u, n, text);
    text[used] = 0;
    if (root == 0)
        return canonical(text, canon, trailing);
    /* Relative to an open directory. */
    NTSTATUS status;
    io_fs_file *dir = file_of(call, root, &status);
    if (dir == NULL)
        return status;
    if (!dir->node->directory || text[0] == '\\')
        return STATUS_OBJECT_NAME_INVALID;
    char joined[MAX_PATH_BYTES + 8];
    int w = snprintf(joined, sizeof joined, "%s\\%s", dir->node->path, text);
    if (w < 0 || (size_t)w >= MAX_PATH_BYTES)
        return STATUS_OBJECT_NAME_INVALID;
    return canonical(joined, canon, trailing);
}

static void write_iosb(ke_call *call, PVOID_VA IoStatusBlock, NTSTATUS status, uint64_t info)
{
    if (IoStatusBlock == 0)
        return;
    if (ke_field_set(call, IoStatusBlock, KE_FIELD(IO_STATUS_BLOCK, Status), (uint32_t)status))
        ke_field_set(call, IoStatusBlock, KE_FIELD(IO_STATUS_BLOCK, Information), info);
}

/* ------------------------------------------------------------------------ */
/* ZwCreateFile and ZwOpenFile                                              */
/* ------------------------------------------------------------------------ */

/* IoCheckShareAccess's test (with Update), on the namespace's node. */
static bool share_conflict(const io_fs_node *n, bool read, bool write, bool del, ULONG share)
{
    if (!read && !write && !del)
        return false;
    bool sr = (share & 1u) != 0, sw = (share & 2u) != 0, sd = (share & 4u) != 0;
    return (read && n->shared_read < n->open_count) || (write && n->shared_write < n->open_count) ||
           (del && n->shared_delete < n->open_count) || (n->readers != 0 && !sr) ||
           (n->writers != 0 && !sw) || (n->deleters != 0 && !sd);
}

static NTSTATUS create_file(ke_call *call, uint64_t *FileHandle, ULONG DesiredAccess,
                            PVOID_VA ObjectAttributes, PVOID_VA IoStatusBlock,
                            PVOID_VA AllocationSize, ULONG FileAttributes, ULONG ShareAccess,
                            ULONG CreateDisposition, ULONG CreateOptions, PVOID_VA EaBuffer,
                            ULONG EaLength)
{
    ke_machine *m = call->m;
    *FileHandle = 0;
    /* The I/O manager's parameter checks (IoCreateFile's). */
    ULONG sync = CreateOptions & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT);
    ULONG access = map_generic(DesiredAccess);
    if (CreateDisposition > FILE_OVERWRITE_IF || (CreateOptions & ~FILE_VALID_OPTION_FLAGS) != 0 ||
        (FileAttributes & ~FILE_ATTRIBUTE_VALID_FLAGS) != 0 ||
        (ShareAccess & ~FILE_SHARE_VALID_FLAGS) != 0 ||
        sync == (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT) ||
        (sync != 0 && (access & SYNCHRONIZE_ACCESS) == 0) ||
        (CreateOptions & (FILE_DIRECTORY_FILE | FILE_NON_DIRECTORY_FILE)) ==
            (FILE_DIRECTORY_FILE | FILE_NON_DIRECTORY_FILE) ||
        ((CreateOptions & FILE_DIRECTORY_FILE) != 0 && CreateDisposition != FILE_CREATE &&
         CreateDisposition != FILE_OPEN && CreateDisposition != FILE_OPEN_IF) ||
        ((CreateOptions & FILE_DELETE_ON_CLOSE) != 0 && (access & DELETE_ACCESS) == 0))
        return STATUS_INVALID_PARAMETER;
    if (EaBuffer != 0 && EaLength != 0)
        return STATUS_EAS_NOT_SUPPORTED; /* extended attributes: not modelled */
    uint64_t allocation = 0;
    if (AllocationSize != 0 && !mm_access(call, AllocationSize, &allocation, 8, false))
        return STATUS_ACCESS_VIOLATION;
    io_fs *fs = fs_get(m);
    char canon[MAX_PATH_BYTES];
    bool trailing = false;
    uint16_t *units = NULL;
    uint32_t units_len = 0;
    NTSTATUS status = object_path(call, ObjectAttributes, canon, &trailing, &units, &units_len);
    if (!NT_SUCCESS(status)) {
        free(units);
        return status;
    }
    io_fs_node *n = NULL;
    char parent[MAX_PATH_BYTES];
    if (!volume_exists(fs, canon)) {
        status = strlen(canon) > 6 ? STATUS_OBJECT_PATH_NOT_FOUND : STATUS_OBJECT_NAME_NOT_FOUND;
    } else if (strlen(canon) == 6) {
        n = find(fs, canon); /* the root directory */
    } else {
        bool has_parent = parent_of(canon, parent, sizeof parent);
        io_fs_node *p = has_parent ? find(fs, parent) : NULL;
        if (p == NULL || !p->directory)
            status = STATUS_OBJECT_PATH_NOT_FOUND;
        else
            n = find(fs, canon);
    }
    bool want_dir = (CreateOptions & FILE_DIRECTORY_FILE) != 0;
    ULONG information = FILE_OPENED;
    if (NT_SUCCESS(status) && n != NULL) {
        if (n->delete_pending)
            status = STATUS_DELETE_PENDING;
        else if (CreateDisposition == FILE_CREATE)
            status = STATUS_OBJECT_NAME_COLLISION;
        else if (n->directory && (CreateOptions & FILE_NON_DIRECTORY_FILE) != 0)
            status = STATUS_FILE_IS_A_DIRECTORY;
        else if (!n->directory && (want_dir || trailing))
            status = trailing ? STATUS_OBJECT_NAME_INVALID : STATUS_NOT_A_DIRECTORY;
        else if (n->directory && (CreateDisposition == FILE_SUPERSEDE ||
                                  CreateDisposition == FILE_OVERWRITE ||
                                  CreateDisposition == FILE_OVERWRITE_IF))
            status = STATUS_FILE_IS_A_DIRECTORY;
        else if ((n->attributes & FILE_ATTRIBUTE_READONLY) != 0 &&
                 ((access & (FILE_WRITE_DATA | FILE_APPEND_DATA | DELETE_ACCESS)) != 0 ||
                  (CreateDisposition != FILE_OPEN && CreateDisposition != FILE_OPEN_IF)))
            status = STATUS_ACCESS_DENIED;
    } else if (NT_SUCCESS(status)) {
        if (CreateDisposition == FILE_OPEN || CreateDisposition == FILE_OVERWRITE)
            status = STATUS_OBJECT_NAME_NOT_FOUND;
        else if (trailing && !want_dir)
            status = STATUS_OBJECT_NAME_INVALID;
    }
    bool read = (access & (FILE_READ_DATA | FILE_EXECUTE)) != 0;
    bool write = (access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) != 0;
    bool del = (access & DELETE_ACCESS) != 0;
    if (NT_SUCCESS(status) && n != NULL && share_conflict(n, read, write, del, ShareAccess))
        status = STATUS_SHARING_VIOLATION;
    if (!NT_SUCCESS(status)) {
        free(units);
        return status;
    }
    if (n == NULL) {
        n = add_node(m, fs, canon, want_dir);
        if (!want_dir)
            n->attributes = (FileAttributes & ~FILE_ATTRIBUTE_NORMAL) | FILE_ATTRIBUTE_ARCHIVE;
        n->allocation = (uint32_t)((allocation + CLUSTER - 1) & ~(uint64_t)(CLUSTER - 1));
        information = FILE_CREATED;
    } else if (CreateDisposition == FILE_SUPERSEDE || CreateDisposition == FILE_OVERWRITE ||
               CreateDisposition == FILE_OVERWRITE_IF) {
        free(n->data);
        n->data = NULL;
        n->size = 0;
        n->allocation = (uint32_t)((allocation + CLUSTER - 1) & ~(uint64_t)(CLUSTER - 1));
        n->last_write = system_time(m);
        information = CreateDisposition == FILE_SUPERSEDE ? FILE_SUPERSEDED : FILE_OVERWRITTEN;
    }
    ULONG flags = FO_HANDLE_CREATED;
    if (sync != 0)
        flags |= FO_SYNCHRONOUS_IO;
    if (sync == FILE_SYNCHRONOUS_IO_ALERT)
        flags |= FO_ALERTABLE_IO;
    if (CreateOptions & FILE_WRITE_THROUGH)
        flags |= FO_WRITE_THROUGH;
    if (CreateOptions & FILE_SEQUENTIAL_ONLY)
        flags |= FO_SEQUENTIAL_ONLY;
    io_fs_file *f = NULL;
    uint64_t handle = open_object(call, n, units, units_len, flags, &f);
    free(units);
    if (handle == 0) {
        if (information == FILE_CREATED)
            remove_node(fs, n);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    /* IoSetShareAccess: the file object's booleans and the node's counts. */
    f->access = access;
    f->share = ShareAccess;
    f->read = read;
    f->write = write;
    f->del = del;
    if (read || write || del) {
        n->open_count++;
        n->readers += read;
        n->writers += write;
        n->deleters += del;
        n->shared_read += (ShareAccess & 1u) != 0;
        n->shared_write += (ShareAccess & 2u) != 0;
        n->shared_delete += (ShareAccess & 4u) != 0;
    }
    f->synchronous = sync != 0;
    f->append_only = (access & FILE_APPEND_DATA) != 0 && (access & FILE_WRITE_DATA) == 0;
    f->delete_on_close = (CreateOptions & FILE_DELETE_ON_CLOSE) != 0;
    PVOID_VA fo = f->object->va;
    set_field(m, fo, KE_FIELD(FILE_OBJECT, ReadAccess), read);
    set_field(m, fo, KE_FIELD(FILE_OBJECT, WriteAccess), write);
    set_field(m, fo, KE_FIELD(FILE_OBJECT, DeleteAccess), del);
    set_field(m, fo, KE_FIELD(FILE_OBJECT, SharedRead), (ShareAccess & 1u) != 0);
    set_field(m, fo, KE_FIELD(FILE_OBJECT, SharedWrite), (ShareAccess & 2u) != 0);
    set_field(m, fo, KE_FIELD(FILE_OBJECT, SharedDelete), (ShareAccess & 4u) != 0);
    *FileHandle = handle;
    write_iosb(call, IoStatusBlock, STATUS_SUCCESS, information);
    return STATUS_SUCCESS;
}

NTSTATUS ZwCreateFile(ke_call *call, uint64_t *FileHandle, ULONG DesiredAccess,
                      PVOID_VA ObjectAttributes, PVOID_VA IoStatusBlock, PVOID_VA AllocationSize,
                      ULONG FileAttributes, ULONG ShareAccess, ULONG CreateDisposition,
                      ULONG CreateOptions, PVOID_VA EaBuffer, ULONG EaLength)
{
    return create_file(call, FileHandle, DesiredAccess, ObjectAttributes, IoStatusBlock,
                       AllocationSize, FileAttributes, ShareAccess, CreateDisposition,
                       CreateOptions, EaBuffer, EaLength);
}

NTSTATUS ZwOpenFile(ke_call *call, uint64_t *FileHandle, ULONG DesiredAccess,
                    PVOID_VA ObjectAttributes, PVOID_VA IoStatusBlock, ULONG ShareAccess,
                    ULONG OpenOptions)
{
    return create_file(call, FileHandle, DesiredAccess, ObjectAttributes, IoStatusBlock, 0, 0,
                       ShareAccess, FILE_OPEN, OpenOptions, 0, 0);
}

/* ------------------------------------------------------------------------ */
/* Reading and writing                                                      */
/* ------------------------------------------------------------------------ */

/* The offset a transfer starts at: ByteOffset, or the file pointer of a
 * synchronous open. */
static NTSTATUS transfer_offset(ke_call *call, io_fs_file *f, PVOID_VA ByteOffset, bool write,
                                uint64_t *offset)
{
    int64_t given = 0;
    if (ByteOffset != 0 && !mm_access(call, ByteOffset, &given, 8, false))
        return STATUS_ACCESS_VIOLATION;
    if (ByteOffset == 0 || given == FILE_USE_FILE_POINTER_POSITION) {
        if (!f->synchronous)
            return STATUS_INVALID_PARAMETER; /* an asynchronous file has no file pointer */
        *offset = get_position(call->m, f);
    } else if (write && given == FILE_WRITE_TO_END_OF_FILE) {
        *offset = f->node->size;
    } else if (given < 0) {
        return STATUS_INVALID_PARAMETER;
    } else {
        *offset = (uint64_t)given;
    }
    if (write && f->append_only)
        *offset = f->node->size;
    return STATUS_SUCCESS;
}

/* What the file system does at the end of a request that completed: the
 * IoStatusBlock, then the event. */
static NTSTATUS complete(ke_call *call, PVOID_VA IoStatusBlock, uint64_t Event, NTSTATUS status,
                         uint64_t information)
{
    write_iosb(call, IoStatusBlock, status, information);
    if (Event != 0) {
        ke_object *e = ob_handle_object(call->m, Event);
        KeSetEvent(call, e->va, 0, false);
    }
    return status;
}

/* The Event and ApcRoutine arguments, checked as NtReadFile does first. */
static NTSTATUS check_event(ke_call *call, uint64_t Event, PVOID_VA ApcRoutine)
{
    if (ApcRoutine != 0)
        return STATUS_NOT_SUPPORTED; /* kernel APCs of Zw I/O: not modelled */
    if (Event == 0)
        return STATUS_SUCCESS;
    ke_object *e = ob_handle_object(call->m, Event);
    if (e == NULL)
        return STATUS_INVALID_HANDLE;
    if (ob_object_type(call->m, e->va) != OB_TYPE_EVENT)
        return STATUS_OBJECT_TYPE_MISMATCH;
    KeClearEvent(call, e->va);
    return STATUS_SUCCESS;
}

NTSTATUS ZwReadFile(ke_call *call, uint64_t FileHandle, uint64_t Event, PVOID_VA ApcRoutine,
                    PVOID_VA ApcContext, PVOID_VA IoStatusBlock, PVOID_VA Buffer, ULONG Length,
                    PVOID_VA ByteOffset, PVOID_VA Key)
{
    (void)ApcContext;
    (void)Key; /* byte-range locks: not modelled, so no key is needed */
    NTSTATUS status;
    io_fs_file *f = file_of(call, FileHandle, &status);
    if (f == NULL)
        return status;
    status = check_event(call, Event, ApcRoutine);
    if (!NT_SUCCESS(status))
        return status;
    if (f->node->directory)
        return STATUS_INVALID_DEVICE_REQUEST;
    uint64_t offset = 0;
    status = transfer_offset(call, f, ByteOffset, false, &offset);
    if (!NT_SUCCESS(status))
        return status;
    io_fs_node *n = f->node;
    if (Length == 0)
        return complete(call, IoStatusBlock, Event, STATUS_SUCCESS, 0);
    if (offset >= n->size)
        return STATUS_END_OF_FILE; /* an error: the IoStatusBlock is not written */
    uint32_t count = (uint32_t)(n->size - offset < Length ? n->size - offset : Length);
    if (!mm_access(call, Buffer, n->data + offset, count, true))
        return STATUS_ACCESS_VIOLATION;
    if (f->synchronous)
        set_position(call->m, f, offset + count);
    return complete(call, IoStatusBlock, Event, STATUS_SUCCESS, count);
}

NTSTATUS ZwWriteFile(ke_call *call, uint64_t FileHandle, uint64_t Event, PVOID_VA ApcRoutine,
                     PVOID_VA ApcContext, PVOID_VA IoStatusBlock, PVOID_VA Buffer, ULONG Length,
                     PVOID_VA ByteOffset, PVOID_VA Key)
{
    (void)ApcContext;
    (void)Key;
    ke_machine *m = call->m;
    NTSTATUS status;
    io_fs_file *f = file_of(call, FileHandle, &status);
    if (f == NULL)
        return status;
    status = check_event(call, Event, ApcRoutine);
    if (!NT_SUCCESS(status))
        return status;
    if (f->node->directory)
        return STATUS_INVALID_DEVICE_REQUEST;
    uint64_t offset = 0;
    status = transfer_offset(call, f, ByteOffset, true, &offset);
    if (!NT_SUCCESS(status))
        return status;
    io_fs_node *n = f->node;
    if (Length == 0)
        return complete(call, IoStatusBlock, Event, STATUS_SUCCESS, 0);
    if (offset + Length > IO_FS_MAX_FILE)
        return STATUS_DISK_FULL;
    uint8_t *bytes = malloc(Length);
    if (bytes == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory writing a file");
    if (!mm_access(call, Buffer, bytes, Length, false)) {
        free(bytes);
        return STATUS_ACCESS_VIOLATION;
    }
    uint32_t end = (uint32_t)(offset + Length);
    if (end > n->size) {
        uint8_t *grown = realloc(n->data, end);
        if (grown == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory writing a file");
        memset(grown + n->size, 0, end - n->size);
        n->data = grown;
        n->size = end;
        if (n->allocation < end)
            n->allocation = (end + CLUSTER - 1) & ~(CLUSTER - 1);
    }
    memcpy(n->data + offset, bytes, Length);
    free(bytes);
    n->last_write = system_time(m);
    PVOID_VA fo = f->object->va;
    ULONG flags = 0;
    mm_peek(m->mm, fo + KE_FIELD(FILE_OBJECT, Flags)->offset[m->config.arch], &flags, 4);
    set_field(m, fo, KE_FIELD(FILE_OBJECT, Flags), flags | FO_FILE_MODIFIED);
    if (f->synchronous)
        set_position(m, f, end);
    return complete(call, IoStatusBlock, Event, STATUS_SUCCESS, Length);
}

/* ------------------------------------------------------------------------ */
/* Information                                                              */
/* ------------------------------------------------------------------------ */

NTSTATUS ZwQueryInformationFile(ke_call *call, uint64_t FileHandle, PVOID_VA IoStatusBlock,
                                PVOID_VA FileInformation, ULONG Length,
                                ULONG FileInformationClass)
{
    NTSTATUS status;
    io_fs_file *f = file_of(call, FileHandle, &status);
    if (f == NULL)
        return status;
    const io_fs_node *n = f->node;
    uint8_t info[56] = {0};
    uint32_t size = 0;
    int64_t t[4] = {n->creation, n->last_write, n->last_write, n->last_write};
    uint64_t allocation = n->allocation, eof = n->size;
    switch (FileInformationClass) {
    case FileBasicInformation: /* four times, FileAttributes */
        memcpy(info, t, 32);
        memcpy(info + 32, &n->attributes, 4);
        size = 40;
        break;
    case FileStandardInformation: { /* AllocationSize, EndOfFile, NumberOfLinks,
                                       DeletePending, Directory */
        uint32_t links = 1;
        memcpy(info, &allocation, 8);
        memcpy(info + 8, &eof, 8);
        memcpy(info + 16, &links, 4);
        info[20] = n->delete_pending;
        info[21] = n->directory;
        size = 24;
        break;
    }
    case FilePositionInformation: {
        uint64_t position = get_position(call->m, f);
        memcpy(info, &position, 8);
        size = 8;
        break;
    }
    case FileNetworkOpenInformation: /* four times, AllocationSize, EndOfFile, FileAttributes */
        memcpy(info, t, 32);
        memcpy(info + 32, &allocation, 8);
        memcpy(info + 40, &eof, 8);
        memcpy(info + 48, &n->attributes, 4);
        size = 56;
        break;
    case FileAttributeTagInformation: /* FileAttributes, ReparseTag */
        memcpy(info, &n->attributes, 4);
        size = 8;
        break;
    default:
        /* Other classes are Windows' too, but drvsim's file system does not
         * answer them. */
        return STATUS_INVALID_INFO_CLASS;
    }
    if (Length < size)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (!mm_access(call, FileInformation, info, size, true))
        return STATUS_ACCESS_VIOLATION;
    write_iosb(call, IoStatusBlock, STATUS_SUCCESS, size);
    return STATUS_SUCCESS;
}

NTSTATUS ZwSetInformationFile(ke_call *call, uint64_t FileHandle, PVOID_VA IoStatusBlock,
                              PVOID_VA FileInformation, ULONG Length, ULONG FileInformationClass)
{
    ke_machine *m = call->m;
    NTSTATUS status;
    io_fs_file *f = file_of(call, FileHandle, &status);
    if (f == NULL)
        return status;
    io_fs_node *n = f->node;
    uint32_t size;
    switch (FileInformationClass) {
    case FilePositionInformation:
    case FileAllocationInformation:
    case FileEndOfFileInformation:
        size = 8;
        break;
    case FileDispositionInformation:
        size = 1;
        break;
    default:
        return STATUS_INVALID_INFO_CLASS;
    }
    if (Length < size)
        return STATUS_INFO_LENGTH_MISMATCH;
    int64_t v = 0;
    if (!mm_access(call, FileInformation, &v, size, false))
        return STATUS_ACCESS_VIOLATION;
    if (size == 1)
        v &= 0xFF;
    switch (FileInformationClass) {
    case FilePositionInformation:
        if (v < 0)
            return STATUS_INVALID_PARAMETER;
        set_position(m, f, (uint64_t)v);
        break;
    case FileAllocationInformation:
    case FileEndOfFileInformation:
        if (n->directory)
            return STATUS_INVALID_PARAMETER;
        if (v < 0)
            return STATUS_INVALID_PARAMETER;
        if ((uint64_t)v > IO_FS_MAX_FILE)
            return STATUS_DISK_FULL;
        if (FileInformationClass == FileAllocationInformation) {
            /* The allocation; a file shorter than its data is truncated. */
            n->allocation = (uint32_t)(((uint64_t)v + CLUSTER - 1) & ~(uint64_t)(CLUSTER - 1));
            if ((uint64_t)v >= n->size)
                break;
        }
        if ((uint64_t)v > n->size) {
            uint8_t *grown = realloc(n->data, (size_t)v);
            if (grown == NULL)
                ke_panic(m, __FILE__, __LINE__, "out of host memory in the file namespace");
            memset(grown + n->size, 0, (size_t)v - n->size);
            n->data = grown;
        }
        n->size = (uint32_t)v;
        if (n->allocation < n->size)
            n->allocation = (n->size + CLUSTER - 1) & ~(CLUSTER - 1);
        n->last_write = system_time(m);
        break;
    case FileDispositionInformation:
        if (v != 0 && n->directory) {
            for (uint32_t i = 0; i < m->fs->count; i++) {
                char parent[MAX_PATH_BYTES];
                if (parent_of(m->fs->nodes[i]->path, parent, sizeof parent) &&
                    strcasecmp(parent, n->path) == 0)
                    return STATUS_DIRECTORY_NOT_EMPTY;
            }
        }
        if (v != 0 && (n->attributes & FILE_ATTRIBUTE_READONLY) != 0)
            return STATUS_CANNOT_DELETE;
        if (v != 0 && strlen(n->path) == 6)
            return STATUS_CANNOT_DELETE; /* a volume's root */
        n->delete_pending = v != 0;
        break;
    }
    write_iosb(call, IoStatusBlock, STATUS_SUCCESS, 0);
    return STATUS_SUCCESS;
}

/* Nothing is cached: the data is already where a flush would put it. */
NTSTATUS ZwFlushBuffersFile(ke_call *call, uint64_t FileHandle, PVOID_VA IoStatusBlock)
{
    NTSTATUS status;
    if (file_of(call, FileHandle, &status) == NULL)
        return status;
    write_iosb(call, IoStatusBlock, STATUS_SUCCESS, 0);
    return STATUS_SUCCESS;
}
