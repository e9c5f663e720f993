/*
 * types.h - the layouts of the kernel structures that drivers and the kernel
 * both read in simulated memory, for x64 and x86 (wdm.h / ntdef.h).
 *
 * One table serves the kernel's C code (which reads a UNICODE_STRING a
 * driver passed) and the Lua binding (which lets a scenario write
 * `us.Length`), so the two cannot disagree on an offset.
 */
#ifndef DRVSIM_KE_TYPES_H
#define DRVSIM_KE_TYPES_H

#include "ke/ke.h"

typedef enum ke_field_kind {
    KE_FIELD_U8,
    KE_FIELD_U16,
    KE_FIELD_U32,
    KE_FIELD_PTR,     /* pointer-sized: 4 bytes on x86, 8 on x64 */
    KE_FIELD_UPTR,    /* ULONG_PTR: a pointer-sized integer */
    KE_FIELD_U64,     /* LARGE_INTEGER, ULONGLONG */
    KE_FIELD_SUB,     /* an embedded structure (its type is the field's sub):
                         `Irp.IoStatus.Status` reads through it */
    KE_FIELD_ROUTINE, /* a pointer to a driver routine: a Lua function stores
                         the routine's address, which reads back as the function */
} ke_field_kind;

/* X(type, field, kind, x64 offset, x86 offset) */
#define KE_FIELDS(X)                                                                               \
    X(UNICODE_STRING, Length, KE_FIELD_U16, 0, 0)                                                  \
    X(UNICODE_STRING, MaximumLength, KE_FIELD_U16, 2, 2)                                           \
    X(UNICODE_STRING, Buffer, KE_FIELD_PTR, 8, 4)                                                  \
    X(ANSI_STRING, Length, KE_FIELD_U16, 0, 0)                                                     \
    X(ANSI_STRING, MaximumLength, KE_FIELD_U16, 2, 2)                                              \
    X(ANSI_STRING, Buffer, KE_FIELD_PTR, 8, 4)                                                     \
    X(LIST_ENTRY, Flink, KE_FIELD_PTR, 0, 0)                                                       \
    X(LIST_ENTRY, Blink, KE_FIELD_PTR, 8, 4)                                                       \
    X(SINGLE_LIST_ENTRY, Next, KE_FIELD_PTR, 0, 0)                                                 \
    X(DEVICE_OBJECT, Type, KE_FIELD_U16, 0x0, 0x0)                                                 \
    X(DEVICE_OBJECT, Size, KE_FIELD_U16, 0x2, 0x2)                                                 \
    X(DEVICE_OBJECT, ReferenceCount, KE_FIELD_U32, 0x4, 0x4)                                       \
    X(DEVICE_OBJECT, Flags, KE_FIELD_U32, 0x30, 0x1C)                                              \
    X(DEVICE_OBJECT, Characteristics, KE_FIELD_U32, 0x34, 0x20)                                    \
    X(DEVICE_OBJECT, DeviceExtension, KE_FIELD_PTR, 0x40, 0x28)                                    \
    X(DEVICE_OBJECT, DeviceType, KE_FIELD_U32, 0x48, 0x2C)                                         \
    X(DEVICE_OBJECT, StackSize, KE_FIELD_U8, 0x4C, 0x30)                                           \
    X(DEVICE_OBJECT, AlignmentRequirement, KE_FIELD_U32, 0x98, 0x5C)                               \
    X(DEVICE_OBJECT, SectorSize, KE_FIELD_U16, 0x130, 0xAC)                                        \
    X(DEVICE_OBJECT, DeviceObjectExtension, KE_FIELD_PTR, 0x138, 0xB0)                             \
    KE_LOOKASIDE_FIELDS(X, NPAGED_LOOKASIDE_LIST)                                                  \
    KE_LOOKASIDE_FIELDS(X, PAGED_LOOKASIDE_LIST)                                                   \
    KE_SE_EXPORTS_FIELDS(X)                                                                        \
    X(SLIST_ENTRY, Next, KE_FIELD_PTR, 0, 0)                                                       \
    X(LARGE_INTEGER, QuadPart, KE_FIELD_U64, 0, 0)                                                 \
    X(LARGE_INTEGER, LowPart, KE_FIELD_U32, 0, 0)                                                  \
    X(LARGE_INTEGER, HighPart, KE_FIELD_U32, 4, 4)                                                 \
    X(TIME_FIELDS, Year, KE_FIELD_U16, 0, 0)                                                       \
    X(TIME_FIELDS, Month, KE_FIELD_U16, 2, 2)                                                      \
    X(TIME_FIELDS, Day, KE_FIELD_U16, 4, 4)                                                        \
    X(TIME_FIELDS, Hour, KE_FIELD_U16, 6, 6)                                                       \
    X(TIME_FIELDS, Minute, KE_FIELD_U16, 8, 8)                                                     \
    X(TIME_FIELDS, Second, KE_FIELD_U16, 10, 10)                                                   \
    X(TIME_FIELDS, Milliseconds, KE_FIELD_U16, 12, 12)                                             \
    X(TIME_FIELDS, Weekday, KE_FIELD_U16, 14, 14)                                                  \
    X(PROCESSOR_NUMBER, Group, KE_FIELD_U16, 0, 0)                                                 \
    X(PROCESSOR_NUMBER, Number, KE_FIELD_U8, 2, 2)                                                 \
    X(PROCESSOR_NUMBER, Reserved, KE_FIELD_U8, 3, 3)                                               \
    X(WORK_QUEUE_ITEM, List, KE_FIELD_PTR, 0, 0)                                                   \
    X(WORK_QUEUE_ITEM, WorkerRoutine, KE_FIELD_PTR, 0x10, 0x8)                                     \
    X(WORK_QUEUE_ITEM, Parameter, KE_FIELD_PTR, 0x18, 0xC)                                         \
    KE_LOOKASIDE_FIELDS(X, LOOKASIDE_LIST_EX)

/* SE_EXPORTS (ntifs.h, through its NT5 members): privilege LUIDs read as
 * 64-bit integers (LowPart | HighPart << 32), as SeSinglePrivilegeCheck
 * takes them; the SIDs as pointers. */
#define KE_SE_EXPORTS_FIELDS(X)                                                                    \
    X(SE_EXPORTS, SeCreateTokenPrivilege, KE_FIELD_U64, 0x0, 0x0)                                  \
    X(SE_EXPORTS, SeAssignPrimaryTokenPrivilege, KE_FIELD_U64, 0x8, 0x8)                           \
    X(SE_EXPORTS, SeLockMemoryPrivilege, KE_FIELD_U64, 0x10, 0x10)                                 \
    X(SE_EXPORTS, SeIncreaseQuotaPrivilege, KE_FIELD_U64, 0x18, 0x18)                              \
    X(SE_EXPORTS, SeUnsolicitedInputPrivilege, KE_FIELD_U64, 0x20, 0x20)                           \
    X(SE_EXPORTS, SeTcbPrivilege, KE_FIELD_U64, 0x28, 0x28)                                        \
    X(SE_EXPORTS, SeSecurityPrivilege, KE_FIELD_U64, 0x30, 0x30)                                   \
    X(SE_EXPORTS, SeTakeOwnershipPrivilege, KE_FIELD_U64, 0x38, 0x38)                              \
    X(SE_EXPORTS, SeLoadDriverPrivilege, KE_FIELD_U64, 0x40, 0x40)                                 \
    X(SE_EXPORTS, SeCreatePagefilePrivilege, KE_FIELD_U64, 0x48, 0x48)                             \
    X(SE_EXPORTS, SeIncreaseBasePriorityPrivilege, KE_FIELD_U64, 0x50, 0x50)                       \
    X(SE_EXPORTS, SeSystemProfilePrivilege, KE_FIELD_U64, 0x58, 0x58)                              \
    X(SE_EXPORTS, SeSystemtimePrivilege, KE_FIELD_U64, 0x60, 0x60)                                 \
    X(SE_EXPORTS, SeProfileSingleProcessPrivilege, KE_FIELD_U64, 0x68, 0x68)                       \
    X(SE_EXPORTS, SeCreatePermanentPrivilege, KE_FIELD_U64, 0x70, 0x70)                            \
    X(SE_EXPORTS, SeBackupPrivilege, KE_FIELD_U64, 0x78, 0x78)                                     \
    X(SE_EXPORTS, SeRestorePrivilege, KE_FIELD_U64, 0x80, 0x80)                                    \
    X(SE_EXPORTS, SeShutdownPrivilege, KE_FIELD_U64, 0x88, 0x88)                                   \
    X(SE_EXPORTS, SeDebugPrivilege, KE_FIELD_U64, 0x90, 0x90)                                      \
    X(SE_EXPORTS, SeAuditPrivilege, KE_FIELD_U64, 0x98, 0x98)                                      \
    X(SE_EXPORTS, SeSystemEnvironmentPrivilege, KE_FIELD_U64, 0xA0, 0xA0)                          \
    X(SE_EXPORTS, SeChangeNotifyPrivilege, KE_FIELD_U64, 0xA8, 0xA8)                               \
    X(SE_EXPORTS, SeRemoteShutdownPrivilege, KE_FIELD_U64, 0xB0, 0xB0)                             \
    X(SE_EXPORTS, SeNullSid, KE_FIELD_PTR, 0xB8, 0xB8)                                             \
    X(SE_EXPORTS, SeWorldSid, KE_FIELD_PTR, 0xC0, 0xBC)                                            \
    X(SE_EXPORTS, SeLocalSid, KE_FIELD_PTR, 0xC8, 0xC0)                                            \
    X(SE_EXPORTS, SeCreatorOwnerSid, KE_FIELD_PTR, 0xD0, 0xC4)                                     \
    X(SE_EXPORTS, SeCreatorGroupSid, KE_FIELD_PTR, 0xD8, 0xC8)                                     \
    X(SE_EXPORTS, SeNtAuthoritySid, KE_FIELD_PTR, 0xE0, 0xCC)                                      \
    X(SE_EXPORTS, SeDialupSid, KE_FIELD_PTR, 0xE8, 0xD0)                                           \
    X(SE_EXPORTS, SeNetworkSid, KE_FIELD_PTR, 0xF0, 0xD4)                                          \
    X(SE_EXPORTS, SeBatchSid, KE_FIELD_PTR, 0xF8, 0xD8)                                            \
    X(SE_EXPORTS, SeInteractiveSid, KE_FIELD_PTR, 0x100, 0xDC)                                     \
    X(SE_EXPORTS, SeLocalSystemSid, KE_FIELD_PTR, 0x108, 0xE0)                                     \
    X(SE_EXPORTS, SeAliasAdminsSid, KE_FIELD_PTR, 0x110, 0xE4)                                     \
    X(SE_EXPORTS, SeAliasUsersSid, KE_FIELD_PTR, 0x118, 0xE8)                                      \
    X(SE_EXPORTS, SeAliasGuestsSid, KE_FIELD_PTR, 0x120, 0xEC)                                     \
    X(SE_EXPORTS, SeAliasPowerUsersSid, KE_FIELD_PTR, 0x128, 0xF0)                                 \
    X(SE_EXPORTS, SeAliasAccountOpsSid, KE_FIELD_PTR, 0x130, 0xF4)                                 \
    X(SE_EXPORTS, SeAliasSystemOpsSid, KE_FIELD_PTR, 0x138, 0xF8)                                  \
    X(SE_EXPORTS, SeAliasPrintOpsSid, KE_FIELD_PTR, 0x140, 0xFC)                                   \
    X(SE_EXPORTS, SeAliasBackupOpsSid, KE_FIELD_PTR, 0x148, 0x100)                                 \
    X(SE_EXPORTS, SeAuthenticatedUsersSid, KE_FIELD_PTR, 0x150, 0x104)                             \
    X(SE_EXPORTS, SeRestrictedSid, KE_FIELD_PTR, 0x158, 0x108)                                     \
    X(SE_EXPORTS, SeAnonymousLogonSid, KE_FIELD_PTR, 0x160, 0x10C)                                 \
    X(SE_EXPORTS, SeUndockPrivilege, KE_FIELD_U64, 0x168, 0x110)                                   \
    X(SE_EXPORTS, SeSyncAgentPrivilege, KE_FIELD_U64, 0x170, 0x118)                                \
    X(SE_EXPORTS, SeEnableDelegationPrivilege, KE_FIELD_U64, 0x178, 0x120)

