/*
 * request.c - requests from applications: the I/O manager's part of
 * CreateFile, ReadFile, WriteFile, DeviceIoControl and CloseHandle (the
 * harness functions of lua/io.c).
 *
 * An open device is a FILE_OBJECT in nonpaged pool and a handle; each
 * request is an IRP of the I/O manager's (IO_IRP_USER) with RequestorMode
 * UserMode, its thread the caller's, sent to the top of the device's stack.
 * The I/O calls take the application's data as strings, so their buffers
 * are copies: buffered I/O gets a system buffer as on Windows; direct I/O
 * an MDL over a nonpaged copy standing for the locked user pages.
 * METHOD_NEITHER (and a read or write to a device with neither
 * DO_BUFFERED_IO nor DO_DIRECT_IO) hands the driver the application's own
 * addresses, as the I/O manager does: Type3InputBuffer and UserBuffer in
 * the calling process's user address space (sim/mm/user.c), a copy of the
 * input string and a new output buffer there, or buffers the application
 * names; the System process (run()) has no user space and cannot ask.
 * The request's completion copies the output for the application and sets
 * the request's event, which a synchronous caller waits on.
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
#include "ps/ps.h"

#define IO_TYPE_FILE         5
#define IO_REQUEST_POOL_TAG  0x71526F49u /* "IoRq" */
#define IO_FILE_POOL_TAG     0x656C6946u /* "File" */
#define IO_FIRST_USER_HANDLE 0x1000u

