/*
 * version.c - which Windows drvsim is: RtlGetVersion.
 *
 * drvsim models current Windows: Windows 11, version 23H2, 10.0.22631
 * (the version of the behaviour it follows where versions differ). A
 * driver that asks gets that, in the RTL_OSVERSIONINFOW (276 bytes) or
 * RTL_OSVERSIONINFOEXW (284 bytes) it passes, as its dwOSVersionInfoSize
 * says; any other size is STATUS_INVALID_PARAMETER.
 */
#include <string.h>

#include "ddi_table.h"
#include "mm/mm.h"

#define DRVSIM_WINDOWS_MAJOR   10u
#define DRVSIM_WINDOWS_MINOR   0u
#define DRVSIM_WINDOWS_BUILD   22631u
#define VER_PLATFORM_WIN32_NT  2u
#define VER_NT_WORKSTATION     1u
#define OSVERSIONINFOW_BYTES   276u
#define OSVERSIONINFOEXW_BYTES 284u

NTSTATUS RtlGetVersion(ke_call *call, PVOID_VA lpVersionInformation)
{
    uint32_t size = 0;
    if (!mm_access(call, lpVersionInformation, &size, 4, false))
        return STATUS_SUCCESS; /* the fault stopped the machine */
    if (size != OSVERSIONINFOW_BYTES && size != OSVERSIONINFOEXW_BYTES)
        return STATUS_INVALID_PARAMETER;
    uint8_t info[OSVERSIONINFOEXW_BYTES];
    memset(info, 0, sizeof info);
    const uint32_t fields[5] = {size, DRVSIM_WINDOWS_MAJOR, DRVSIM_WINDOWS_MINOR,
                                DRVSIM_WINDOWS_BUILD, VER_PLATFORM_WIN32_NT};
    memcpy(info, fields, sizeof fields); /* szCSDVersion stays empty: no service pack */
    if (size == OSVERSIONINFOEXW_BYTES)
        info[282] = VER_NT_WORKSTATION; /* wProductType; service pack 0.0, no suite bits */
    mm_access(call, lpVersionInformation, info, size, true);
    return STATUS_SUCCESS;
}