/*
 * Fields whose value has a type of its own: embedded structures
 * (KE_FIELD_SUB) and pointers to a known type (KE_FIELD_PTR), which read as
 * typed pointers. X(type, field, kind, x64 offset, x86 offset, sub type).
 * The IRP and IO_STACK_LOCATION are wdm.h's; unions show each member
 * drivers use under its own name (AssociatedIrp.SystemBuffer and
 * AssociatedIrp.MasterIrp share their storage).
 */
#define KE_TYPED_FIELDS(X)                                                                         \
    X(IO_STATUS_BLOCK, Status, KE_FIELD_U32, 0x0, 0x0, NONE)                                       \
    X(IO_STATUS_BLOCK, Pointer, KE_FIELD_PTR, 0x0, 0x0, NONE)                                      \
    X(IO_STATUS_BLOCK, Information, KE_FIELD_UPTR, 0x8, 0x4, NONE)                                 \
    X(IRP, Type, KE_FIELD_U16, 0x0, 0x0, NONE)                                                     \
    X(IRP, Size, KE_FIELD_U16, 0x2, 0x2, NONE)                                                     \
    X(IRP, MdlAddress, KE_FIELD_PTR, 0x8, 0x4, NONE)                                               \
    X(IRP, Flags, KE_FIELD_U32, 0x10, 0x8, NONE)                                                   \
    X(IRP, AssociatedIrp, KE_FIELD_SUB, 0x18, 0xC, IRP_ASSOCIATED)                                 \
    X(IRP, ThreadListEntry, KE_FIELD_SUB, 0x20, 0x10, LIST_ENTRY)                                  \
    X(IRP, IoStatus, KE_FIELD_SUB, 0x30, 0x18, IO_STATUS_BLOCK)                                    \
    X(IRP, RequestorMode, KE_FIELD_U8, 0x40, 0x20, NONE)                                           \
    X(IRP, PendingReturned, KE_FIELD_U8, 0x41, 0x21, NONE)                                         \
    X(IRP, StackCount, KE_FIELD_U8, 0x42, 0x22, NONE)                                              \
    X(IRP, CurrentLocation, KE_FIELD_U8, 0x43, 0x23, NONE)                                         \
    X(IRP, Cancel, KE_FIELD_U8, 0x44, 0x24, NONE)                                                  \
    X(IRP, CancelIrql, KE_FIELD_U8, 0x45, 0x25, NONE)                                              \
    X(IRP, ApcEnvironment, KE_FIELD_U8, 0x46, 0x26, NONE)                                          \
    X(IRP, AllocationFlags, KE_FIELD_U8, 0x47, 0x27, NONE)                                         \
    X(IRP, UserIosb, KE_FIELD_PTR, 0x48, 0x28, IO_STATUS_BLOCK)                                    \
    X(IRP, UserEvent, KE_FIELD_PTR, 0x50, 0x2C, KEVENT)                                            \
    X(IRP, CancelRoutine, KE_FIELD_PTR, 0x68, 0x38, NONE)                                          \
    X(IRP, UserBuffer, KE_FIELD_PTR, 0x70, 0x3C, NONE)                                             \
    X(IRP, Tail, KE_FIELD_SUB, 0x78, 0x40, IRP_TAIL)                                               \
    X(IRP_ASSOCIATED, MasterIrp, KE_FIELD_PTR, 0x0, 0x0, IRP)                                      \
    X(IRP_ASSOCIATED, IrpCount, KE_FIELD_U32, 0x0, 0x0, NONE)                                      \
    X(IRP_ASSOCIATED, SystemBuffer, KE_FIELD_PTR, 0x0, 0x0, NONE)                                  \
    X(IRP_TAIL, Overlay, KE_FIELD_SUB, 0x0, 0x0, IRP_TAIL_OVERLAY)                                 \
    X(IRP_TAIL_OVERLAY, DriverContext, KE_FIELD_SUB, 0x0, 0x0, DRIVER_CONTEXT)                     \
    X(IRP_TAIL_OVERLAY, Thread, KE_FIELD_PTR, 0x20, 0x10, NONE)                                    \
    X(IRP_TAIL_OVERLAY, AuxiliaryBuffer, KE_FIELD_PTR, 0x28, 0x14, NONE)                           \
    X(IRP_TAIL_OVERLAY, ListEntry, KE_FIELD_SUB, 0x30, 0x18, LIST_ENTRY)                           \
    X(IRP_TAIL_OVERLAY, CurrentStackLocation, KE_FIELD_PTR, 0x40, 0x20, IO_STACK_LOCATION)         \
    X(IRP_TAIL_OVERLAY, OriginalFileObject, KE_FIELD_PTR, 0x48, 0x24, NONE)                        \
    X(DRIVER_CONTEXT, [0], KE_FIELD_PTR, 0x0, 0x0, NONE)                                           \
    X(DRIVER_CONTEXT, [1], KE_FIELD_PTR, 0x8, 0x4, NONE)                                           \
    X(DRIVER_CONTEXT, [2], KE_FIELD_PTR, 0x10, 0x8, NONE)                                          \
    X(DRIVER_CONTEXT, [3], KE_FIELD_PTR, 0x18, 0xC, NONE)                                          \
    X(IO_STACK_LOCATION, MajorFunction, KE_FIELD_U8, 0x0, 0x0, NONE)                               \
    X(IO_STACK_LOCATION, MinorFunction, KE_FIELD_U8, 0x1, 0x1, NONE)                               \
    X(IO_STACK_LOCATION, Flags, KE_FIELD_U8, 0x2, 0x2, NONE)                                       \
    X(IO_STACK_LOCATION, Control, KE_FIELD_U8, 0x3, 0x3, NONE)                                     \
    X(IO_STACK_LOCATION, Parameters, KE_FIELD_SUB, 0x8, 0x4, IO_STACK_PARAMETERS)                  \
    X(IO_STACK_LOCATION, DeviceObject, KE_FIELD_PTR, 0x28, 0x14, DEVICE_OBJECT)                    \
    X(IO_STACK_LOCATION, FileObject, KE_FIELD_PTR, 0x30, 0x18, FILE_OBJECT)                        \
    X(IO_STACK_LOCATION, CompletionRoutine, KE_FIELD_PTR, 0x38, 0x1C, NONE)                        \
    X(IO_STACK_LOCATION, Context, KE_FIELD_PTR, 0x40, 0x20, NONE)                                  \
    X(IO_STACK_PARAMETERS, Read, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_READ)                       \
    X(IO_STACK_PARAMETERS, Write, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_READ)                      \
    X(IO_STACK_PARAMETERS, DeviceIoControl, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_IOCTL)           \
    X(IO_STACK_PARAMETERS, Others, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_OTHERS)                   \
    X(IO_PARAMETERS_READ, Length, KE_FIELD_U32, 0x0, 0x0, NONE)                                    \
    X(IO_PARAMETERS_READ, Key, KE_FIELD_U32, 0x8, 0x4, NONE)                                       \
    X(IO_PARAMETERS_READ, ByteOffset, KE_FIELD_U64, 0x10, 0x8, NONE)                               \
    X(IO_PARAMETERS_IOCTL, OutputBufferLength, KE_FIELD_U32, 0x0, 0x0, NONE)                       \
    X(IO_PARAMETERS_IOCTL, InputBufferLength, KE_FIELD_U32, 0x8, 0x4, NONE)                        \
    X(IO_PARAMETERS_IOCTL, IoControlCode, KE_FIELD_U32, 0x10, 0x8, NONE)                           \
    X(IO_PARAMETERS_IOCTL, Type3InputBuffer, KE_FIELD_PTR, 0x18, 0xC, NONE)                        \
    X(IO_PARAMETERS_OTHERS, Argument1, KE_FIELD_PTR, 0x0, 0x0, NONE)                               \
    X(IO_PARAMETERS_OTHERS, Argument2, KE_FIELD_PTR, 0x8, 0x4, NONE)                               \
    X(IO_PARAMETERS_OTHERS, Argument3, KE_FIELD_PTR, 0x10, 0x8, NONE)                              \
    X(IO_PARAMETERS_OTHERS, Argument4, KE_FIELD_PTR, 0x18, 0xC, NONE)                              \
    X(FILE_OBJECT, Type, KE_FIELD_U16, 0x0, 0x0, NONE)                                             \
    X(FILE_OBJECT, Size, KE_FIELD_U16, 0x2, 0x2, NONE)                                             \
    X(FILE_OBJECT, DeviceObject, KE_FIELD_PTR, 0x8, 0x4, DEVICE_OBJECT)                            \
    X(FILE_OBJECT, FsContext, KE_FIELD_PTR, 0x18, 0xC, NONE)                                       \
    X(FILE_OBJECT, FsContext2, KE_FIELD_PTR, 0x20, 0x10, NONE)                                     \
    X(DEVICE_OBJECT, DriverObject, KE_FIELD_PTR, 0x8, 0x8, DRIVER_OBJECT)                          \
    X(DEVICE_OBJECT, NextDevice, KE_FIELD_PTR, 0x10, 0xC, DEVICE_OBJECT)                           \
    X(DEVICE_OBJECT, AttachedDevice, KE_FIELD_PTR, 0x18, 0x10, DEVICE_OBJECT)                      \
    X(DEVICE_OBJECT, CurrentIrp, KE_FIELD_PTR, 0x20, 0x14, IRP)                                    \
    X(DRIVER_OBJECT, Type, KE_FIELD_U16, 0x0, 0x0, NONE)                                           \
    X(DRIVER_OBJECT, Size, KE_FIELD_U16, 0x2, 0x2, NONE)                                           \
    X(DRIVER_OBJECT, DeviceObject, KE_FIELD_PTR, 0x8, 0x4, DEVICE_OBJECT)                          \
    X(DRIVER_OBJECT, Flags, KE_FIELD_U32, 0x10, 0x8, NONE)                                         \
    X(DRIVER_OBJECT, DriverStart, KE_FIELD_PTR, 0x18, 0xC, NONE)                                   \
    X(DRIVER_OBJECT, DriverSize, KE_FIELD_U32, 0x20, 0x10, NONE)                                   \
    X(DRIVER_OBJECT, DriverSection, KE_FIELD_PTR, 0x28, 0x14, NONE)                                \
    X(DRIVER_OBJECT, DriverName, KE_FIELD_SUB, 0x38, 0x1C, UNICODE_STRING)                         \
    X(DRIVER_OBJECT, HardwareDatabase, KE_FIELD_PTR, 0x48, 0x24, UNICODE_STRING)                   \
    X(DRIVER_OBJECT, FastIoDispatch, KE_FIELD_PTR, 0x50, 0x28, NONE)                               \
    X(DRIVER_OBJECT, DriverInit, KE_FIELD_PTR, 0x58, 0x2C, NONE)                                   \
    X(DRIVER_OBJECT, DriverStartIo, KE_FIELD_PTR, 0x60, 0x30, NONE)                                \
    X(DRIVER_OBJECT, DriverUnload, KE_FIELD_PTR, 0x68, 0x34, NONE)                                 \
    X(OB_CALLBACK_REGISTRATION, Version, KE_FIELD_U16, 0x0, 0x0, NONE)                             \
    X(OB_CALLBACK_REGISTRATION, OperationRegistrationCount, KE_FIELD_U16, 0x2, 0x2, NONE)          \
    X(OB_CALLBACK_REGISTRATION, Altitude, KE_FIELD_SUB, 0x8, 0x4, UNICODE_STRING)                  \
    X(OB_CALLBACK_REGISTRATION, RegistrationContext, KE_FIELD_PTR, 0x18, 0xC, NONE)                \
    X(OB_CALLBACK_REGISTRATION, OperationRegistration, KE_FIELD_PTR, 0x20, 0x10,                   \
      OB_OPERATION_REGISTRATION)                                                                   \
    X(OB_OPERATION_REGISTRATION, ObjectType, KE_FIELD_PTR, 0x0, 0x0, NONE)                         \
    X(OB_OPERATION_REGISTRATION, Operations, KE_FIELD_U32, 0x8, 0x4, NONE)                         \
    X(OB_OPERATION_REGISTRATION, PreOperation, KE_FIELD_ROUTINE, 0x10, 0x8, NONE)                  \
    X(OB_OPERATION_REGISTRATION, PostOperation, KE_FIELD_ROUTINE, 0x18, 0xC, NONE)                 \
    X(OB_PRE_OPERATION_INFORMATION, Operation, KE_FIELD_U32, 0x0, 0x0, NONE)                       \
    X(OB_PRE_OPERATION_INFORMATION, Flags, KE_FIELD_U32, 0x4, 0x4, NONE)                           \
    X(OB_PRE_OPERATION_INFORMATION, KernelHandle, KE_FIELD_U32, 0x4, 0x4, NONE)                    \
    X(OB_PRE_OPERATION_INFORMATION, Object, KE_FIELD_PTR, 0x8, 0x8, NONE)                          \
    X(OB_PRE_OPERATION_INFORMATION, ObjectType, KE_FIELD_PTR, 0x10, 0xC, NONE)                     \
    X(OB_PRE_OPERATION_INFORMATION, CallContext, KE_FIELD_PTR, 0x18, 0x10, NONE)                   \
    X(OB_PRE_OPERATION_INFORMATION, Parameters, KE_FIELD_PTR, 0x20, 0x14,                          \
      OB_PRE_OPERATION_PARAMETERS)                                                                 \
    X(OB_PRE_OPERATION_PARAMETERS, CreateHandleInformation, KE_FIELD_SUB, 0x0, 0x0,                \
      OB_PRE_CREATE_HANDLE_INFORMATION)                                                            \
    X(OB_PRE_OPERATION_PARAMETERS, DuplicateHandleInformation, KE_FIELD_SUB, 0x0, 0x0,             \
      OB_PRE_DUPLICATE_HANDLE_INFORMATION)                                                         \
    X(OB_PRE_CREATE_HANDLE_INFORMATION, DesiredAccess, KE_FIELD_U32, 0x0, 0x0, NONE)               \
    X(OB_PRE_CREATE_HANDLE_INFORMATION, OriginalDesiredAccess, KE_FIELD_U32, 0x4, 0x4, NONE)       \
    X(OB_PRE_DUPLICATE_HANDLE_INFORMATION, DesiredAccess, KE_FIELD_U32, 0x0, 0x0, NONE)            \
    X(OB_PRE_DUPLICATE_HANDLE_INFORMATION, OriginalDesiredAccess, KE_FIELD_U32, 0x4, 0x4, NONE)    \
    X(OB_PRE_DUPLICATE_HANDLE_INFORMATION, SourceProcess, KE_FIELD_PTR, 0x8, 0x8, NONE)            \
    X(OB_PRE_DUPLICATE_HANDLE_INFORMATION, TargetProcess, KE_FIELD_PTR, 0x10, 0xC, NONE)           \
    X(OB_POST_OPERATION_INFORMATION, Operation, KE_FIELD_U32, 0x0, 0x0, NONE)                      \
    X(OB_POST_OPERATION_INFORMATION, Flags, KE_FIELD_U32, 0x4, 0x4, NONE)                          \
    X(OB_POST_OPERATION_INFORMATION, KernelHandle, KE_FIELD_U32, 0x4, 0x4, NONE)                   \
    X(OB_POST_OPERATION_INFORMATION, Object, KE_FIELD_PTR, 0x8, 0x8, NONE)                         \
    X(OB_POST_OPERATION_INFORMATION, ObjectType, KE_FIELD_PTR, 0x10, 0xC, NONE)                    \
    X(OB_POST_OPERATION_INFORMATION, CallContext, KE_FIELD_PTR, 0x18, 0x10, NONE)                  \
    X(OB_POST_OPERATION_INFORMATION, ReturnStatus, KE_FIELD_U32, 0x20, 0x14, NONE)                 \
    X(OB_POST_OPERATION_INFORMATION, Parameters, KE_FIELD_PTR, 0x28, 0x18,                         \
      OB_POST_OPERATION_PARAMETERS)                                                                \
    X(OB_POST_OPERATION_PARAMETERS, CreateHandleInformation, KE_FIELD_SUB, 0x0, 0x0,               \
      OB_POST_CREATE_HANDLE_INFORMATION)                                                           \
    X(OB_POST_OPERATION_PARAMETERS, DuplicateHandleInformation, KE_FIELD_SUB, 0x0, 0x0,            \
      OB_POST_CREATE_HANDLE_INFORMATION)                                                           \
    X(OB_POST_CREATE_HANDLE_INFORMATION, GrantedAccess, KE_FIELD_U32, 0x0, 0x0, NONE)              \
    X(CLIENT_ID, UniqueProcess, KE_FIELD_PTR, 0x0, 0x0, NONE)                                      \
    X(CLIENT_ID, UniqueThread, KE_FIELD_PTR, 0x8, 0x4, NONE)                                       \
    X(PS_CREATE_NOTIFY_INFO, Size, KE_FIELD_UPTR, 0x0, 0x0, NONE)                                  \
    X(PS_CREATE_NOTIFY_INFO, Flags, KE_FIELD_U32, 0x8, 0x4, NONE)                                  \
    X(PS_CREATE_NOTIFY_INFO, FileOpenNameAvailable, KE_FIELD_U32, 0x8, 0x4, NONE)                  \
    X(PS_CREATE_NOTIFY_INFO, ParentProcessId, KE_FIELD_UPTR, 0x10, 0x8, NONE)                      \
    X(PS_CREATE_NOTIFY_INFO, CreatingThreadId, KE_FIELD_SUB, 0x18, 0xC, CLIENT_ID)                 \
    X(PS_CREATE_NOTIFY_INFO, FileObject, KE_FIELD_PTR, 0x28, 0x14, FILE_OBJECT)                    \
    X(PS_CREATE_NOTIFY_INFO, ImageFileName, KE_FIELD_PTR, 0x30, 0x18, UNICODE_STRING)              \
    X(PS_CREATE_NOTIFY_INFO, CommandLine, KE_FIELD_PTR, 0x38, 0x1C, UNICODE_STRING)                \
    X(PS_CREATE_NOTIFY_INFO, CreationStatus, KE_FIELD_U32, 0x40, 0x20, NONE)                       \
    X(IMAGE_INFO, Properties, KE_FIELD_U32, 0x0, 0x0, NONE)                                        \
    X(IMAGE_INFO, ImageBase, KE_FIELD_PTR, 0x8, 0x4, NONE)                                         \
    X(IMAGE_INFO, ImageSelector, KE_FIELD_U32, 0x10, 0x8, NONE)                                    \
    X(IMAGE_INFO, ImageSize, KE_FIELD_UPTR, 0x18, 0xC, NONE)                                       \
    X(IMAGE_INFO, ImageSectionNumber, KE_FIELD_U32, 0x20, 0x10, NONE)                              \
    X(OBJECT_ATTRIBUTES, Length, KE_FIELD_U32, 0x0, 0x0, NONE)                                     \
    X(OBJECT_ATTRIBUTES, RootDirectory, KE_FIELD_UPTR, 0x8, 0x4, NONE)                             \
    X(OBJECT_ATTRIBUTES, ObjectName, KE_FIELD_PTR, 0x10, 0x8, UNICODE_STRING)                      \
    X(OBJECT_ATTRIBUTES, Attributes, KE_FIELD_U32, 0x18, 0xC, NONE)                                \
    X(OBJECT_ATTRIBUTES, SecurityDescriptor, KE_FIELD_PTR, 0x20, 0x10, NONE)                       \
    X(OBJECT_ATTRIBUTES, SecurityQualityOfService, KE_FIELD_PTR, 0x28, 0x14, NONE)                 \
    X(KEY_VALUE_BASIC_INFORMATION, TitleIndex, KE_FIELD_U32, 0x0, 0x0, NONE)                       \
    X(KEY_VALUE_BASIC_INFORMATION, Type, KE_FIELD_U32, 0x4, 0x4, NONE)                             \
    X(KEY_VALUE_BASIC_INFORMATION, NameLength, KE_FIELD_U32, 0x8, 0x8, NONE)                       \
    X(KEY_VALUE_BASIC_INFORMATION, Name, KE_FIELD_SUB, 0xC, 0xC, NONE)                             \
    X(KEY_VALUE_FULL_INFORMATION, TitleIndex, KE_FIELD_U32, 0x0, 0x0, NONE)                        \
    X(KEY_VALUE_FULL_INFORMATION, Type, KE_FIELD_U32, 0x4, 0x4, NONE)                              \
    X(KEY_VALUE_FULL_INFORMATION, DataOffset, KE_FIELD_U32, 0x8, 0x8, NONE)                        \
    X(KEY_VALUE_FULL_INFORMATION, DataLength, KE_FIELD_U32, 0xC, 0xC, NONE)                        \
    X(KEY_VALUE_FULL_INFORMATION, NameLength, KE_FIELD_U32, 0x10, 0x10, NONE)                      \
    X(KEY_VALUE_FULL_INFORMATION, Name, KE_FIELD_SUB, 0x14, 0x14, NONE)                            \
    X(KEY_VALUE_PARTIAL_INFORMATION, TitleIndex, KE_FIELD_U32, 0x0, 0x0, NONE)                     \
    X(KEY_VALUE_PARTIAL_INFORMATION, Type, KE_FIELD_U32, 0x4, 0x4, NONE)                           \
    X(KEY_VALUE_PARTIAL_INFORMATION, DataLength, KE_FIELD_U32, 0x8, 0x8, NONE)                     \
    X(KEY_VALUE_PARTIAL_INFORMATION, Data, KE_FIELD_SUB, 0xC, 0xC, NONE)                           \
    X(KEY_BASIC_INFORMATION, LastWriteTime, KE_FIELD_U64, 0x0, 0x0, NONE)                          \
    X(KEY_BASIC_INFORMATION, TitleIndex, KE_FIELD_U32, 0x8, 0x8, NONE)                             \
    X(KEY_BASIC_INFORMATION, NameLength, KE_FIELD_U32, 0xC, 0xC, NONE)                             \
    X(KEY_BASIC_INFORMATION, Name, KE_FIELD_SUB, 0x10, 0x10, NONE)                                 \
    X(KEY_FULL_INFORMATION, LastWriteTime, KE_FIELD_U64, 0x0, 0x0, NONE)                           \
    X(KEY_FULL_INFORMATION, TitleIndex, KE_FIELD_U32, 0x8, 0x8, NONE)                              \
    X(KEY_FULL_INFORMATION, ClassOffset, KE_FIELD_U32, 0xC, 0xC, NONE)                             \
    X(KEY_FULL_INFORMATION, ClassLength, KE_FIELD_U32, 0x10, 0x10, NONE)                           \
    X(KEY_FULL_INFORMATION, SubKeys, KE_FIELD_U32, 0x14, 0x14, NONE)                               \
    X(KEY_FULL_INFORMATION, MaxNameLen, KE_FIELD_U32, 0x18, 0x18, NONE)                            \
    X(KEY_FULL_INFORMATION, MaxClassLen, KE_FIELD_U32, 0x1C, 0x1C, NONE)                           \
    X(KEY_FULL_INFORMATION, Values, KE_FIELD_U32, 0x20, 0x20, NONE)                                \
    X(KEY_FULL_INFORMATION, MaxValueNameLen, KE_FIELD_U32, 0x24, 0x24, NONE)                       \
    X(KEY_FULL_INFORMATION, MaxValueDataLen, KE_FIELD_U32, 0x28, 0x28, NONE)                       \
    X(KEY_FULL_INFORMATION, Class, KE_FIELD_SUB, 0x2C, 0x2C, NONE)                                 \
    X(RTL_QUERY_REGISTRY_TABLE, QueryRoutine, KE_FIELD_PTR, 0x0, 0x0, NONE)                        \
    X(RTL_QUERY_REGISTRY_TABLE, Flags, KE_FIELD_U32, 0x8, 0x4, NONE)                               \
    X(RTL_QUERY_REGISTRY_TABLE, Name, KE_FIELD_PTR, 0x10, 0x8, NONE)                               \
    X(RTL_QUERY_REGISTRY_TABLE, EntryContext, KE_FIELD_PTR, 0x18, 0xC, NONE)                       \
    X(RTL_QUERY_REGISTRY_TABLE, DefaultType, KE_FIELD_U32, 0x20, 0x10, NONE)                       \
    X(RTL_QUERY_REGISTRY_TABLE, DefaultData, KE_FIELD_PTR, 0x28, 0x14, NONE)                       \
    X(RTL_QUERY_REGISTRY_TABLE, DefaultLength, KE_FIELD_U32, 0x30, 0x18, NONE)                     \
    X(IO_ERROR_LOG_PACKET, MajorFunctionCode, KE_FIELD_U8, 0x0, 0x0, NONE)                         \
    X(IO_ERROR_LOG_PACKET, RetryCount, KE_FIELD_U8, 0x1, 0x1, NONE)                                \
    X(IO_ERROR_LOG_PACKET, DumpDataSize, KE_FIELD_U16, 0x2, 0x2, NONE)                             \
    X(IO_ERROR_LOG_PACKET, NumberOfStrings, KE_FIELD_U16, 0x4, 0x4, NONE)                          \
    X(IO_ERROR_LOG_PACKET, StringOffset, KE_FIELD_U16, 0x6, 0x6, NONE)                             \
    X(IO_ERROR_LOG_PACKET, EventCategory, KE_FIELD_U16, 0x8, 0x8, NONE)                            \
    X(IO_ERROR_LOG_PACKET, ErrorCode, KE_FIELD_U32, 0xC, 0xC, NONE)                                \
    X(IO_ERROR_LOG_PACKET, UniqueErrorValue, KE_FIELD_U32, 0x10, 0x10, NONE)                       \
    X(IO_ERROR_LOG_PACKET, FinalStatus, KE_FIELD_U32, 0x14, 0x14, NONE)                            \
    X(IO_ERROR_LOG_PACKET, SequenceNumber, KE_FIELD_U32, 0x18, 0x18, NONE)                         \
    X(IO_ERROR_LOG_PACKET, IoControlCode, KE_FIELD_U32, 0x1C, 0x1C, NONE)                          \
    X(IO_ERROR_LOG_PACKET, DeviceOffset, KE_FIELD_U64, 0x20, 0x20, NONE)                           \
    X(IO_ERROR_LOG_PACKET, DumpData, KE_FIELD_SUB, 0x28, 0x28, NONE)                               \
    KE_WDM_QUEUE_FIELDS(X)