static void set(ke_machine *m, PVOID_VA va, const ke_field *f, uint64_t v)
{
    ke_arch arch = m->config.arch;
    mm_poke(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
}

static uint64_t get(ke_machine *m, PVOID_VA va, const ke_field *f)
{
    uint64_t v = 0;
    ke_arch arch = m->config.arch;
    mm_peek(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
    return v;
}

static io_requests *requests_of(ke_machine *m)
{
    if (m->requests == NULL) {
        m->requests = calloc(1, sizeof *m->requests);
        if (m->requests == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory for requests");
        m->requests->next_handle = IO_FIRST_USER_HANDLE;
        m->requests->next_id = 1;
    }
    return m->requests;
}

io_file *io_file_of_handle(const ke_machine *m, uint64_t handle)
{
    if (m->requests == NULL)
        return NULL;
    for (io_file *f = m->requests->files; f != NULL; f = f->next) {
        if (f->handle == handle && !f->closed)
            return f;
    }
    return NULL;
}

io_request *io_request_of_id(const ke_machine *m, uint32_t id)
{
    if (m->requests == NULL)
        return NULL;
    for (io_request *r = m->requests->list; r != NULL; r = r->next) {
        if (r->id == id)
            return r;
    }
    return NULL;
}

/* "\\.\Echo" names what a driver linked as \DosDevices\Echo (or \??\Echo,
 * \GLOBAL??\Echo); an NT path is looked up as it is. */
io_device *io_resolve_path(const ke_machine *m, const char *path)
{
    if (strncmp(path, "\\\\.\\", 4) == 0) {
        static const char *const prefixes[] = {"\\DosDevices\\", "\\??\\", "\\GLOBAL??\\"};
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
            char name[160];
            snprintf(name, sizeof name, "%s%s", prefixes[i], path + 4);
            const char *target = io_symbolic_link_target(m, name);
            if (target != NULL)
                return io_device_by_name(m, target);
        }
        return NULL;
    }
    return io_device_by_name(m, path);
}

uint64_t io_next_user_handle(ke_machine *m)
{
    io_requests *rs = requests_of(m);
    uint64_t h = rs->next_handle;
    rs->next_handle += 4;
    return h;
}

io_file *io_file_open(ke_call *call, io_device *dev)
{
    ke_machine *m = call->m;
    io_requests *rs = requests_of(m);
    uint32_t bytes = ke_types[KE_TYPE_FILE_OBJECT].size[m->config.arch];
    PVOID_VA fo = ex_alloc_internal(m, NonPagedPoolNx, bytes, IO_FILE_POOL_TAG);
    io_file *f = calloc(1, sizeof *f);
    if (fo == 0 || f == NULL) {
        free(f);
        return NULL;
    }
    mm_fill(m->mm, fo, bytes, 0);
    set(m, fo, KE_FIELD(FILE_OBJECT, Type), IO_TYPE_FILE);
    set(m, fo, KE_FIELD(FILE_OBJECT, Size), bytes);
    set(m, fo, KE_FIELD(FILE_OBJECT, DeviceObject), dev->va);
    f->file_object = fo;
    f->device = dev;
    f->process = call->thread->process;
    f->handle = rs->next_handle;
    rs->next_handle += 4;
    io_device_reference(dev); /* the file object references its device */
    f->next = rs->files;
    rs->files = f;
    return f;
}

void io_file_release(ke_call *call, io_file *f)
{
    ke_machine *m = call->m;
    io_requests *rs = requests_of(m);
    for (io_file **p = &rs->files; *p != NULL; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            break;
        }
    }
    ke_call kernel = *call;
    kernel.driver = NULL;
    ExFreePool(&kernel, f->file_object);
    io_device_dereference(&kernel, f->device);
    free(f);
}

/* Copies host bytes into a new nonpaged block (the kernel's copy of an
 * application's buffer); 0 when the pool is out. */
static PVOID_VA kernel_copy(ke_machine *m, uint32_t bytes, const void *data, uint32_t data_len)
{
    PVOID_VA b = ex_alloc_internal(m, NonPagedPoolNx, bytes ? bytes : 1u, IO_REQUEST_POOL_TAG);
    if (b != 0 && data_len != 0)
        mm_poke(m->mm, b, data, data_len);
    return b;
}

void io_request_free(ke_call *call, io_request *r)
{
    ke_machine *m = call->m;
    io_requests *rs = requests_of(m);
    for (io_request **p = &rs->list; *p != NULL; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    ke_call kernel = *call;
    kernel.driver = NULL;
    if (r->irp != 0) {
        /* Never completed: the application gives up on it (the handle's
         * cleanup would cancel it); the IRP stays with the driver. */
        io_irp *irp = io_irp_at(m, r->irp);
        if (irp != NULL)
            irp->request = NULL;
    }
    if (r->event != 0 && r->done)
        ExFreePool(&kernel, r->event); /* a pending request's event stays for its IRP */
    if (r->owned_in != 0)
        mm_user_free(m, r->file->process, r->owned_in, r->owned_in_len);
    if (r->owned_out != 0)
        mm_user_free(m, r->file->process, r->owned_out, r->owned_out_len);
    free(r->data);
    free(r);
}

/* The application's buffers of a request that hands the driver user
 * addresses: given, or made in its memory. False when its user space is
 * exhausted. */
static bool user_buffers(ke_machine *m, io_request *r, const void *input, uint32_t input_len,
                         uint32_t output_len, PVOID_VA in_va, PVOID_VA out_va)
{
    const ps_process *p = r->file->process;
    r->neither = true;
    r->user_in = in_va;
    r->user_out = out_va;
    if (in_va == 0 && input_len > 0) {
        r->owned_in = mm_user_alloc(m, p, input_len);
        if (r->owned_in == 0)
            return false;
        r->owned_in_len = input_len;
        mm_poke(m->mm, r->owned_in, input, input_len);
        r->user_in = r->owned_in;
    }
    if (out_va == 0 && output_len > 0) {
        r->owned_out = mm_user_alloc(m, p, output_len);
        if (r->owned_out == 0)
            return false;
        r->owned_out_len = output_len;
        r->user_out = r->owned_out;
    }
    return true;
}

io_request *io_request_build(ke_call *call, io_file *f, uint8_t major, ULONG code,
                             const void *input, uint32_t input_len, uint32_t output_len,
                             PVOID_VA in_va, PVOID_VA out_va, NTSTATUS *status)
{
    ke_machine *m = call->m;
    io_requests *rs = requests_of(m);
    io_device *top = io_attached_top(f->device);
    uint32_t method = code & 3u;
    uint64_t flags = get(m, top->va, KE_FIELD(DEVICE_OBJECT, Flags));
    bool rw = major == IRP_MJ_READ || major == IRP_MJ_WRITE;
    bool neither = ((major == IRP_MJ_DEVICE_CONTROL || major == IRP_MJ_INTERNAL_DEVICE_CONTROL) &&
                    method == METHOD_NEITHER) ||
                   (rw && (flags & (DO_BUFFERED_IO | DO_DIRECT_IO)) == 0);
    if (neither && f->process == m->system_process) {
        *status = STATUS_NOT_SUPPORTED; /* no user addresses to give the driver */
        return NULL;
    }
    io_request *r = calloc(1, sizeof *r);
    if (r == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory for a request");
    r->id = rs->next_id++;
    r->major = major;
    r->file = f;
    r->output_len = output_len;
    ke_call kernel = *call;
    kernel.driver = NULL;
    r->event = ex_alloc_internal(m, NonPagedPoolNx, ke_types[KE_TYPE_KEVENT].size[m->config.arch],
                                 IO_REQUEST_POOL_TAG);
    uint64_t stack_size = get(m, top->va, KE_FIELD(DEVICE_OBJECT, StackSize));
    r->irp = r->event != 0 ? io_irp_create(&kernel, (uint8_t)stack_size, IO_IRP_USER, NULL) : 0;
    if (r->irp == 0) {
        if (r->event != 0)
            ExFreePool(&kernel, r->event);
        free(r);
        *status = STATUS_INSUFFICIENT_RESOURCES;
        return NULL;
    }
    KeInitializeEvent(&kernel, r->event, 0 /* NotificationEvent */, false);
    r->next = rs->list;
    rs->list = r;
    io_irp *irp = io_irp_at(m, r->irp);
    irp->request = r;
    PVOID_VA Irp = r->irp;
    set(m, Irp, KE_FIELD(IRP, RequestorMode), 1 /* UserMode */);
    set(m, Irp, KE_FIELD(IRP, UserEvent), r->event);
    PVOID_VA tail = Irp + KE_FIELD(IRP, Tail)->offset[m->config.arch];
    set(m, tail, ke_type_field(KE_TYPE_IRP_TAIL_OVERLAY, "Thread"), call->thread->object->va);
    set(m, tail, ke_type_field(KE_TYPE_IRP_TAIL_OVERLAY, "OriginalFileObject"), f->file_object);
    PVOID_VA sl = IoGetNextIrpStackLocation(&kernel, Irp);
    set(m, sl, KE_FIELD(IO_STACK_LOCATION, MajorFunction), major);
    set(m, sl, KE_FIELD(IO_STACK_LOCATION, FileObject), f->file_object);
    PVOID_VA p = sl + KE_FIELD(IO_STACK_LOCATION, Parameters)->offset[m->config.arch];
    PVOID_VA assoc = Irp + KE_FIELD(IRP, AssociatedIrp)->offset[m->config.arch];
    const ke_field *sysbuf = ke_type_field(KE_TYPE_IRP_ASSOCIATED, "SystemBuffer");
    bool ok = true;
    if (neither) {
        /* The application's addresses, as they are. */
        ok = user_buffers(m, r, input, input_len, output_len, in_va, out_va);
        if (rw) {
            bool write = major == IRP_MJ_WRITE;
            set(m, p, ke_type_field(KE_TYPE_IO_PARAMETERS_READ, "Length"),
                write ? input_len : output_len);
            set(m, Irp, KE_FIELD(IRP, UserBuffer), write ? r->user_in : r->user_out);
        } else {
            const ke_type_id T = KE_TYPE_IO_PARAMETERS_IOCTL;
            set(m, p, ke_type_field(T, "OutputBufferLength"), output_len);
            set(m, p, ke_type_field(T, "InputBufferLength"), input_len);
            set(m, p, ke_type_field(T, "IoControlCode"), code);
            set(m, p, ke_type_field(T, "Type3InputBuffer"), r->user_in);
            set(m, Irp, KE_FIELD(IRP, UserBuffer), r->user_out);
        }
    } else if (rw) {
        bool write = major == IRP_MJ_WRITE;
        uint32_t length = write ? input_len : output_len;
        set(m, p, ke_type_field(KE_TYPE_IO_PARAMETERS_READ, "Length"), length);
        PVOID_VA b = kernel_copy(m, length, input, write ? input_len : 0);
        ok = b != 0;
        if (ok && (flags & DO_BUFFERED_IO)) {
            irp->system_buffer = b;
            set(m, assoc, sysbuf, b);
        } else if (ok) {
            /* Direct I/O: the locked user pages, as an MDL over the copy. */
            irp->system_buffer = b; /* freed with the request's buffers */
            irp->mdl = IoAllocateMdl(&kernel, b, length ? length : 1u, false, false, 0);
            ok = irp->mdl != 0;
            if (ok) {
                MmBuildMdlForNonPagedPool(&kernel, irp->mdl);
                set(m, Irp, KE_FIELD(IRP, MdlAddress), irp->mdl);
            }
        }
        r->direct = (flags & DO_BUFFERED_IO) == 0;
    } else if (major == IRP_MJ_DEVICE_CONTROL || major == IRP_MJ_INTERNAL_DEVICE_CONTROL) {
        const ke_type_id T = KE_TYPE_IO_PARAMETERS_IOCTL;
        set(m, p, ke_type_field(T, "OutputBufferLength"), output_len);
        set(m, p, ke_type_field(T, "InputBufferLength"), input_len);
        set(m, p, ke_type_field(T, "IoControlCode"), code);
        uint32_t bytes =
            method == METHOD_BUFFERED && output_len > input_len ? output_len : input_len;
        PVOID_VA b = kernel_copy(m, bytes, input, input_len);
        ok = b != 0;
        irp->system_buffer = b;
        if (ok)
            set(m, assoc, sysbuf, b);
        if (ok && method != METHOD_BUFFERED && output_len != 0) {
            PVOID_VA out = kernel_copy(m, output_len, NULL, 0);
            r->direct_buffer = out;
            ok = out != 0;
            if (ok) {
                irp->mdl = IoAllocateMdl(&kernel, out, output_len, false, false, 0);
                ok = irp->mdl != 0;
            }
            if (ok) {
                MmBuildMdlForNonPagedPool(&kernel, irp->mdl);
                set(m, Irp, KE_FIELD(IRP, MdlAddress), irp->mdl);
            }
        }
        r->direct = method != METHOD_BUFFERED;
    }
    if (!ok) {
        *status = STATUS_INSUFFICIENT_RESOURCES;
        if (irp->mdl != 0)
            IoFreeMdl(&kernel, irp->mdl);
        if (irp->system_buffer != 0)
            ExFreePool(&kernel, irp->system_buffer);
        if (r->direct_buffer != 0)
            ExFreePool(&kernel, r->direct_buffer);
        irp->mdl = irp->system_buffer = 0;
        io_irp_free(&kernel, irp);
        r->irp = 0;
        io_request_free(call, r);
        return NULL;
    }
    *status = STATUS_SUCCESS;
    return r;
}

void io_request_completed(ke_call *call, io_irp *irp, NTSTATUS status, uint64_t information)
{
    ke_machine *m = call->m;
    io_request *r = irp->request;
    ke_call kernel = *call;
    kernel.driver = NULL;
    /* The output, for the application: a read's or an IOCTL's, as much as
     * Information says and the buffer holds. */
    PVOID_VA source = irp->system_buffer;
    if (r != NULL && r->direct_buffer != 0)
        source = r->direct_buffer;
    if (r != NULL && r->neither)
        source = r->user_out; /* the application's own buffer */
    bool reads = r != NULL && (r->major == IRP_MJ_READ || r->major == IRP_MJ_DEVICE_CONTROL ||
                               r->major == IRP_MJ_INTERNAL_DEVICE_CONTROL);
    if (r != NULL && reads && NT_SUCCESS(status) && source != 0) {
        uint64_t n = information < r->output_len ? information : r->output_len;
        r->data = malloc(n ? n : 1);
        if (r->data == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory for a request's output");
        memset(r->data, 0, n);
        mm_peek(m->mm, source, r->data, n); /* a page the application freed reads as 0 */
        r->data_len = (uint32_t)n;
    }
    if (irp->mdl != 0) {
        IoFreeMdl(&kernel, irp->mdl);
        irp->mdl = 0;
    }
    if (irp->system_buffer != 0) {
        ExFreePool(&kernel, irp->system_buffer);
        irp->system_buffer = 0;
    }
    if (r == NULL)
        return;
    if (r->direct_buffer != 0) {
        ExFreePool(&kernel, r->direct_buffer);
        r->direct_buffer = 0;
    }
    r->done = true;
    r->status = status;
    r->information = information;
    r->irp = 0;
    irp->request = NULL;
    KeSetEvent(&kernel, r->event, 0, false);
}

void io_requests_destroy(ke_machine *m)
{
    if (m->requests == NULL)
        return;
    for (io_request *r = m->requests->list; r != NULL;) {
        io_request *next = r->next;
        free(r->data);
        free(r);
        r = next;
    }
    for (io_file *f = m->requests->files; f != NULL;) {
        io_file *next = f->next;
        free(f);
        f = next;
    }
    free(m->requests);
    m->requests = NULL;
}
