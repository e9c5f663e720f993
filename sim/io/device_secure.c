/*
 * device_secure.c - IoCreateDeviceSecure (wdmsec.lib): IoCreateDevice with a
 * default security descriptor given in SDDL, for named devices that are
 * not created through an INF (control devices, legacy drivers).
 *
 * wdmsec.lib is linked into the driver: it checks the SDDL string, then
 * calls IoCreateDevice (the driver's own import, so the verifier sees that
 * call) and applies the descriptor. Its SDDL subset (the "SDDL for Device
 * Objects" page): the string must begin with "D:P" (a protected DACL, no
 * owner or group), followed by ACEs "(A;;rights;;;sid)": type A (allow) or
 * D (deny), no flags, rights as GA/GR/GW/GX (any combination) or a number,
 * empty object and inherit fields, and a SID alias (SY, BA, BU, WD, AU, LS,
 * NS, RC, IU, AC, ...) or an "S-1-..." string. Anything else is
 * STATUS_INVALID_PARAMETER and no device is created. drvsim keeps no
 * security descriptor yet (nothing checks access to devices): the string is
 * validated, not enforced.
 */
#include <ctype.h>
#include <string.h>

#include "ddi_table.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"

static const char *const sid_aliases[] = {
    "AC", "AN", "AO", "AU", "BA", "BG", "BO", "BU", "CA", "CG", "CO", "DA", "DG",
    "DU", "EA", "ED", "IU", "LA", "LG", "LS", "NO", "NS", "NU", "PA", "PO", "PS",
    "PU", "RC", "RD", "RE", "RO", "RS", "RU", "SA", "SO", "SU", "SY", "WD", "WR",
};

static bool valid_sid(const char *s, size_t n)
{
    if (n == 2) {
        for (size_t i = 0; i < sizeof sid_aliases / sizeof sid_aliases[0]; i++) {
            if (strncmp(s, sid_aliases[i], 2) == 0)
                return true;
        }
        return false;
    }
    /* S-1-<authority>-<sub>...: digits between dashes */
    if (n < 5 || strncmp(s, "S-1-", 4) != 0)
        return false;
    bool digit = false;
    for (size_t i = 4; i < n; i++) {
        if (isdigit((unsigned char)s[i]))
            digit = true;
        else if (s[i] == '-' && digit)
            digit = false;
        else
            return false;
    }
    return digit;
}

static bool valid_rights(const char *s, size_t n)
{
    if (n == 0)
        return false;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (size_t i = 2; i < n; i++) {
            if (!isxdigit((unsigned char)s[i]))
                return false;
        }
        return true;
    }
    if (n % 2 != 0)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        if (s[i] != 'G' || strchr("ARWX", s[i + 1]) == NULL)
            return false;
    }
    return true;
}

/* "(A;;GA;;;SY)": six fields, the ones wdmsec leaves empty empty. */
static bool valid_ace(const char *s, size_t n)
{
    const char *field[6];
    size_t len[6];
    size_t f = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == ';') {
            if (f == 6)
                return false;
            field[f] = s + start;
            len[f] = i - start;
            f++;
            start = i + 1;
        }
    }
    if (f != 6)
        return false;
    if (len[0] != 1 || (field[0][0] != 'A' && field[0][0] != 'D'))
        return false;
    if (len[1] != 0 || len[3] != 0 || len[4] != 0)
        return false;
    return valid_rights(field[2], len[2]) && valid_sid(field[5], len[5]);
}

bool io_sddl_valid(const char *sddl)
{
    if (strncmp(sddl, "D:P", 3) != 0)
        return false;
    const char *p = sddl + 3;
    while (*p != '\0') {
        if (*p != '(')
            return false;
        const char *end = strchr(p, ')');
        if (end == NULL || !valid_ace(p + 1, (size_t)(end - p - 1)))
            return false;
        p = end + 1;
    }
    return true;
}

NTSTATUS IoCreateDeviceSecure(ke_call *call, PVOID_VA DriverObject, ULONG DeviceExtensionSize,
                              PVOID_VA DeviceName, ULONG DeviceType, ULONG DeviceCharacteristics,
                              bool Exclusive, PVOID_VA DefaultSDDLString, PVOID_VA DeviceClassGuid,
                              PVOID_VA *DeviceObject)
{
    (void)DeviceClassGuid; /* the class's registry overrides: no class keys are modelled */
    *DeviceObject = 0;
    if (DefaultSDDLString == 0)
        return STATUS_INVALID_PARAMETER;
    uint64_t length = 0, buffer = 0;
    if (!ke_field_get(call, DefaultSDDLString, KE_FIELD(UNICODE_STRING, Length), &length) ||
        !ke_field_get(call, DefaultSDDLString, KE_FIELD(UNICODE_STRING, Buffer), &buffer))
        return STATUS_ACCESS_VIOLATION; /* the fault stopped the machine */
    char sddl[512];
    size_t chars = (size_t)length / 2;
    if (chars + 1 > sizeof sddl)
        return STATUS_INVALID_PARAMETER;
    for (size_t i = 0; i < chars; i++) {
        uint16_t wc = 0;
        if (!mm_access(call, buffer + 2 * i, &wc, 2, false))
            return STATUS_ACCESS_VIOLATION;
        if (wc == 0 || wc > 0x7E)
            return STATUS_INVALID_PARAMETER;
        sddl[i] = (char)wc;
    }
    sddl[chars] = '\0';
    if (!io_sddl_valid(sddl))
        return STATUS_INVALID_PARAMETER;
    const ddi_imports *imports =
        call->driver != NULL ? &call->driver->imports : &ddi_kernel_exports;
    return imports->IoCreateDevice(call, DriverObject, DeviceExtensionSize, DeviceName, DeviceType,
                                   DeviceCharacteristics, Exclusive, DeviceObject);
}