/* Remove locks (IO_REMOVE_LOCK as a free build lays it out: the common
 * block only), cancel-safe queues (IO_CSQ, IO_CSQ_IRP_CONTEXT), device
 * queues (KDEVICE_QUEUE, KDEVICE_QUEUE_ENTRY) and where the device object
 * and the IRP hold theirs; a file object's access and sharing (SHARE_ACCESS,
 * the FILE_OBJECT's booleans and Flags). */
#define KE_WDM_QUEUE_FIELDS(X)                                                                     \
    X(IO_REMOVE_LOCK, Common, KE_FIELD_SUB, 0x0, 0x0, IO_REMOVE_LOCK_COMMON_BLOCK)                 \
    X(IO_REMOVE_LOCK_COMMON_BLOCK, Removed, KE_FIELD_U8, 0x0, 0x0, NONE)                           \
    X(IO_REMOVE_LOCK_COMMON_BLOCK, IoCount, KE_FIELD_U32, 0x4, 0x4, NONE)                          \
    X(IO_REMOVE_LOCK_COMMON_BLOCK, RemoveEvent, KE_FIELD_SUB, 0x8, 0x8, KEVENT)                    \
    X(IO_CSQ, Type, KE_FIELD_U32, 0x0, 0x0, NONE)                                                  \
    X(IO_CSQ, CsqInsertIrp, KE_FIELD_PTR, 0x8, 0x4, NONE)                                          \
    X(IO_CSQ, CsqRemoveIrp, KE_FIELD_PTR, 0x10, 0x8, NONE)                                         \
    X(IO_CSQ, CsqPeekNextIrp, KE_FIELD_PTR, 0x18, 0xC, NONE)                                       \
    X(IO_CSQ, CsqAcquireLock, KE_FIELD_PTR, 0x20, 0x10, NONE)                                      \
    X(IO_CSQ, CsqReleaseLock, KE_FIELD_PTR, 0x28, 0x14, NONE)                                      \
    X(IO_CSQ, CsqCompleteCanceledIrp, KE_FIELD_PTR, 0x30, 0x18, NONE)                              \
    X(IO_CSQ, ReservePointer, KE_FIELD_PTR, 0x38, 0x1C, NONE)                                      \
    X(IO_CSQ_IRP_CONTEXT, Type, KE_FIELD_U32, 0x0, 0x0, NONE)                                      \
    X(IO_CSQ_IRP_CONTEXT, Irp, KE_FIELD_PTR, 0x8, 0x4, IRP)                                        \
    X(IO_CSQ_IRP_CONTEXT, Csq, KE_FIELD_PTR, 0x10, 0x8, IO_CSQ)                                    \
    X(KDEVICE_QUEUE, Type, KE_FIELD_U16, 0x0, 0x0, NONE)                                           \
    X(KDEVICE_QUEUE, Size, KE_FIELD_U16, 0x2, 0x2, NONE)                                           \
    X(KDEVICE_QUEUE, DeviceListHead, KE_FIELD_SUB, 0x8, 0x4, LIST_ENTRY)                           \
    X(KDEVICE_QUEUE, Lock, KE_FIELD_UPTR, 0x18, 0xC, NONE)                                         \
    X(KDEVICE_QUEUE, Busy, KE_FIELD_U8, 0x20, 0x10, NONE)                                          \
    X(KDEVICE_QUEUE_ENTRY, DeviceListEntry, KE_FIELD_SUB, 0x0, 0x0, LIST_ENTRY)                    \
    X(KDEVICE_QUEUE_ENTRY, SortKey, KE_FIELD_U32, 0x10, 0x8, NONE)                                 \
    X(KDEVICE_QUEUE_ENTRY, Inserted, KE_FIELD_U8, 0x14, 0xC, NONE)                                 \
    X(DEVICE_OBJECT, DeviceQueue, KE_FIELD_SUB, 0xA0, 0x60, KDEVICE_QUEUE)                         \
    X(DEVICE_OBJECT, Dpc, KE_FIELD_SUB, 0xC8, 0x74, KDPC)                                          \
    X(IRP_TAIL_OVERLAY, DeviceQueueEntry, KE_FIELD_SUB, 0x0, 0x0, KDEVICE_QUEUE_ENTRY)             \
    X(FILE_OBJECT, ReadAccess, KE_FIELD_U8, 0x4A, 0x26, NONE)                                      \
    X(FILE_OBJECT, WriteAccess, KE_FIELD_U8, 0x4B, 0x27, NONE)                                     \
    X(FILE_OBJECT, DeleteAccess, KE_FIELD_U8, 0x4C, 0x28, NONE)                                    \
    X(FILE_OBJECT, SharedRead, KE_FIELD_U8, 0x4D, 0x29, NONE)                                      \
    X(FILE_OBJECT, SharedWrite, KE_FIELD_U8, 0x4E, 0x2A, NONE)                                     \
    X(FILE_OBJECT, SharedDelete, KE_FIELD_U8, 0x4F, 0x2B, NONE)                                    \
    X(FILE_OBJECT, Flags, KE_FIELD_U32, 0x50, 0x2C, NONE)                                          \
    X(SHARE_ACCESS, OpenCount, KE_FIELD_U32, 0x0, 0x0, NONE)                                       \
    X(SHARE_ACCESS, Readers, KE_FIELD_U32, 0x4, 0x4, NONE)                                         \
    X(SHARE_ACCESS, Writers, KE_FIELD_U32, 0x8, 0x8, NONE)                                         \
    X(SHARE_ACCESS, Deleters, KE_FIELD_U32, 0xC, 0xC, NONE)                                        \
    X(SHARE_ACCESS, SharedRead, KE_FIELD_U32, 0x10, 0x10, NONE)                                    \
    X(SHARE_ACCESS, SharedWrite, KE_FIELD_U32, 0x14, 0x14, NONE)                                   \
    X(SHARE_ACCESS, SharedDelete, KE_FIELD_U32, 0x18, 0x18, NONE)                                  \
    KE_FILE_FIELDS(X)

