/*
 * thunks_cm.c - the verifier's thunks for the registry and file routines
 * (see thunks.c): miscellaneous checks' bad handle detection
 * for the key, file and event handles a Zw routine is given (0x93, as for
 * ObReferenceObjectByHandle: the service references the handle in kernel
 * mode, through the same table).
 */
#include "cm/cm.h"
#include "ddi_table.h"
#include "kd/kd.h"
#include "ob/ob.h"
#include "vf/thunks.h"
#include "vf/vf.h"

/* False when the call stopped the machine: a key handle that is no handle
 * (miscellaneous checks). IrqlZwPassive and IrqlRtlPassive, the IRQL rules
 * of these routines, are the DDI compliance engine's (ddi_rules.spec). */
static bool zw_checks(ke_call *call, bool has_handle, uint64_t handle, PVOID_VA attributes,
                      PVOID_VA string, PVOID_VA buffer)
{
    if (!vf_sec_zw(call, attributes, string, buffer))
        return false;
    if (has_handle && ob_handle_object(call->m, handle) == NULL &&
        vf_rule_enabled(call, RULE_ob_bad_kernel_handle_referenced)) {
        kd_raise(call, RULE_ob_bad_kernel_handle_referenced, handle, 0, 0);
        return false;
    }
    return true;
}

/* Security checks of further pointer arguments (0 for none): false when one
 * is a user-mode address (0xC4/0xE3). */
static bool zw_pointers(ke_call *call, PVOID_VA a, PVOID_VA b, PVOID_VA c)
{
    return vf_sec_zw(call, 0, 0, a) && vf_sec_zw(call, 0, 0, b) && vf_sec_zw(call, 0, 0, c);
}

static NTSTATUS vf_ZwClose(ke_call *call, uint64_t Handle)
{
    if (!zw_checks(call, false, 0, 0, 0, 0))
        return STATUS_UNSUCCESSFUL;
    return ZwClose(call, Handle);
}

static NTSTATUS vf_ZwCreateKey(ke_call *call, uint64_t *KeyHandle, ULONG DesiredAccess,
                               PVOID_VA ObjectAttributes, ULONG TitleIndex, PVOID_VA Class,
                               ULONG CreateOptions, ULONG *Disposition)
{
    if (!zw_checks(call, false, 0, ObjectAttributes, Class, 0)) {
        *KeyHandle = 0;
        *Disposition = 0;
        return STATUS_UNSUCCESSFUL;
    }
    return ZwCreateKey(call, KeyHandle, DesiredAccess, ObjectAttributes, TitleIndex, Class,
                       CreateOptions, Disposition);
}

static NTSTATUS vf_ZwOpenKey(ke_call *call, uint64_t *KeyHandle, ULONG DesiredAccess,
                             PVOID_VA ObjectAttributes)
{
    if (!zw_checks(call, false, 0, ObjectAttributes, 0, 0)) {
        *KeyHandle = 0;
        return STATUS_UNSUCCESSFUL;
    }
    return ZwOpenKey(call, KeyHandle, DesiredAccess, ObjectAttributes);
}

static NTSTATUS vf_ZwQueryValueKey(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName,
                                   ULONG KeyValueInformationClass, PVOID_VA KeyValueInformation,
                                   ULONG Length, ULONG *ResultLength)
{
    if (!zw_checks(call, true, KeyHandle, 0, ValueName, KeyValueInformation)) {
        *ResultLength = 0;
        return STATUS_UNSUCCESSFUL;
    }
    return ZwQueryValueKey(call, KeyHandle, ValueName, KeyValueInformationClass,
                           KeyValueInformation, Length, ResultLength);
}

static NTSTATUS vf_ZwSetValueKey(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName,
                                 ULONG TitleIndex, ULONG Type, PVOID_VA Data, ULONG DataSize)
{
    if (!zw_checks(call, true, KeyHandle, 0, ValueName, Data))
        return STATUS_UNSUCCESSFUL;
    return ZwSetValueKey(call, KeyHandle, ValueName, TitleIndex, Type, Data, DataSize);
}

static NTSTATUS vf_ZwDeleteKey(ke_call *call, uint64_t KeyHandle)
{
    if (!zw_checks(call, true, KeyHandle, 0, 0, 0))
        return STATUS_UNSUCCESSFUL;
    return ZwDeleteKey(call, KeyHandle);
}

