/*
 * security.c - security checks (/flags 0x100): a verified driver that hands
 * the kernel an application's address where the kernel trusts what it is
 * given.
 *
 * A Zw routine called from kernel mode runs with PreviousMode KernelMode:
 * it does not probe its arguments, so a user-mode address among them lets
 * the application that owns it change what the kernel reads, or makes the
 * kernel write where the application chose. Driver Verifier reports such an
 * argument (0xC4/0xE3, P2 the call site, P3 the user address), and a
 * malformed UNICODE_STRING (0xE4: an odd Length or MaximumLength,
 * MaximumLength below Length, or its buffer in user space; P3 the string).
 * An OBJECT_ATTRIBUTES is checked the same way: itself, its ObjectName (a
 * UNICODE_STRING) and its SecurityDescriptor and SecurityQualityOfService.
 * P2, Windows' call site, is the calling routine's address (as 0xF6's).
 *
 * An IRP a driver sends with RequestorMode KernelMode tells the drivers
 * below that its buffers need no probing: a user-mode UserBuffer or
 * AssociatedIrp.SystemBuffer in it is 0xE2 at IoCallDriver (P2 the IRP, P3
 * the address), as when a driver builds a request with an application's
 * output buffer (IoBuildDeviceIoControlRequest, IoBuildSynchronousFsdRequest).
 *
 * A kernel routine that initialises an object the kernel goes on using
 * (a dispatcher object, an ERESOURCE) given a user-mode address for it is
 * 0xE0 (P2 the address, P3 the object's size): the application could
 * rewrite the kernel's wait lists and lock state under it. The 0xC4 page
 * names no routine; 0xE0 sits between the other two checks of a
 * synchronisation object's address, 0xDF (session space) and 0xE1
 * (pageable or invalid), and is made where they are, before 0xE1.
 *
 * A user-mode address is a nonzero one below MmUserProbeAddress: applications'
 * memory (sim/mm/user.c) lies there, kernel memory never does.
 */
#include "ddi_table.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "vf/thunks.h"
#include "vf/vf.h"

static bool user_address(const ke_call *call, PVOID_VA va)
{
    return va != 0 && va < mm_user_probe_address(call->m->config.arch);
}

/* 0xE3 for a user-mode argument; false when it fired. */
static bool check_pointer(ke_call *call, PVOID_VA va)
{
    if (!user_address(call, va) || !vf_rule_enabled(call, RULE_sec_zw_user_address))
        return true;
    kd_raise(call, RULE_sec_zw_user_address, ke_caller_code(call), va, 0);
    return false;
}

/* A UNICODE_STRING argument (at va, 0 for none); false when it fired. The
 * string itself in user space is 0xE3; its fields are read unchecked (the
 * verifier reads them as the service would). */
static bool check_string(ke_call *call, PVOID_VA va)
{
    if (va == 0)
        return true;
    if (!check_pointer(call, va))
        return false;
    if (!vf_rule_enabled(call, RULE_sec_zw_bad_unicode_string))
        return true;
    bool x86 = call->m->config.arch == KE_ARCH_X86;
    uint16_t length = 0, maximum = 0;
    uint64_t buffer = 0;
    if (!mm_peek(call->m->mm, va, &length, 2) || !mm_peek(call->m->mm, va + 2, &maximum, 2) ||
        !mm_peek(call->m->mm, va + (x86 ? 4 : 8), &buffer, x86 ? 4 : 8))
        return true; /* not valid memory: the routine's own access faults */
    bool malformed = (length & 1) != 0 || (maximum & 1) != 0 || maximum < length ||
                     user_address(call, buffer);
    if (!malformed)
        return true;
    kd_raise(call, RULE_sec_zw_bad_unicode_string, ke_caller_code(call), va, 0);
    return false;
}

/* An OBJECT_ATTRIBUTES argument (0 for none); false when it fired. */
static bool check_attributes(ke_call *call, PVOID_VA va)
{
    if (va == 0)
        return true;
    if (!check_pointer(call, va))
        return false;
    bool x86 = call->m->config.arch == KE_ARCH_X86;
    unsigned ptr = x86 ? 4 : 8;
    /* Length, RootDirectory, ObjectName, Attributes, SecurityDescriptor,
     * SecurityQualityOfService: pointer-sized slots (wdm.h). */
    uint64_t name = 0, descriptor = 0, qos = 0;
    if (!mm_peek(call->m->mm, va + 2 * ptr, &name, ptr) ||
        !mm_peek(call->m->mm, va + 4 * ptr, &descriptor, ptr) ||
        !mm_peek(call->m->mm, va + 5 * ptr, &qos, ptr))
        return true;
    return check_string(call, name) && check_pointer(call, descriptor) && check_pointer(call, qos);
}

bool vf_sec_zw(ke_call *call, PVOID_VA attributes, PVOID_VA string, PVOID_VA buffer)
{
    return check_attributes(call, attributes) && check_string(call, string) &&
           check_pointer(call, buffer);
}

bool vf_sec_irp(ke_call *call, PVOID_VA Irp)
{
    if (!vf_rule_enabled(call, RULE_sec_irp_user_address))
        return true;
    ke_arch arch = call->m->config.arch;
    uint8_t mode = 1;
    uint64_t user_buffer = 0, system_buffer = 0;
    const ke_field *ub = KE_FIELD(IRP, UserBuffer), *ai = KE_FIELD(IRP, AssociatedIrp);
    unsigned ptr = arch == KE_ARCH_X86 ? 4 : 8;
    if (!mm_peek(call->m->mm, Irp + KE_FIELD(IRP, RequestorMode)->offset[arch], &mode, 1) ||
        !mm_peek(call->m->mm, Irp + ub->offset[arch], &user_buffer, ptr) ||
        !mm_peek(call->m->mm, Irp + ai->offset[arch], &system_buffer, ptr))
        return true; /* no IRP there: I/O verification or the kernel says so */
    if (mode != 0 /* KernelMode */)
        return true;
    PVOID_VA user = user_address(call, system_buffer) ? system_buffer
                    : user_address(call, user_buffer) ? user_buffer
                                                      : 0;
    if (user == 0)
        return true;
    kd_raise(call, RULE_sec_irp_user_address, Irp, user, 0);
    return false;
}

bool vf_sec_kernel_object(ke_call *call, PVOID_VA object, ke_type_id type)
{
    if (!user_address(call, object) || !vf_rule_enabled(call, RULE_sec_kernel_user_address))
        return true;
    kd_raise(call, RULE_sec_kernel_user_address, object, ke_types[type].size[call->m->config.arch],
             0);
    return false;
}