/* The file routines' structures (wdm.h, ntifs.h): the FILE_OBJECT's name and
 * file pointer, and the FILE_INFORMATION_CLASS answers drivers read. */
#define KE_FILE_FIELDS(X)                                                                          \
    X(FILE_OBJECT, DeletePending, KE_FIELD_U8, 0x49, 0x25, NONE)                                   \
    X(FILE_OBJECT, FileName, KE_FIELD_SUB, 0x58, 0x30, UNICODE_STRING)                             \
    X(FILE_OBJECT, CurrentByteOffset, KE_FIELD_U64, 0x68, 0x38, NONE)                              \
    X(FILE_BASIC_INFORMATION, CreationTime, KE_FIELD_U64, 0x0, 0x0, NONE)                          \
    X(FILE_BASIC_INFORMATION, LastAccessTime, KE_FIELD_U64, 0x8, 0x8, NONE)                        \
    X(FILE_BASIC_INFORMATION, LastWriteTime, KE_FIELD_U64, 0x10, 0x10, NONE)                       \
    X(FILE_BASIC_INFORMATION, ChangeTime, KE_FIELD_U64, 0x18, 0x18, NONE)                          \
    X(FILE_BASIC_INFORMATION, FileAttributes, KE_FIELD_U32, 0x20, 0x20, NONE)                      \
    X(FILE_STANDARD_INFORMATION, AllocationSize, KE_FIELD_U64, 0x0, 0x0, NONE)                     \
    X(FILE_STANDARD_INFORMATION, EndOfFile, KE_FIELD_U64, 0x8, 0x8, NONE)                          \
    X(FILE_STANDARD_INFORMATION, NumberOfLinks, KE_FIELD_U32, 0x10, 0x10, NONE)                    \
    X(FILE_STANDARD_INFORMATION, DeletePending, KE_FIELD_U8, 0x14, 0x14, NONE)                     \
    X(FILE_STANDARD_INFORMATION, Directory, KE_FIELD_U8, 0x15, 0x15, NONE)                         \
    X(FILE_POSITION_INFORMATION, CurrentByteOffset, KE_FIELD_U64, 0x0, 0x0, NONE)                  \
    X(FILE_END_OF_FILE_INFORMATION, EndOfFile, KE_FIELD_U64, 0x0, 0x0, NONE)                       \
    X(FILE_DISPOSITION_INFORMATION, DeleteFile, KE_FIELD_U8, 0x0, 0x0, NONE)                       \
    X(FILE_NETWORK_OPEN_INFORMATION, CreationTime, KE_FIELD_U64, 0x0, 0x0, NONE)                   \
    X(FILE_NETWORK_OPEN_INFORMATION, LastAccessTime, KE_FIELD_U64, 0x8, 0x8, NONE)                 \
    X(FILE_NETWORK_OPEN_INFORMATION, LastWriteTime, KE_FIELD_U64, 0x10, 0x10, NONE)                \
    X(FILE_NETWORK_OPEN_INFORMATION, ChangeTime, KE_FIELD_U64, 0x18, 0x18, NONE)                   \
    X(FILE_NETWORK_OPEN_INFORMATION, AllocationSize, KE_FIELD_U64, 0x20, 0x20, NONE)               \
    X(FILE_NETWORK_OPEN_INFORMATION, EndOfFile, KE_FIELD_U64, 0x28, 0x28, NONE)                    \
    X(FILE_NETWORK_OPEN_INFORMATION, FileAttributes, KE_FIELD_U32, 0x30, 0x30, NONE)               \
    X(RTL_BITMAP, SizeOfBitMap, KE_FIELD_U32, 0x0, 0x0, NONE)                                      \
    X(RTL_BITMAP, Buffer, KE_FIELD_PTR, 0x8, 0x4, NONE)                                            \
    KE_CM_CALLBACK_FIELDS(X)

