/*
 * exports.c - ntoskrnl.exe's export table as a driver sees it:
 * MmGetSystemRoutineAddress, and the address of each export.
 *
 * Drivers that must load on several Windows versions look a newer routine
 * up by name (ExAllocatePool2, KeQueryInterruptTimePrecise,
 * PsSetCreateProcessNotifyRoutineEx, ...) and call it only when found. Here
 * every DDI drvsim simulates that ntoskrnl.exe exports is found (sim/ddi.tbl
 * without the `inline` flag); a WDK macro or inline function
 * (InitializeListHead, IoGetCurrentIrpStackLocation, ExAllocatePoolZero,
 * the RtlString* routines) is not an export on Windows and is not found,
 * nor is a routine drvsim does not simulate: the driver takes its fallback
 * path, as it would on a Windows version without it.
 *
 * Each export has an address in the kernel's image, the top 64 KB of the
 * system images region (drivers load from its bottom, 1 MB apart), 16
 * bytes apart in table order.
 */
#include <string.h>

#include "ddi_table.h"
#include "ke/types.h"
#include "mm/mm.h"

#define EXPORTS_BYTES 0x10000u
#define EXPORT_STRIDE 16u
_Static_assert(DDI_COUNT *EXPORT_STRIDE <= EXPORTS_BYTES, "the exports fit the kernel image");

static PVOID_VA exports_base(ke_arch arch)
{
    return mm_region_end(arch, MM_REGION_SYSTEM_IMAGES) - EXPORTS_BYTES;
}

PVOID_VA mm_export_address(ke_arch arch, uint16_t ddi)
{
    return exports_base(arch) + (PVOID_VA)ddi * EXPORT_STRIDE;
}

bool mm_kernel_routine_ddi(ke_arch arch, PVOID_VA va, uint16_t *ddi)
{
    PVOID_VA base = exports_base(arch);
    if (va < base || (va - base) % EXPORT_STRIDE != 0 || (va - base) / EXPORT_STRIDE >= DDI_COUNT)
        return false;
    *ddi = (uint16_t)((va - base) / EXPORT_STRIDE);
    return true;
}

bool mm_export_ddi(ke_arch arch, PVOID_VA va, uint16_t *ddi)
{
    return mm_kernel_routine_ddi(arch, va, ddi) && ddi_exported[*ddi];
}

/* MmGetSystemRoutineAddress(SystemRoutineName): the export's address, or
 * NULL. The name is compared as the loader does, exactly (case matters). */
PVOID_VA MmGetSystemRoutineAddress(ke_call *call, PVOID_VA SystemRoutineName)
{
    ke_arch arch = call->m->config.arch;
    const ke_field *b = KE_FIELD(UNICODE_STRING, Buffer);
    uint16_t length = 0;
    PVOID_VA buffer = 0;
    if (!mm_access(call, SystemRoutineName, &length, 2, false) ||
        !mm_access(call, SystemRoutineName + b->offset[arch], &buffer, ke_field_size(arch, b),
                   false))
        return 0; /* the fault stopped the machine */
    char name[128];
    size_t chars = length / 2;
    if (chars >= sizeof name)
        return 0; /* longer than any export's name */
    for (size_t i = 0; i < chars; i++) {
        uint16_t wc = 0;
        if (!mm_access(call, buffer + 2 * i, &wc, 2, false))
            return 0;
        if (wc == 0 || wc > 0x7F)
            return 0; /* export names are ASCII */
        name[i] = (char)wc;
    }
    name[chars] = '\0';
    for (uint16_t i = 0; i < DDI_COUNT; i++) {
        if (ddi_exported[i] && strcmp(ddi_names[i], name) == 0)
            return mm_export_address(arch, i);
    }
    return 0;
}
