/*
 * strsafe.h - the core of ntstrsafe.h's Printf routines, for the binding
 * that marshals their variable arguments (lua/strsafe.c).
 */
#ifndef DRVSIM_RTL_STRSAFE_H
#define DRVSIM_RTL_STRSAFE_H

#include "ke/ke.h"

/*
 * Writes `text` (what kd_format made of the format and the arguments) to a
 * destination of `cch` characters of `unit` bytes (1: char, 2: WCHAR) at
 * dest, terminated; or, `counted`, to the UNICODE_STRING at dest (cch then
 * comes from its MaximumLength), setting its Length. Truncates with
 * STATUS_BUFFER_OVERFLOW; an invalid destination is STATUS_INVALID_PARAMETER
 * and nothing is written.
 */
NTSTATUS rtl_strsafe_printf(ke_call *call, PVOID_VA dest, uint64_t cch, size_t unit, bool counted,
                            const char *text);

#endif /* DRVSIM_RTL_STRSAFE_H */