/* The registry callbacks' structures (wdm.h): a RegistryCallback's
 * Argument2 for the operations drivers filter, and the post-notification's. */
#define KE_CM_CALLBACK_FIELDS(X)                                                                   \
    X(REG_SET_VALUE_KEY_INFORMATION, Object, KE_FIELD_PTR, 0x0, 0x0, NONE)                         \
    X(REG_SET_VALUE_KEY_INFORMATION, ValueName, KE_FIELD_PTR, 0x8, 0x4, UNICODE_STRING)            \
    X(REG_SET_VALUE_KEY_INFORMATION, TitleIndex, KE_FIELD_U32, 0x10, 0x8, NONE)                    \
    X(REG_SET_VALUE_KEY_INFORMATION, Type, KE_FIELD_U32, 0x14, 0xC, NONE)                          \
    X(REG_SET_VALUE_KEY_INFORMATION, Data, KE_FIELD_PTR, 0x18, 0x10, NONE)                         \
    X(REG_SET_VALUE_KEY_INFORMATION, DataSize, KE_FIELD_U32, 0x20, 0x14, NONE)                     \
    X(REG_SET_VALUE_KEY_INFORMATION, CallContext, KE_FIELD_PTR, 0x28, 0x18, NONE)                  \
    X(REG_SET_VALUE_KEY_INFORMATION, ObjectContext, KE_FIELD_PTR, 0x30, 0x1C, NONE)                \
    X(REG_DELETE_VALUE_KEY_INFORMATION, Object, KE_FIELD_PTR, 0x0, 0x0, NONE)                      \
    X(REG_DELETE_VALUE_KEY_INFORMATION, ValueName, KE_FIELD_PTR, 0x8, 0x4, UNICODE_STRING)         \
    X(REG_DELETE_VALUE_KEY_INFORMATION, CallContext, KE_FIELD_PTR, 0x10, 0x8, NONE)                \
    X(REG_DELETE_VALUE_KEY_INFORMATION, ObjectContext, KE_FIELD_PTR, 0x18, 0xC, NONE)              \
    X(REG_DELETE_KEY_INFORMATION, Object, KE_FIELD_PTR, 0x0, 0x0, NONE)                            \
    X(REG_DELETE_KEY_INFORMATION, CallContext, KE_FIELD_PTR, 0x8, 0x4, NONE)                       \
    X(REG_DELETE_KEY_INFORMATION, ObjectContext, KE_FIELD_PTR, 0x10, 0x8, NONE)                    \
    X(REG_QUERY_VALUE_KEY_INFORMATION, Object, KE_FIELD_PTR, 0x0, 0x0, NONE)                       \
    X(REG_QUERY_VALUE_KEY_INFORMATION, ValueName, KE_FIELD_PTR, 0x8, 0x4, UNICODE_STRING)          \
    X(REG_QUERY_VALUE_KEY_INFORMATION, KeyValueInformationClass, KE_FIELD_U32, 0x10, 0x8, NONE)    \
    X(REG_QUERY_VALUE_KEY_INFORMATION, KeyValueInformation, KE_FIELD_PTR, 0x18, 0xC, NONE)         \
    X(REG_QUERY_VALUE_KEY_INFORMATION, Length, KE_FIELD_U32, 0x20, 0x10, NONE)                     \
    X(REG_QUERY_VALUE_KEY_INFORMATION, ResultLength, KE_FIELD_PTR, 0x28, 0x14, LONG)               \
    X(REG_QUERY_VALUE_KEY_INFORMATION, CallContext, KE_FIELD_PTR, 0x30, 0x18, NONE)                \
    X(REG_QUERY_VALUE_KEY_INFORMATION, ObjectContext, KE_FIELD_PTR, 0x38, 0x1C, NONE)              \
    X(REG_CREATE_KEY_INFORMATION, CompleteName, KE_FIELD_PTR, 0x0, 0x0, UNICODE_STRING)            \
    X(REG_CREATE_KEY_INFORMATION, RootObject, KE_FIELD_PTR, 0x8, 0x4, NONE)                        \
    X(REG_CREATE_KEY_INFORMATION, ObjectType, KE_FIELD_PTR, 0x10, 0x8, NONE)                       \
    X(REG_CREATE_KEY_INFORMATION, CreateOptions, KE_FIELD_U32, 0x18, 0xC, NONE)                    \
    X(REG_CREATE_KEY_INFORMATION, Class, KE_FIELD_PTR, 0x20, 0x10, UNICODE_STRING)                 \
    X(REG_CREATE_KEY_INFORMATION, SecurityDescriptor, KE_FIELD_PTR, 0x28, 0x14, NONE)              \
    X(REG_CREATE_KEY_INFORMATION, SecurityQualityOfService, KE_FIELD_PTR, 0x30, 0x18, NONE)        \
    X(REG_CREATE_KEY_INFORMATION, DesiredAccess, KE_FIELD_U32, 0x38, 0x1C, NONE)                   \
    X(REG_CREATE_KEY_INFORMATION, GrantedAccess, KE_FIELD_U32, 0x3C, 0x20, NONE)                   \
    X(REG_CREATE_KEY_INFORMATION, Disposition, KE_FIELD_PTR, 0x40, 0x24, LONG)                     \
    X(REG_CREATE_KEY_INFORMATION, ResultObject, KE_FIELD_PTR, 0x48, 0x28, NONE)                    \
    X(REG_CREATE_KEY_INFORMATION, CallContext, KE_FIELD_PTR, 0x50, 0x2C, NONE)                     \
    X(REG_CREATE_KEY_INFORMATION, RootObjectContext, KE_FIELD_PTR, 0x58, 0x30, NONE)               \
    X(REG_CREATE_KEY_INFORMATION, Transaction, KE_FIELD_PTR, 0x60, 0x34, NONE)                     \
    X(REG_OPEN_KEY_INFORMATION, CompleteName, KE_FIELD_PTR, 0x0, 0x0, UNICODE_STRING)              \
    X(REG_OPEN_KEY_INFORMATION, RootObject, KE_FIELD_PTR, 0x8, 0x4, NONE)                          \
    X(REG_OPEN_KEY_INFORMATION, ObjectType, KE_FIELD_PTR, 0x10, 0x8, NONE)                         \
    X(REG_OPEN_KEY_INFORMATION, CreateOptions, KE_FIELD_U32, 0x18, 0xC, NONE)                      \
    X(REG_OPEN_KEY_INFORMATION, Class, KE_FIELD_PTR, 0x20, 0x10, UNICODE_STRING)                   \
    X(REG_OPEN_KEY_INFORMATION, SecurityDescriptor, KE_FIELD_PTR, 0x28, 0x14, NONE)                \
    X(REG_OPEN_KEY_INFORMATION, SecurityQualityOfService, KE_FIELD_PTR, 0x30, 0x18, NONE)          \
    X(REG_OPEN_KEY_INFORMATION, DesiredAccess, KE_FIELD_U32, 0x38, 0x1C, NONE)                     \
    X(REG_OPEN_KEY_INFORMATION, GrantedAccess, KE_FIELD_U32, 0x3C, 0x20, NONE)                     \
    X(REG_OPEN_KEY_INFORMATION, Disposition, KE_FIELD_PTR, 0x40, 0x24, LONG)                       \
    X(REG_OPEN_KEY_INFORMATION, ResultObject, KE_FIELD_PTR, 0x48, 0x28, NONE)                      \
    X(REG_OPEN_KEY_INFORMATION, CallContext, KE_FIELD_PTR, 0x50, 0x2C, NONE)                       \
    X(REG_OPEN_KEY_INFORMATION, RootObjectContext, KE_FIELD_PTR, 0x58, 0x30, NONE)                 \
    X(REG_OPEN_KEY_INFORMATION, Transaction, KE_FIELD_PTR, 0x60, 0x34, NONE)                       \
    X(REG_POST_OPERATION_INFORMATION, Object, KE_FIELD_PTR, 0x0, 0x0, NONE)                        \
    X(REG_POST_OPERATION_INFORMATION, Status, KE_FIELD_U32, 0x8, 0x4, NONE)                        \
    X(REG_POST_OPERATION_INFORMATION, PreInformation, KE_FIELD_PTR, 0x10, 0x8, NONE)               \
    X(REG_POST_OPERATION_INFORMATION, ReturnStatus, KE_FIELD_U32, 0x18, 0xC, NONE)                 \
    X(REG_POST_OPERATION_INFORMATION, CallContext, KE_FIELD_PTR, 0x20, 0x10, NONE)                 \
    X(REG_POST_OPERATION_INFORMATION, ObjectContext, KE_FIELD_PTR, 0x28, 0x14, NONE)               \
    KE_PNP_FIELDS(X)