static NTSTATUS vf_ZwDeleteValueKey(ke_call *call, uint64_t KeyHandle, PVOID_VA ValueName)
{
    if (!zw_checks(call, true, KeyHandle, 0, ValueName, 0))
        return STATUS_UNSUCCESSFUL;
    return ZwDeleteValueKey(call, KeyHandle, ValueName);
}

static NTSTATUS vf_ZwEnumerateKey(ke_call *call, uint64_t KeyHandle, ULONG Index,
                                  ULONG KeyInformationClass, PVOID_VA KeyInformation, ULONG Length,
                                  ULONG *ResultLength)
{
    if (!zw_checks(call, true, KeyHandle, 0, 0, KeyInformation)) {
        *ResultLength = 0;
        return STATUS_UNSUCCESSFUL;
    }
    return ZwEnumerateKey(call, KeyHandle, Index, KeyInformationClass, KeyInformation, Length,
                          ResultLength);
}

static NTSTATUS vf_ZwEnumerateValueKey(ke_call *call, uint64_t KeyHandle, ULONG Index,
                                       ULONG KeyValueInformationClass, PVOID_VA KeyValueInformation,
                                       ULONG Length, ULONG *ResultLength)
{
    if (!zw_checks(call, true, KeyHandle, 0, 0, KeyValueInformation)) {
        *ResultLength = 0;
        return STATUS_UNSUCCESSFUL;
    }
    return ZwEnumerateValueKey(call, KeyHandle, Index, KeyValueInformationClass,
                               KeyValueInformation, Length, ResultLength);
}

static NTSTATUS vf_ZwFlushKey(ke_call *call, uint64_t KeyHandle)
{
    if (!zw_checks(call, true, KeyHandle, 0, 0, 0))
        return STATUS_UNSUCCESSFUL;
    return ZwFlushKey(call, KeyHandle);
}

static NTSTATUS vf_ZwQueryKey(ke_call *call, uint64_t KeyHandle, ULONG KeyInformationClass,
                              PVOID_VA KeyInformation, ULONG Length, ULONG *ResultLength)
{
    if (!zw_checks(call, true, KeyHandle, 0, 0, KeyInformation)) {
        *ResultLength = 0;
        return STATUS_UNSUCCESSFUL;
    }
    return ZwQueryKey(call, KeyHandle, KeyInformationClass, KeyInformation, Length, ResultLength);
}

/* The file routines (io/file.c): the file handle, and a read's or write's
 * Event handle, are referenced in kernel mode as a key handle is. Their
 * IRQL rules are the DDI compliance engine's (IrqlIoRtlZwPassive,
 * IrqlNtifsApcPassive, IrqlZwPassive for ZwClose) and I/O verification's
 * 0x24A (vf_iov_file_irql, iov_pnp2.c). */
static NTSTATUS vf_ZwCreateFile(ke_call *call, uint64_t *FileHandle, ULONG DesiredAccess,
                                PVOID_VA ObjectAttributes, PVOID_VA IoStatusBlock,
                                PVOID_VA AllocationSize, ULONG FileAttributes, ULONG ShareAccess,
                                ULONG CreateDisposition, ULONG CreateOptions, PVOID_VA EaBuffer,
                                ULONG EaLength)
{
    if (!vf_iov_file_irql(call) || !zw_checks(call, false, 0, ObjectAttributes, 0, IoStatusBlock) ||
        !zw_pointers(call, AllocationSize, EaBuffer, 0)) {
        *FileHandle = 0;
        return STATUS_UNSUCCESSFUL;
    }
    return ZwCreateFile(call, FileHandle, DesiredAccess, ObjectAttributes, IoStatusBlock,
                        AllocationSize, FileAttributes, ShareAccess, CreateDisposition,
                        CreateOptions, EaBuffer, EaLength);
}

static NTSTATUS vf_ZwOpenFile(ke_call *call, uint64_t *FileHandle, ULONG DesiredAccess,
                              PVOID_VA ObjectAttributes, PVOID_VA IoStatusBlock, ULONG ShareAccess,
                              ULONG OpenOptions)
{
    if (!vf_iov_file_irql(call) || !zw_checks(call, false, 0, ObjectAttributes, 0, IoStatusBlock)) {
        *FileHandle = 0;
        return STATUS_UNSUCCESSFUL;
    }
    return ZwOpenFile(call, FileHandle, DesiredAccess, ObjectAttributes, IoStatusBlock, ShareAccess,
                      OpenOptions);
}

