/*
 * bugcodes.h - bug check codes and their names: one table for the C code,
 * the reports, the JSON output and `drvsim rules`.
 *
 * Names and values follow the Windows bug check reference. A code is listed
 * here once something in drvsim can raise it or a report may show it.
 */
#ifndef DRVSIM_BUGCODES_H
#define DRVSIM_BUGCODES_H

#include <stdint.h>

#define DRVSIM_BUGCODES(X)                                                                         \
    X(IRQL_NOT_LESS_OR_EQUAL, 0x0000000Au)                                                         \
    X(MAXIMUM_WAIT_OBJECTS_EXCEEDED, 0x0000000Cu)                                                  \
    X(SPIN_LOCK_ALREADY_OWNED, 0x0000000Fu)                                                        \
    X(REFERENCE_BY_POINTER, 0x00000018u)                                                           \
    X(KERNEL_APC_PENDING_DURING_EXIT, 0x00000020u)                                                 \
    X(BAD_POOL_HEADER, 0x00000019u)                                                                \
    X(KMODE_EXCEPTION_NOT_HANDLED, 0x0000001Eu)                                                    \
    X(SYSTEM_SERVICE_EXCEPTION, 0x0000003Bu)                                                       \
    X(MULTIPLE_IRP_COMPLETE_REQUESTS, 0x00000044u)                                                 \
    X(PAGE_FAULT_IN_NONPAGED_AREA, 0x00000050u)                                                    \
    X(PROCESS_HAS_LOCKED_PAGES, 0x00000076u)                                                       \
    X(SYSTEM_THREAD_EXCEPTION_NOT_HANDLED, 0x0000007Eu)                                            \
    X(UNEXPECTED_KERNEL_MODE_TRAP, 0x0000007Fu)                                                    \
    X(INVALID_KERNEL_HANDLE, 0x00000093u)                                                          \
    X(SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, 0x000000C1u)                                        \
    X(BAD_POOL_CALLER, 0x000000C2u)                                                                \
    X(DRIVER_VERIFIER_DETECTED_VIOLATION, 0x000000C4u)                                             \
    X(IRQL_UNEXPECTED_VALUE, 0x000000C8u)                                                          \
    X(TIMER_OR_DPC_INVALID, 0x000000C7u)                                                           \
    X(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x000000C9u)                                            \
    X(DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS, 0x000000CBu)                                            \
    X(PAGE_FAULT_IN_FREED_SPECIAL_POOL, 0x000000CCu)                                               \
    X(PAGE_FAULT_BEYOND_END_OF_ALLOCATION, 0x000000CDu)                                            \
    X(DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS, 0x000000CEu)                          \
    X(ATTEMPTED_SWITCH_FROM_DPC, 0x000000B8u)                                                      \
    X(DRIVER_IRQL_NOT_LESS_OR_EQUAL, 0x000000D1u)                                                  \
    X(DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL, 0x000000D5u)                                        \
    X(DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION, 0x000000D6u)                                     \
    X(RESOURCE_NOT_OWNED, 0x000000E3u)                                                             \
    X(WORKER_INVALID, 0x000000E4u)                                                                 \
    X(DPC_WATCHDOG_VIOLATION, 0x00000133u)                                                         \
    X(KERNEL_SECURITY_CHECK_FAILURE, 0x00000139u)                                                  \
    X(THREAD_TERMINATE_HELD_MUTEX, 0x4000008Au)

enum drvsim_bugcode {
#define DRVSIM_BUGCODE_ENUM(name, value) DRVSIM_BUGCODE_##name = value,
    DRVSIM_BUGCODES(DRVSIM_BUGCODE_ENUM)
#undef DRVSIM_BUGCODE_ENUM
};

/* The symbolic name of a bug check code ("DRIVER_VERIFIER_DETECTED_VIOLATION"),
 * or NULL for a code drvsim does not know. */
const char *drvsim_bugcode_name(uint32_t code);

#endif /* DRVSIM_BUGCODES_H */