/* Plug and Play, power and WMI (io/pnp.c, po/, io/wmi.c): the IRP
 * parameters of IRP_MJ_PNP, IRP_MJ_POWER and IRP_MJ_SYSTEM_CONTROL (wdm.h's
 * POINTER_ALIGNMENT members), DRIVER_EXTENSION (AddDevice), the answers a
 * driver or the bus fills (DEVICE_CAPABILITIES, DEVICE_RELATIONS,
 * PNP_BUS_INFORMATION) and CM_RESOURCE_LIST (#pragma pack(4)). */
#define KE_PNP_FIELDS(X)                                                                           \
    X(DRIVER_OBJECT, DriverExtension, KE_FIELD_PTR, 0x30, 0x18, DRIVER_EXTENSION)                  \
    X(DRIVER_EXTENSION, DriverObject, KE_FIELD_PTR, 0x0, 0x0, DRIVER_OBJECT)                       \
    X(DRIVER_EXTENSION, AddDevice, KE_FIELD_ROUTINE, 0x8, 0x4, NONE)                               \
    X(DRIVER_EXTENSION, Count, KE_FIELD_U32, 0x10, 0x8, NONE)                                      \
    X(DRIVER_EXTENSION, ServiceKeyName, KE_FIELD_SUB, 0x18, 0xC, UNICODE_STRING)                   \
    X(IO_STACK_PARAMETERS, StartDevice, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_START_DEVICE)        \
    X(IO_STACK_PARAMETERS, QueryDeviceRelations, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_RELATIONS)  \
    X(IO_STACK_PARAMETERS, QueryId, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_QUERY_ID)                \
    X(IO_STACK_PARAMETERS, QueryDeviceText, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_DEVICE_TEXT)     \
    X(IO_STACK_PARAMETERS, DeviceCapabilities, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_CAPABILITIES) \
    X(IO_STACK_PARAMETERS, QueryInterface, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_QUERY_INTERFACE)  \
    X(IO_STACK_PARAMETERS, UsageNotification, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_USAGE)         \
    X(IO_STACK_PARAMETERS, Power, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_POWER)                     \
    X(IO_STACK_PARAMETERS, WaitWake, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_QUERY_ID)               \
    X(IO_STACK_PARAMETERS, WMI, KE_FIELD_SUB, 0x0, 0x0, IO_PARAMETERS_WMI)                         \
    X(IO_PARAMETERS_START_DEVICE, AllocatedResources, KE_FIELD_PTR, 0x0, 0x0, CM_RESOURCE_LIST)    \
    X(IO_PARAMETERS_START_DEVICE, AllocatedResourcesTranslated, KE_FIELD_PTR, 0x8, 0x4,            \
      CM_RESOURCE_LIST)                                                                            \
    X(IO_PARAMETERS_RELATIONS, Type, KE_FIELD_U32, 0x0, 0x0, NONE)                                 \
    X(IO_PARAMETERS_QUERY_ID, IdType, KE_FIELD_U32, 0x0, 0x0, NONE)                                \
    X(IO_PARAMETERS_QUERY_ID, PowerState, KE_FIELD_U32, 0x0, 0x0, NONE)                            \
    X(IO_PARAMETERS_DEVICE_TEXT, DeviceTextType, KE_FIELD_U32, 0x0, 0x0, NONE)                     \
    X(IO_PARAMETERS_DEVICE_TEXT, LocaleId, KE_FIELD_U32, 0x8, 0x4, NONE)                           \
    X(IO_PARAMETERS_CAPABILITIES, Capabilities, KE_FIELD_PTR, 0x0, 0x0, DEVICE_CAPABILITIES)       \
    X(IO_PARAMETERS_QUERY_INTERFACE, InterfaceType, KE_FIELD_PTR, 0x0, 0x0, NONE)                  \
    X(IO_PARAMETERS_QUERY_INTERFACE, Size, KE_FIELD_U16, 0x8, 0x4, NONE)                           \
    X(IO_PARAMETERS_QUERY_INTERFACE, Version, KE_FIELD_U16, 0xA, 0x6, NONE)                        \
    X(IO_PARAMETERS_QUERY_INTERFACE, Interface, KE_FIELD_PTR, 0x10, 0x8, NONE)                     \
    X(IO_PARAMETERS_QUERY_INTERFACE, InterfaceSpecificData, KE_FIELD_PTR, 0x18, 0xC, NONE)         \
    X(IO_PARAMETERS_USAGE, InPath, KE_FIELD_U8, 0x0, 0x0, NONE)                                    \
    X(IO_PARAMETERS_USAGE, Type, KE_FIELD_U32, 0x8, 0x4, NONE)                                     \
    X(IO_PARAMETERS_POWER, SystemContext, KE_FIELD_U32, 0x0, 0x0, NONE)                            \
    X(IO_PARAMETERS_POWER, Type, KE_FIELD_U32, 0x8, 0x4, NONE)                                     \
    X(IO_PARAMETERS_POWER, State, KE_FIELD_SUB, 0x10, 0x8, POWER_STATE)                            \
    X(IO_PARAMETERS_POWER, ShutdownType, KE_FIELD_U32, 0x18, 0xC, NONE)                            \
    X(POWER_STATE, SystemState, KE_FIELD_U32, 0x0, 0x0, NONE)                                      \
    X(POWER_STATE, DeviceState, KE_FIELD_U32, 0x0, 0x0, NONE)                                      \
    X(IO_PARAMETERS_WMI, ProviderId, KE_FIELD_UPTR, 0x0, 0x0, NONE)                                \
    X(IO_PARAMETERS_WMI, DataPath, KE_FIELD_PTR, 0x8, 0x4, NONE)                                   \
    X(IO_PARAMETERS_WMI, BufferSize, KE_FIELD_U32, 0x10, 0x8, NONE)                                \
    X(IO_PARAMETERS_WMI, Buffer, KE_FIELD_PTR, 0x18, 0xC, NONE)                                    \
    X(DEVICE_CAPABILITIES, Size, KE_FIELD_U16, 0x0, 0x0, NONE)                                     \
    X(DEVICE_CAPABILITIES, Version, KE_FIELD_U16, 0x2, 0x2, NONE)                                  \
    X(DEVICE_CAPABILITIES, Address, KE_FIELD_U32, 0x8, 0x8, NONE)                                  \
    X(DEVICE_CAPABILITIES, UINumber, KE_FIELD_U32, 0xC, 0xC, NONE)                                 \
    X(DEVICE_CAPABILITIES, DeviceState, KE_FIELD_SUB, 0x10, 0x10, DEVICE_POWER_STATES)             \
    X(DEVICE_CAPABILITIES, SystemWake, KE_FIELD_U32, 0x2C, 0x2C, NONE)                             \
    X(DEVICE_CAPABILITIES, DeviceWake, KE_FIELD_U32, 0x30, 0x30, NONE)                             \
    X(DEVICE_CAPABILITIES, D1Latency, KE_FIELD_U32, 0x34, 0x34, NONE)                              \
    X(DEVICE_CAPABILITIES, D2Latency, KE_FIELD_U32, 0x38, 0x38, NONE)                              \
    X(DEVICE_CAPABILITIES, D3Latency, KE_FIELD_U32, 0x3C, 0x3C, NONE)                              \
    X(DEVICE_POWER_STATES, [0], KE_FIELD_U32, 0x0, 0x0, NONE)                                      \
    X(DEVICE_POWER_STATES, [1], KE_FIELD_U32, 0x4, 0x4, NONE)                                      \
    X(DEVICE_POWER_STATES, [2], KE_FIELD_U32, 0x8, 0x8, NONE)                                      \
    X(DEVICE_POWER_STATES, [3], KE_FIELD_U32, 0xC, 0xC, NONE)                                      \
    X(DEVICE_POWER_STATES, [4], KE_FIELD_U32, 0x10, 0x10, NONE)                                    \
    X(DEVICE_POWER_STATES, [5], KE_FIELD_U32, 0x14, 0x14, NONE)                                    \
    X(DEVICE_POWER_STATES, [6], KE_FIELD_U32, 0x18, 0x18, NONE)                                    \
    X(DEVICE_RELATIONS, Count, KE_FIELD_U32, 0x0, 0x0, NONE)                                       \
    X(DEVICE_RELATIONS, Objects, KE_FIELD_SUB, 0x8, 0x4, NONE)                                     \
    X(CM_RESOURCE_LIST, Count, KE_FIELD_U32, 0x0, 0x0, NONE)                                       \
    X(CM_RESOURCE_LIST, List, KE_FIELD_SUB, 0x4, 0x4, CM_FULL_RESOURCE_DESCRIPTOR)                 \
    X(CM_FULL_RESOURCE_DESCRIPTOR, InterfaceType, KE_FIELD_U32, 0x0, 0x0, NONE)                    \
    X(CM_FULL_RESOURCE_DESCRIPTOR, BusNumber, KE_FIELD_U32, 0x4, 0x4, NONE)                        \
    X(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList, KE_FIELD_SUB, 0x8, 0x8,                    \
      CM_PARTIAL_RESOURCE_LIST)                                                                    \
    X(CM_PARTIAL_RESOURCE_LIST, Version, KE_FIELD_U16, 0x0, 0x0, NONE)                             \
    X(CM_PARTIAL_RESOURCE_LIST, Revision, KE_FIELD_U16, 0x2, 0x2, NONE)                            \
    X(CM_PARTIAL_RESOURCE_LIST, Count, KE_FIELD_U32, 0x4, 0x4, NONE)                               \
    X(CM_PARTIAL_RESOURCE_LIST, PartialDescriptors, KE_FIELD_SUB, 0x8, 0x8,                        \
      CM_PARTIAL_RESOURCE_DESCRIPTOR)                                                              \
    X(CM_PARTIAL_RESOURCE_DESCRIPTOR, Type, KE_FIELD_U8, 0x0, 0x0, NONE)                           \
    X(CM_PARTIAL_RESOURCE_DESCRIPTOR, ShareDisposition, KE_FIELD_U8, 0x1, 0x1, NONE)               \
    X(CM_PARTIAL_RESOURCE_DESCRIPTOR, Flags, KE_FIELD_U16, 0x2, 0x2, NONE)                         \
    X(CM_PARTIAL_RESOURCE_DESCRIPTOR, u, KE_FIELD_SUB, 0x4, 0x4, CM_PARTIAL_RESOURCE_U)            \
    X(CM_PARTIAL_RESOURCE_U, Port, KE_FIELD_SUB, 0x0, 0x0, CM_RESOURCE_RANGE)                      \
    X(CM_PARTIAL_RESOURCE_U, Memory, KE_FIELD_SUB, 0x0, 0x0, CM_RESOURCE_RANGE)                    \
    X(CM_PARTIAL_RESOURCE_U, Interrupt, KE_FIELD_SUB, 0x0, 0x0, CM_RESOURCE_INTERRUPT)             \
    X(CM_RESOURCE_RANGE, Start, KE_FIELD_U64, 0x0, 0x0, NONE)                                      \
    X(CM_RESOURCE_RANGE, Length, KE_FIELD_U32, 0x8, 0x8, NONE)                                     \
    X(CM_RESOURCE_INTERRUPT, Level, KE_FIELD_U16, 0x0, 0x0, NONE)                                  \
    X(CM_RESOURCE_INTERRUPT, Group, KE_FIELD_U16, 0x2, 0x2, NONE)                                  \
    X(CM_RESOURCE_INTERRUPT, Vector, KE_FIELD_U32, 0x4, 0x4, NONE)                                 \
    X(CM_RESOURCE_INTERRUPT, Affinity, KE_FIELD_UPTR, 0x8, 0x8, NONE)                              \
    /* The HAL's DMA (wdm.h): DEVICE_DESCRIPTION through version 3, the DMA_ADAPTER and the        \
     * version 2 DMA_OPERATIONS its members point to (kernel routines: they read back as the       \
     * callable routine), a SCATTER_GATHER_LIST (Elements is its first element; element i is       \
     * SCATTER_GATHER_ELEMENT(l.Elements + i * sizeof(SCATTER_GATHER_ELEMENT))). */                \
    X(DEVICE_DESCRIPTION, Version, KE_FIELD_U32, 0x0, 0x0, NONE)                                   \
    X(DEVICE_DESCRIPTION, Master, KE_FIELD_U8, 0x4, 0x4, NONE)                                     \
    X(DEVICE_DESCRIPTION, ScatterGather, KE_FIELD_U8, 0x5, 0x5, NONE)                              \
    X(DEVICE_DESCRIPTION, DemandMode, KE_FIELD_U8, 0x6, 0x6, NONE)                                 \
    X(DEVICE_DESCRIPTION, AutoInitialize, KE_FIELD_U8, 0x7, 0x7, NONE)                             \
    X(DEVICE_DESCRIPTION, Dma32BitAddresses, KE_FIELD_U8, 0x8, 0x8, NONE)                          \
    X(DEVICE_DESCRIPTION, IgnoreCount, KE_FIELD_U8, 0x9, 0x9, NONE)                                \
    X(DEVICE_DESCRIPTION, Reserved1, KE_FIELD_U8, 0xa, 0xa, NONE)                                  \
    X(DEVICE_DESCRIPTION, Dma64BitAddresses, KE_FIELD_U8, 0xb, 0xb, NONE)                          \
    X(DEVICE_DESCRIPTION, BusNumber, KE_FIELD_U32, 0xc, 0xc, NONE)                                 \
    X(DEVICE_DESCRIPTION, DmaChannel, KE_FIELD_U32, 0x10, 0x10, NONE)                              \
    X(DEVICE_DESCRIPTION, InterfaceType, KE_FIELD_U32, 0x14, 0x14, NONE)                           \
    X(DEVICE_DESCRIPTION, DmaWidth, KE_FIELD_U32, 0x18, 0x18, NONE)                                \
    X(DEVICE_DESCRIPTION, DmaSpeed, KE_FIELD_U32, 0x1c, 0x1c, NONE)                                \
    X(DEVICE_DESCRIPTION, MaximumLength, KE_FIELD_U32, 0x20, 0x20, NONE)                           \
    X(DEVICE_DESCRIPTION, DmaPort, KE_FIELD_U32, 0x24, 0x24, NONE)                                 \
    X(DEVICE_DESCRIPTION, DmaAddressWidth, KE_FIELD_U32, 0x28, 0x28, NONE)                         \
    X(DEVICE_DESCRIPTION, DmaControllerInstance, KE_FIELD_U32, 0x2c, 0x2c, NONE)                   \
    X(DEVICE_DESCRIPTION, DmaRequestLine, KE_FIELD_U32, 0x30, 0x30, NONE)                          \
    X(DEVICE_DESCRIPTION, DeviceAddress, KE_FIELD_U64, 0x38, 0x38, NONE)                           \
    X(DMA_ADAPTER, Version, KE_FIELD_U16, 0x0, 0x0, NONE)                                          \
    X(DMA_ADAPTER, Size, KE_FIELD_U16, 0x2, 0x2, NONE)                                             \
    X(DMA_ADAPTER, DmaOperations, KE_FIELD_PTR, 0x8, 0x4, DMA_OPERATIONS)                          \
    X(DMA_OPERATIONS, Size, KE_FIELD_U32, 0x0, 0x0, NONE)                                          \
    X(DMA_OPERATIONS, PutDmaAdapter, KE_FIELD_ROUTINE, 0x8, 0x4, NONE)                             \
    X(DMA_OPERATIONS, AllocateCommonBuffer, KE_FIELD_ROUTINE, 0x10, 0x8, NONE)                     \
    X(DMA_OPERATIONS, FreeCommonBuffer, KE_FIELD_ROUTINE, 0x18, 0xc, NONE)                         \
    X(DMA_OPERATIONS, AllocateAdapterChannel, KE_FIELD_ROUTINE, 0x20, 0x10, NONE)                  \
    X(DMA_OPERATIONS, FlushAdapterBuffers, KE_FIELD_ROUTINE, 0x28, 0x14, NONE)                     \
    X(DMA_OPERATIONS, FreeAdapterChannel, KE_FIELD_ROUTINE, 0x30, 0x18, NONE)                      \
    X(DMA_OPERATIONS, FreeMapRegisters, KE_FIELD_ROUTINE, 0x38, 0x1c, NONE)                        \
    X(DMA_OPERATIONS, MapTransfer, KE_FIELD_ROUTINE, 0x40, 0x20, NONE)                             \
    X(DMA_OPERATIONS, GetDmaAlignment, KE_FIELD_ROUTINE, 0x48, 0x24, NONE)                         \
    X(DMA_OPERATIONS, ReadDmaCounter, KE_FIELD_ROUTINE, 0x50, 0x28, NONE)                          \
    X(DMA_OPERATIONS, GetScatterGatherList, KE_FIELD_ROUTINE, 0x58, 0x2c, NONE)                    \
    X(DMA_OPERATIONS, PutScatterGatherList, KE_FIELD_ROUTINE, 0x60, 0x30, NONE)                    \
    X(DMA_OPERATIONS, CalculateScatterGatherList, KE_FIELD_ROUTINE, 0x68, 0x34, NONE)              \
    X(DMA_OPERATIONS, BuildScatterGatherList, KE_FIELD_ROUTINE, 0x70, 0x38, NONE)                  \
    X(SCATTER_GATHER_LIST, NumberOfElements, KE_FIELD_U32, 0x0, 0x0, NONE)                         \
    X(SCATTER_GATHER_LIST, Reserved, KE_FIELD_UPTR, 0x8, 0x4, NONE)                                \
    X(SCATTER_GATHER_LIST, Elements, KE_FIELD_SUB, 0x10, 0x8, SCATTER_GATHER_ELEMENT)              \
    X(SCATTER_GATHER_ELEMENT, Address, KE_FIELD_U64, 0x0, 0x0, NONE)                               \
    X(SCATTER_GATHER_ELEMENT, Length, KE_FIELD_U32, 0x8, 0x8, NONE)                                \
    X(SCATTER_GATHER_ELEMENT, Reserved, KE_FIELD_UPTR, 0x10, 0xc, NONE)