static NTSTATUS vf_ZwReadFile(ke_call *call, uint64_t FileHandle, uint64_t Event,
                              PVOID_VA ApcRoutine, PVOID_VA ApcContext, PVOID_VA IoStatusBlock,
                              PVOID_VA Buffer, ULONG Length, PVOID_VA ByteOffset, PVOID_VA Key)
{
    if (!vf_iov_file_irql(call) || !zw_checks(call, true, FileHandle, 0, 0, Buffer) ||
        !zw_pointers(call, IoStatusBlock, ByteOffset, Key) ||
        !zw_checks(call, Event != 0, Event, 0, 0, 0))
        return STATUS_UNSUCCESSFUL;
    return ZwReadFile(call, FileHandle, Event, ApcRoutine, ApcContext, IoStatusBlock, Buffer,
                      Length, ByteOffset, Key);
}

static NTSTATUS vf_ZwWriteFile(ke_call *call, uint64_t FileHandle, uint64_t Event,
                               PVOID_VA ApcRoutine, PVOID_VA ApcContext, PVOID_VA IoStatusBlock,
                               PVOID_VA Buffer, ULONG Length, PVOID_VA ByteOffset, PVOID_VA Key)
{
    if (!vf_iov_file_irql(call) || !zw_checks(call, true, FileHandle, 0, 0, Buffer) ||
        !zw_pointers(call, IoStatusBlock, ByteOffset, Key) ||
        !zw_checks(call, Event != 0, Event, 0, 0, 0))
        return STATUS_UNSUCCESSFUL;
    return ZwWriteFile(call, FileHandle, Event, ApcRoutine, ApcContext, IoStatusBlock, Buffer,
                       Length, ByteOffset, Key);
}

static NTSTATUS vf_ZwQueryInformationFile(ke_call *call, uint64_t FileHandle,
                                          PVOID_VA IoStatusBlock, PVOID_VA FileInformation,
                                          ULONG Length, ULONG FileInformationClass)
{
    if (!vf_iov_file_irql(call) || !zw_checks(call, true, FileHandle, 0, 0, FileInformation) ||
        !zw_pointers(call, IoStatusBlock, 0, 0))
        return STATUS_UNSUCCESSFUL;
    return ZwQueryInformationFile(call, FileHandle, IoStatusBlock, FileInformation, Length,
                                  FileInformationClass);
}

static NTSTATUS vf_ZwSetInformationFile(ke_call *call, uint64_t FileHandle, PVOID_VA IoStatusBlock,
                                        PVOID_VA FileInformation, ULONG Length,
                                        ULONG FileInformationClass)
{
    if (!vf_iov_file_irql(call) || !zw_checks(call, true, FileHandle, 0, 0, FileInformation) ||
        !zw_pointers(call, IoStatusBlock, 0, 0))
        return STATUS_UNSUCCESSFUL;
    return ZwSetInformationFile(call, FileHandle, IoStatusBlock, FileInformation, Length,
                                FileInformationClass);
}

static NTSTATUS vf_ZwFlushBuffersFile(ke_call *call, uint64_t FileHandle, PVOID_VA IoStatusBlock)
{
    if (!vf_iov_file_irql(call) || !zw_checks(call, true, FileHandle, 0, 0, IoStatusBlock))
        return STATUS_UNSUCCESSFUL;
    return ZwFlushBuffersFile(call, FileHandle, IoStatusBlock);
}

void vf_patch_imports_cm(ddi_imports *imports)
{
    imports->ZwClose = vf_ZwClose;
    imports->ZwCreateKey = vf_ZwCreateKey;
    imports->ZwOpenKey = vf_ZwOpenKey;
    imports->ZwQueryValueKey = vf_ZwQueryValueKey;
    imports->ZwSetValueKey = vf_ZwSetValueKey;
    imports->ZwDeleteKey = vf_ZwDeleteKey;
    imports->ZwDeleteValueKey = vf_ZwDeleteValueKey;
    imports->ZwEnumerateKey = vf_ZwEnumerateKey;
    imports->ZwEnumerateValueKey = vf_ZwEnumerateValueKey;
    imports->ZwFlushKey = vf_ZwFlushKey;
    imports->ZwQueryKey = vf_ZwQueryKey;
    imports->ZwCreateFile = vf_ZwCreateFile;
    imports->ZwOpenFile = vf_ZwOpenFile;
    imports->ZwReadFile = vf_ZwReadFile;
    imports->ZwWriteFile = vf_ZwWriteFile;
    imports->ZwQueryInformationFile = vf_ZwQueryInformationFile;
    imports->ZwSetInformationFile = vf_ZwSetInformationFile;
    imports->ZwFlushBuffersFile = vf_ZwFlushBuffersFile;
}