/* The GENERAL_LOOKASIDE fields of a lookaside list (its member L in C:
 * `List.L.TotalAllocates` reads as `List.TotalAllocates`). ListHead is kept
 * as a single list: its first pointer is the top free block. */
#define KE_LOOKASIDE_FIELDS(X, type)                                                               \
    X(type, ListHead, KE_FIELD_PTR, 0x0, 0x0)                                                      \
    X(type, Depth, KE_FIELD_U16, 0x10, 0x8)                                                        \
    X(type, MaximumDepth, KE_FIELD_U16, 0x12, 0xA)                                                 \
    X(type, TotalAllocates, KE_FIELD_U32, 0x14, 0xC)                                               \
    X(type, AllocateMisses, KE_FIELD_U32, 0x18, 0x10)                                              \
    X(type, TotalFrees, KE_FIELD_U32, 0x1C, 0x14)                                                  \
    X(type, FreeMisses, KE_FIELD_U32, 0x20, 0x18)                                                  \
    X(type, Type, KE_FIELD_U32, 0x24, 0x1C)                                                        \
    X(type, Tag, KE_FIELD_U32, 0x28, 0x20)                                                         \
    X(type, Size, KE_FIELD_U32, 0x2C, 0x24)                                                        \
    X(type, Allocate, KE_FIELD_PTR, 0x30, 0x28)                                                    \
    X(type, Free, KE_FIELD_PTR, 0x38, 0x2C)                                                        \
    X(type, ListEntry, KE_FIELD_PTR, 0x40, 0x30)                                                   \
    X(type, LastTotalAllocates, KE_FIELD_U32, 0x50, 0x38)                                          \
    X(type, LastAllocateMisses, KE_FIELD_U32, 0x54, 0x3C)

/* X(type, x64 size, x86 size) */
#define KE_TYPES(X)                                                                                \
    X(UNICODE_STRING, 16, 8)                                                                       \
    X(ANSI_STRING, 16, 8)                                                                          \
    X(KSPIN_LOCK, 8, 4)                                                                            \
    X(KLOCK_QUEUE_HANDLE, 24, 12)                                                                  \
    X(KEVENT, 24, 16)                                                                              \
    X(KSEMAPHORE, 32, 20)                                                                          \
    X(KMUTEX, 56, 32)                                                                              \
    X(FAST_MUTEX, 56, 32)                                                                          \
    X(KTIMER, 64, 40)                                                                              \
    X(KDPC, 64, 32)                                                                                \
    X(LIST_ENTRY, 16, 8)                                                                           \
    X(SINGLE_LIST_ENTRY, 8, 4)                                                                     \
    X(DEVICE_OBJECT, 0x150, 0xB8)                                                                  \
    X(NPAGED_LOOKASIDE_LIST, 0x80, 0x50)                                                           \
    X(PAGED_LOOKASIDE_LIST, 0x80, 0x68)                                                            \
    X(IO_WORKITEM, 0x58, 0x34)                                                                     \
    X(ERESOURCE, 104, 56)                                                                          \
    X(IO_STATUS_BLOCK, 16, 8)                                                                      \
    X(IRP, 0xD0, 0x70)                                                                             \
    X(IRP_ASSOCIATED, 8, 4)                                                                        \
    X(IRP_TAIL, 0x58, 0x30)                                                                        \
    X(IRP_TAIL_OVERLAY, 0x58, 0x30)                                                                \
    X(DRIVER_CONTEXT, 0x20, 0x10)                                                                  \
    X(IO_STACK_LOCATION, 0x48, 0x24)                                                               \
    X(IO_STACK_PARAMETERS, 0x20, 0x10)                                                             \
    X(IO_PARAMETERS_READ, 0x18, 0x10)                                                              \
    X(IO_PARAMETERS_IOCTL, 0x20, 0x10)                                                             \
    X(IO_PARAMETERS_OTHERS, 0x20, 0x10)                                                            \
    X(FILE_OBJECT, 0xD8, 0x80)                                                                     \
    X(DRIVER_OBJECT, 0x150, 0xA8)                                                                  \
    X(SE_EXPORTS, 0x180, 0x128)                                                                    \
    X(OB_CALLBACK_REGISTRATION, 0x28, 0x14)                                                        \
    X(OB_OPERATION_REGISTRATION, 0x20, 0x10)                                                       \
    X(OB_PRE_OPERATION_INFORMATION, 0x28, 0x18)                                                    \
    X(OB_PRE_OPERATION_PARAMETERS, 0x18, 0x10)                                                     \
    X(OB_PRE_CREATE_HANDLE_INFORMATION, 0x8, 0x8)                                                  \
    X(OB_PRE_DUPLICATE_HANDLE_INFORMATION, 0x18, 0x10)                                             \
    X(OB_POST_OPERATION_INFORMATION, 0x30, 0x1C)                                                   \
    X(OB_POST_OPERATION_PARAMETERS, 0x4, 0x4)                                                      \
    X(OB_POST_CREATE_HANDLE_INFORMATION, 0x4, 0x4)                                                 \
    X(CLIENT_ID, 0x10, 0x8)                                                                        \
    X(PS_CREATE_NOTIFY_INFO, 0x48, 0x24)                                                           \
    X(IMAGE_INFO, 0x28, 0x14)                                                                      \
    X(LONG, 4, 4)                                                                                  \
    X(LONG64, 8, 8)                                                                                \
    X(LARGE_INTEGER, 8, 8)                                                                         \
    X(SLIST_HEADER, 16, 8)                                                                         \
    X(SLIST_ENTRY, 16, 4)                                                                          \
    X(TIME_FIELDS, 16, 16)                                                                         \
    X(PROCESSOR_NUMBER, 4, 4)                                                                      \
    X(KGUARDED_MUTEX, 56, 32)                                                                      \
    X(EX_RUNDOWN_REF, 8, 4)                                                                        \
    X(EX_PUSH_LOCK, 8, 4)                                                                          \
    X(WORK_QUEUE_ITEM, 0x20, 0x10)                                                                 \
    X(LOOKASIDE_LIST_EX, 0x60, 0x48)                                                               \
    X(IO_REMOVE_LOCK, 0x20, 0x18)                                                                  \
    X(IO_REMOVE_LOCK_COMMON_BLOCK, 0x20, 0x18)                                                     \
    X(IO_CSQ, 0x40, 0x20)                                                                          \
    X(IO_CSQ_IRP_CONTEXT, 0x18, 0xC)                                                               \
    X(KDEVICE_QUEUE, 0x28, 0x14)                                                                   \
    X(KDEVICE_QUEUE_ENTRY, 0x18, 0x10)                                                             \
    X(SHARE_ACCESS, 0x1C, 0x1C)                                                                    \
    X(OBJECT_ATTRIBUTES, 0x30, 0x18)                                                               \
    X(KEY_VALUE_BASIC_INFORMATION, 16, 16)                                                         \
    X(KEY_VALUE_FULL_INFORMATION, 24, 24)                                                          \
    X(KEY_VALUE_PARTIAL_INFORMATION, 16, 16)                                                       \
    X(KEY_BASIC_INFORMATION, 24, 24)                                                               \
    X(KEY_FULL_INFORMATION, 48, 48)                                                                \
    X(RTL_QUERY_REGISTRY_TABLE, 0x38, 0x1C)                                                        \
    X(IO_ERROR_LOG_PACKET, 0x30, 0x30)                                                             \
    X(FILE_BASIC_INFORMATION, 40, 40)                                                              \
    X(FILE_STANDARD_INFORMATION, 24, 24)                                                           \
    X(FILE_POSITION_INFORMATION, 8, 8)                                                             \
    X(FILE_END_OF_FILE_INFORMATION, 8, 8)                                                          \
    X(FILE_DISPOSITION_INFORMATION, 1, 1)                                                          \
    X(FILE_NETWORK_OPEN_INFORMATION, 56, 56)                                                       \
    X(REG_SET_VALUE_KEY_INFORMATION, 0x40, 0x24)                                                   \
    X(REG_DELETE_VALUE_KEY_INFORMATION, 0x28, 0x14)                                                \
    X(REG_DELETE_KEY_INFORMATION, 0x20, 0x10)                                                      \
    X(REG_QUERY_VALUE_KEY_INFORMATION, 0x48, 0x24)                                                 \
    X(REG_CREATE_KEY_INFORMATION, 0x70, 0x3C)                                                      \
    X(REG_OPEN_KEY_INFORMATION, 0x70, 0x3C)                                                        \
    X(REG_POST_OPERATION_INFORMATION, 0x38, 0x1C)                                                  \
    X(RTL_BITMAP, 0x10, 0x8)                                                                       \
    X(DRIVER_EXTENSION, 0x28, 0x14)                                                                \
    X(IO_PARAMETERS_START_DEVICE, 0x10, 0x8)                                                       \
    X(IO_PARAMETERS_RELATIONS, 0x4, 0x4)                                                           \
    X(IO_PARAMETERS_QUERY_ID, 0x4, 0x4)                                                            \
    X(IO_PARAMETERS_DEVICE_TEXT, 0x10, 0x8)                                                        \
    X(IO_PARAMETERS_CAPABILITIES, 0x8, 0x4)                                                        \
    X(IO_PARAMETERS_QUERY_INTERFACE, 0x20, 0x10)                                                   \
    X(IO_PARAMETERS_USAGE, 0x10, 0x8)                                                              \
    X(IO_PARAMETERS_POWER, 0x20, 0x10)                                                             \
    X(POWER_STATE, 4, 4)                                                                           \
    X(IO_PARAMETERS_WMI, 0x20, 0x10)                                                               \
    X(DEVICE_CAPABILITIES, 0x40, 0x40)                                                             \
    X(DEVICE_POWER_STATES, 0x1C, 0x1C)                                                             \
    X(DEVICE_RELATIONS, 0x10, 0x8)                                                                 \
    X(CM_RESOURCE_LIST, 0x28, 0x24)                                                                \
    X(CM_FULL_RESOURCE_DESCRIPTOR, 0x24, 0x20)                                                     \
    X(CM_PARTIAL_RESOURCE_LIST, 0x1C, 0x18)                                                        \
    X(CM_PARTIAL_RESOURCE_DESCRIPTOR, 0x14, 0x10)                                                  \
    X(CM_PARTIAL_RESOURCE_U, 0x10, 0xC)                                                            \
    X(CM_RESOURCE_RANGE, 0xC, 0xC)                                                                 \
    X(CM_RESOURCE_INTERRUPT, 0x10, 0xC)                                                            \
    X(DEVICE_DESCRIPTION, 0x40, 0x40)                                                              \
    X(DMA_ADAPTER, 0x10, 0x8)                                                                      \
    X(DMA_OPERATIONS, 0x78, 0x3C)                                                                  \
    X(SCATTER_GATHER_LIST, 0x10, 0x8)                                                              \
    X(SCATTER_GATHER_ELEMENT, 0x18, 0x10)

typedef enum ke_type_id {
    KE_TYPE_NONE = 0, /* a plain pointer */
#define KE_TYPE_ENUM(type, x64, x86) KE_TYPE_##type,
    KE_TYPES(KE_TYPE_ENUM)
#undef KE_TYPE_ENUM
        KE_TYPE_COUNT
} ke_type_id;

typedef struct ke_field {
    ke_type_id type;
    const char *name;
    ke_field_kind kind;
    uint16_t offset[2]; /* by ke_arch */
    ke_type_id sub;     /* KE_FIELD_SUB: the embedded type; KE_FIELD_PTR: the pointee's */
} ke_field;

typedef struct ke_type {
    const char *name;
    uint16_t size[2]; /* by ke_arch */
} ke_type;

extern const ke_type ke_types[KE_TYPE_COUNT];

/* The field `name` of a type, or NULL. */
const ke_field *ke_type_field(ke_type_id type, const char *name);

/* The size of a field on the machine's architecture. */
size_t ke_field_size(ke_arch arch, const ke_field *f);

/* Reads and writes a field of the structure at va as the calling code's own
 * load or store (mm_access): a bad pointer faults as it would in the driver.
 * False when it faulted. */
bool ke_field_get(ke_call *call, PVOID_VA va, const ke_field *f, uint64_t *v);
bool ke_field_set(ke_call *call, PVOID_VA va, const ke_field *f, uint64_t v);

/* Shorthands for the kernel's own code, by type and field name. */
#define KE_FIELD(type, field) ke_type_field(KE_TYPE_##type, #field)

#endif /* DRVSIM_KE_TYPES_H */
