/*
 * constants.c - WDK constants as scenario globals, with their WDK names and
 * values (CONTRACT 4). The values come from the kernel's headers, so the
 * simulator and the scenarios cannot disagree.
 */
#include "binding.h"
#include "ex/pool.h"
#include "ex/work.h"
#include "mm/mdl.h"

#define C(name)                                                                                    \
    {                                                                                              \
#name, (lua_Integer)(name)                                                                 \
    }
#define S(name)                                                                                    \
    {                                                                                              \
#name, (lua_Integer)(uint32_t)(name)                                                       \
    } /* NTSTATUS: unsigned, as C writes them */

static const lb_constant constants[] = {
    C(PASSIVE_LEVEL),
    {"LOW_LEVEL", 0},
    C(APC_LEVEL),
    C(DISPATCH_LEVEL),
    C(NonPagedPool),
    {"NonPagedPoolExecute", NonPagedPool},
    C(PagedPool),
    C(NonPagedPoolMustSucceed),
    {"DontUseThisType", 3},
    C(NonPagedPoolCacheAligned),
    C(PagedPoolCacheAligned),
    C(NonPagedPoolCacheAlignedMustS),
    {"MaxPoolType", 7},
    {"NonPagedPoolSession", 32},
    {"PagedPoolSession", 33},
    C(NonPagedPoolNx),
    {"NonPagedPoolNxCacheAligned", 516},
    {"NonPagedPoolSessionNx", 544},
    C(POOL_QUOTA_FAIL_INSTEAD_OF_RAISE),
    C(POOL_RAISE_IF_ALLOCATION_FAILURE),
    C(POOL_COLD_ALLOCATION),
    C(POOL_NX_ALLOCATION),
    C(POOL_ZERO_ALLOCATION),
    /* ExInitializeDriverRuntime's flag (wdm.h). */
    {"DrvRtPoolNxOptIn", 1},
    /* KINTERRUPT_MODE (wdm.h). */
    {"LevelSensitive", 0},
    {"Latched", 1},
    /* DbgPrintEx components and levels (dpfilter.h). */
    {"DPFLTR_SYSTEM_ID", 0},
    {"DPFLTR_IHVDRIVER_ID", 77},
    {"DPFLTR_IHVVIDEO_ID", 78},
    {"DPFLTR_IHVAUDIO_ID", 79},
    {"DPFLTR_IHVNETWORK_ID", 80},
    {"DPFLTR_IHVSTREAMING_ID", 81},
    {"DPFLTR_IHVBUS_ID", 82},
    {"DPFLTR_ERROR_LEVEL", 0},
    {"DPFLTR_WARNING_LEVEL", 1},
    {"DPFLTR_TRACE_LEVEL", 2},
    {"DPFLTR_INFO_LEVEL", 3},
    {"DPFLTR_MASK", 0x80000000},
    /* __except filter results (excpt.h). */
    {"EXCEPTION_EXECUTE_HANDLER", 1},
    {"EXCEPTION_CONTINUE_SEARCH", 0},
    {"EXCEPTION_CONTINUE_EXECUTION", -1},
    S(STATUS_BREAKPOINT),
    S(STATUS_ASSERTION_FAILURE),
    S(STATUS_SUCCESS),
    S(STATUS_TIMEOUT),
    S(STATUS_PENDING),
    S(STATUS_UNSUCCESSFUL),
    S(STATUS_ACCESS_VIOLATION),
    S(STATUS_INVALID_PARAMETER),
    S(STATUS_NO_MEMORY),
    S(STATUS_INSUFFICIENT_RESOURCES),
    {"STATUS_INTEGER_OVERFLOW", (lua_Integer)0xC0000095u},
    S(STATUS_WORKING_SET_QUOTA),
    S(STATUS_OBJECT_NAME_NOT_FOUND),
    S(STATUS_OBJECT_NAME_COLLISION),
    S(STATUS_IMAGE_ALREADY_LOADED),
    S(STATUS_INVALID_DEVICE_REQUEST),
    S(STATUS_OBJECT_NAME_INVALID),
    S(STATUS_OBJECT_PATH_SYNTAX_BAD),
    S(STATUS_MORE_PROCESSING_REQUIRED),
    S(STATUS_CANCELLED),
    {"STATUS_BUFFER_TOO_SMALL", 0xC0000023},
    {"STATUS_INVALID_BUFFER_SIZE", 0xC0000206},
    {"STATUS_DEVICE_NOT_READY", 0xC00000A3},
    {"STATUS_NOT_SUPPORTED", 0xC00000BB},
    {"STATUS_DELETE_PENDING", 0xC0000056}, /* IoAcquireRemoveLock after removal began */
    {"STATUS_DEVICE_BUSY", 0x80000011},
    {"STATUS_NO_SUCH_DEVICE", 0xC000000E},
    /* Cancel-safe queues (wdm.h): IO_CSQ.Type and IO_CSQ_IRP_CONTEXT.Type. */
    {"IO_TYPE_CSQ_IRP_CONTEXT", 1},
    {"IO_TYPE_CSQ", 2},
    {"IO_TYPE_CSQ_EX", 3},
    /* IRP.Flags (wdm.h), IO_PRIORITY_HINT, and the statuses IoIsErrorUserInduced
     * names (ntstatus.h). */
    {"IRP_PAGING_IO", 0x2},
    {"IRP_SYNCHRONOUS_API", 0x4},
    {"IRP_SYNCHRONOUS_PAGING_IO", 0x40},
    {"IoPriorityVeryLow", 0},
    {"IoPriorityLow", 1},
    {"IoPriorityNormal", 2},
    {"IoPriorityHigh", 3},
    {"IoPriorityCritical", 4},
    {"STATUS_IO_TIMEOUT", 0xC00000B5},
    {"STATUS_MEDIA_WRITE_PROTECTED", 0xC00000A2},
    {"STATUS_NO_MEDIA_IN_DEVICE", 0xC0000013},
    {"STATUS_UNRECOGNIZED_MEDIA", 0xC0000014},
    {"STATUS_VERIFY_REQUIRED", 0x80000016},
    {"STATUS_WRONG_VOLUME", 0xC0000012},
    {"STATUS_SHARING_VIOLATION", 0xC0000043},
    /* Access rights and sharing (winnt.h / wdm.h), for the share-access routines. */
    {"FILE_APPEND_DATA", 0x4},
    {"FILE_EXECUTE", 0x20},
    {"DELETE", 0x10000},
    {"FILE_SHARE_READ", 0x1},
    {"FILE_SHARE_WRITE", 0x2},
    {"FILE_SHARE_DELETE", 0x4},
    /* IRPs (wdm.h). */
    {"IRP_MJ_CREATE", 0x00},
    {"IRP_MJ_CREATE_NAMED_PIPE", 0x01},
    {"IRP_MJ_CLOSE", 0x02},
    {"IRP_MJ_READ", 0x03},
    {"IRP_MJ_WRITE", 0x04},
    {"IRP_MJ_QUERY_INFORMATION", 0x05},
    {"IRP_MJ_SET_INFORMATION", 0x06},
    {"IRP_MJ_FLUSH_BUFFERS", 0x09},
    {"IRP_MJ_DEVICE_CONTROL", 0x0E},
    {"IRP_MJ_INTERNAL_DEVICE_CONTROL", 0x0F},
    {"IRP_MJ_SHUTDOWN", 0x10},
    {"IRP_MJ_CLEANUP", 0x12},
    {"IRP_MJ_POWER", 0x16},
    {"IRP_MJ_SYSTEM_CONTROL", 0x17},
    {"IRP_MJ_PNP", 0x1B},
    {"IRP_MJ_MAXIMUM_FUNCTION", 0x1B},
    /* PnP, power and WMI minor function codes (wdm.h). */
    {"IRP_MN_START_DEVICE", 0x00},
    {"IRP_MN_QUERY_REMOVE_DEVICE", 0x01},
    {"IRP_MN_REMOVE_DEVICE", 0x02},
    {"IRP_MN_CANCEL_REMOVE_DEVICE", 0x03},
    {"IRP_MN_STOP_DEVICE", 0x04},
    {"IRP_MN_QUERY_STOP_DEVICE", 0x05},
    {"IRP_MN_CANCEL_STOP_DEVICE", 0x06},
    {"IRP_MN_QUERY_DEVICE_RELATIONS", 0x07},
    {"IRP_MN_QUERY_INTERFACE", 0x08},
    {"IRP_MN_QUERY_CAPABILITIES", 0x09},
    {"IRP_MN_QUERY_RESOURCES", 0x0A},
    {"IRP_MN_QUERY_RESOURCE_REQUIREMENTS", 0x0B},
    {"IRP_MN_QUERY_DEVICE_TEXT", 0x0C},
    {"IRP_MN_FILTER_RESOURCE_REQUIREMENTS", 0x0D},
    {"IRP_MN_READ_CONFIG", 0x0F},
    {"IRP_MN_WRITE_CONFIG", 0x10},
    {"IRP_MN_EJECT", 0x11},
    {"IRP_MN_SET_LOCK", 0x12},
    {"IRP_MN_QUERY_ID", 0x13},
    {"IRP_MN_QUERY_PNP_DEVICE_STATE", 0x14},
    {"IRP_MN_QUERY_BUS_INFORMATION", 0x15},
    {"IRP_MN_DEVICE_USAGE_NOTIFICATION", 0x16},
    {"IRP_MN_SURPRISE_REMOVAL", 0x17},
    {"IRP_MN_DEVICE_ENUMERATED", 0x19},
    {"IRP_MN_WAIT_WAKE", 0x00},
    {"IRP_MN_POWER_SEQUENCE", 0x01},
    {"IRP_MN_SET_POWER", 0x02},
    {"IRP_MN_QUERY_POWER", 0x03},
    {"IRP_MN_QUERY_ALL_DATA", 0x00},
    {"IRP_MN_QUERY_SINGLE_INSTANCE", 0x01},
    {"IRP_MN_CHANGE_SINGLE_INSTANCE", 0x02},
    {"IRP_MN_CHANGE_SINGLE_ITEM", 0x03},
    {"IRP_MN_ENABLE_EVENTS", 0x04},
    {"IRP_MN_DISABLE_EVENTS", 0x05},
    {"IRP_MN_ENABLE_COLLECTION", 0x06},
    {"IRP_MN_DISABLE_COLLECTION", 0x07},
    {"IRP_MN_REGINFO", 0x08},
    {"IRP_MN_EXECUTE_METHOD", 0x09},
    {"IRP_MN_REGINFO_EX", 0x0B},
    /* DEVICE_RELATION_TYPE, POWER_STATE_TYPE. */
    {"BusRelations", 0},
    {"EjectionRelations", 1},
    {"PowerRelations", 2},
    {"RemovalRelations", 3},
    {"TargetDeviceRelation", 4},
    {"SingleBusRelations", 5},
    {"TransportRelations", 6},
    {"SystemPowerState", 0},
    {"DevicePowerState", 1},
    {"IO_NO_INCREMENT", 0},
    {"IO_DISK_INCREMENT", 1},
    {"IO_SERIAL_INCREMENT", 2},
    {"IO_KEYBOARD_INCREMENT", 6},
    {"SL_PENDING_RETURNED", 0x01},
    {"SL_INVOKE_ON_CANCEL", 0x20},
    {"SL_INVOKE_ON_SUCCESS", 0x40},
    {"SL_INVOKE_ON_ERROR", 0x80},
    {"METHOD_BUFFERED", 0},
    {"METHOD_IN_DIRECT", 1},
    {"METHOD_OUT_DIRECT", 2},
    {"METHOD_NEITHER", 3},
    {"METHOD_DIRECT_TO_HARDWARE", 1},   /* METHOD_IN_DIRECT */
    {"METHOD_DIRECT_FROM_HARDWARE", 2}, /* METHOD_OUT_DIRECT */
    {"FILE_ANY_ACCESS", 0},
    {"FILE_SPECIAL_ACCESS", 0}, /* FILE_ANY_ACCESS */
    {"FILE_READ_ACCESS", 1},
    {"FILE_WRITE_ACCESS", 2},
    {"FILE_READ_DATA", 1},
    {"FILE_WRITE_DATA", 2},
    {"DO_DIRECT_IO", 0x10},
    /* Device objects (wdm.h). */
    {"FILE_DEVICE_DISK", 0x7},
    {"FILE_DEVICE_NETWORK", 0x12},
    {"FILE_DEVICE_UNKNOWN", 0x22},
    {"FILE_DEVICE_SERIAL_PORT", 0x1B},
    {"FILE_DEVICE_BUS_EXTENDER", 0x2A},
    {"FILE_DEVICE_CD_ROM_FILE_SYSTEM", 0x03},
    {"FILE_DEVICE_DISK_FILE_SYSTEM", 0x08},
    {"FILE_DEVICE_SECURE_OPEN", 0x100},
    {"FILE_REMOVABLE_MEDIA", 0x1},
    {"FILE_READ_ONLY_DEVICE", 0x2},
    {"DO_VERIFY_VOLUME", 0x2},
    {"DO_BUFFERED_IO", 0x4},
    C(DO_EXCLUSIVE),
    C(DO_DEVICE_INITIALIZING),
    {"DO_POWER_PAGABLE", 0x2000},
    /* Work queues (WORK_QUEUE_TYPE). */
    C(CriticalWorkQueue),
    C(DelayedWorkQueue),
    C(HyperCriticalWorkQueue),
    C(NormalWorkQueue),
    C(BackgroundWorkQueue),
    C(RealTimeWorkQueue),
    C(SuperCriticalWorkQueue),
    C(MaximumWorkQueue),
    C(CustomPriorityWorkQueue),
    C(PAGE_SIZE),
    {"TRUE", 1},
    {"FALSE", 0},
    {"NotificationTimer", 0},
    {"SynchronizationTimer", 1},
    {"LowImportance", 0},
    {"MediumImportance", 1},
    {"HighImportance", 2},
    {"MediumHighImportance", 3},
    {"NotificationEvent", 0},
    {"SynchronizationEvent", 1},
    {"WaitAll", 0},
    {"WaitAny", 1},
    {"Executive", 0},
    {"UserRequest", 6},
    {"STATUS_WAIT_0", 0},
    {"STATUS_WAIT_1", 1},
    {"STATUS_WAIT_2", 2},
    {"STATUS_WAIT_3", 3},
    {"STATUS_ALERTED", 0x101},
    {"STATUS_USER_APC", 0xC0},
    {"STATUS_INVALID_HANDLE", 0xC0000008ll},
    {"STATUS_HANDLE_NOT_CLOSABLE", 0xC0000235ll},
    {"STATUS_ABANDONED", 0x80},
    {"STATUS_MUTANT_NOT_OWNED", 0xC0000046ll},
    {"STATUS_SEMAPHORE_LIMIT_EXCEEDED", 0xC0000047ll},
    {"SEMAPHORE_INCREMENT", 1},
    {"MUTANT_INCREMENT", 1},
    {"THREAD_ALL_ACCESS", 0x1FFFFF},
    {"MAXIMUM_WAIT_OBJECTS", 64},
    {"THREAD_WAIT_OBJECTS", 3},
    {"KernelMode", 0},
    {"UserMode", 1},
    C(IoReadAccess),
    C(IoWriteAccess),
    C(IoModifyAccess),
    {"MmNonCached", 0},
    {"MmCached", 1},
    {"MmWriteCombined", 2},
    {"LowPagePriority", 0},
    {"NormalPagePriority", 16},
    {"HighPagePriority", 32},
    {"MdlMappingNoWrite", 0x80000000ll},
    {"MdlMappingNoExecute", 0x40000000ll},
    C(MDL_MAPPED_TO_SYSTEM_VA),
    C(MDL_PAGES_LOCKED),
    C(MDL_SOURCE_IS_NONPAGED_POOL),
    C(MDL_ALLOCATED_FIXED_SIZE),
    C(MDL_PARTIAL),
    C(MDL_WRITE_OPERATION),
    C(MDL_PARTIAL_HAS_BEEN_MAPPED),
    /* Page protections (MmMapIoSpaceEx, winnt.h). */
    {"PAGE_NOACCESS", 0x01},
    {"PAGE_READONLY", 0x02},
    {"PAGE_READWRITE", 0x04},
    {"PAGE_WRITECOPY", 0x08},
    {"PAGE_EXECUTE", 0x10},
    {"PAGE_EXECUTE_READ", 0x20},
    {"PAGE_EXECUTE_READWRITE", 0x40},
    {"PAGE_EXECUTE_WRITECOPY", 0x80},
    {"PAGE_NOCACHE", 0x200},
    {"PAGE_WRITECOMBINE", 0x400},
    /* MmAllocatePagesForMdlEx's Flags (wdm.h). */
    {"MM_DONT_ZERO_ALLOCATION", 0x1},
    {"MM_ALLOCATE_FROM_LOCAL_NODE_ONLY", 0x2},
    {"MM_ALLOCATE_FULLY_REQUIRED", 0x4},
    {"MM_ALLOCATE_NO_WAIT", 0x8},
    {"MM_ALLOCATE_PREFER_CONTIGUOUS", 0x10},
    {"MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS", 0x20},
    C(POOL_FLAG_USE_QUOTA),
    C(POOL_FLAG_UNINITIALIZED),
    C(POOL_FLAG_SESSION),
    C(POOL_FLAG_CACHE_ALIGNED),
    C(POOL_FLAG_RAISE_ON_FAILURE),
    C(POOL_FLAG_NON_PAGED),
    C(POOL_FLAG_NON_PAGED_EXECUTE),
    C(POOL_FLAG_PAGED),
    C(POOL_FLAG_SPECIAL_POOL),
    C(FL_ZERO_MEMORY),
    C(FL_NONPAGED_MEMORY),
    {"POOL_FLAG_REQUIRED_START", 0x1},
    {"POOL_FLAG_REQUIRED_END", 0x80000000ll},
    {"POOL_FLAG_OPTIONAL_START", 0x100000000ll},
    C(LowPoolPriority),
    {"LowPoolPrioritySpecialPoolOverrun", 8},
    {"LowPoolPrioritySpecialPoolUnderrun", 9},
    C(NormalPoolPriority),
    {"NormalPoolPrioritySpecialPoolOverrun", 24},
    {"NormalPoolPrioritySpecialPoolUnderrun", 25},
    C(HighPoolPriority),
    {"HighPoolPrioritySpecialPoolOverrun", 40},
    {"HighPoolPrioritySpecialPoolUnderrun", 41},
    /* Objects, access rights, Ob callbacks, notify routines (wdm.h, ntddk.h,
     * winnt.h). */
    {"STATUS_ACCESS_DENIED", 0xC0000022ll},
    {"STATUS_BUFFER_OVERFLOW", 0x80000005ll},
    {"STATUS_DATATYPE_MISALIGNMENT", 0x80000002ll},
    {"STATUS_OBJECT_TYPE_MISMATCH", 0xC0000024ll},
    {"STATUS_PROCEDURE_NOT_FOUND", 0xC000007All},
    {"STATUS_FLT_INSTANCE_ALTITUDE_COLLISION", 0xC01C0011ll},
    {"OBJ_KERNEL_HANDLE", 0x200},
    {"READ_CONTROL", 0x20000},
    {"SYNCHRONIZE", 0x100000},
    {"GENERIC_ALL", 0x10000000},
    {"MAXIMUM_ALLOWED", 0x2000000},
    {"EVENT_QUERY_STATE", 0x1},
    {"EVENT_MODIFY_STATE", 0x2},
    {"EVENT_ALL_ACCESS", 0x1F0003},
    {"PROCESS_TERMINATE", 0x1},
    {"PROCESS_CREATE_THREAD", 0x2},
    {"PROCESS_VM_OPERATION", 0x8},
    {"PROCESS_VM_READ", 0x10},
    {"PROCESS_VM_WRITE", 0x20},
    {"PROCESS_DUP_HANDLE", 0x40},
    {"PROCESS_CREATE_PROCESS", 0x80},
    {"PROCESS_SET_QUOTA", 0x100},
    {"PROCESS_SET_INFORMATION", 0x200},
    {"PROCESS_QUERY_INFORMATION", 0x400},
    {"PROCESS_SUSPEND_RESUME", 0x800},
    {"PROCESS_QUERY_LIMITED_INFORMATION", 0x1000},
    {"PROCESS_ALL_ACCESS", 0x1FFFFF},
    {"THREAD_TERMINATE", 0x1},
    {"THREAD_SUSPEND_RESUME", 0x2},
    {"THREAD_GET_CONTEXT", 0x8},
    {"THREAD_SET_CONTEXT", 0x10},
    {"THREAD_QUERY_INFORMATION", 0x40},
    {"THREAD_SET_INFORMATION", 0x20},
    {"THREAD_QUERY_LIMITED_INFORMATION", 0x800},
    {"OB_FLT_REGISTRATION_VERSION", 0x100},
    {"OB_OPERATION_HANDLE_CREATE", 0x1},
    {"OB_OPERATION_HANDLE_DUPLICATE", 0x2},
    {"OB_PREOP_SUCCESS", 0},
    {"PsCreateThreadNotifyNonSystem", 0},
    {"PsCreateThreadNotifySubsystems", 1},
    {"PS_IMAGE_NOTIFY_CONFLICTING_ARCHITECTURE", 0x1},
    {"SE_CREATE_TOKEN_PRIVILEGE", 2},
    {"SE_ASSIGNPRIMARYTOKEN_PRIVILEGE", 3},
    {"SE_LOCK_MEMORY_PRIVILEGE", 4},
    {"SE_INCREASE_QUOTA_PRIVILEGE", 5},
    {"SE_MACHINE_ACCOUNT_PRIVILEGE", 6},
    {"SE_TCB_PRIVILEGE", 7},
    {"SE_SECURITY_PRIVILEGE", 8},
    {"SE_TAKE_OWNERSHIP_PRIVILEGE", 9},
    {"SE_LOAD_DRIVER_PRIVILEGE", 10},
    {"SE_SYSTEM_PROFILE_PRIVILEGE", 11},
    {"SE_SYSTEMTIME_PRIVILEGE", 12},
    {"SE_PROF_SINGLE_PROCESS_PRIVILEGE", 13},
    {"SE_INC_BASE_PRIORITY_PRIVILEGE", 14},
    {"SE_CREATE_PAGEFILE_PRIVILEGE", 15},
    {"SE_CREATE_PERMANENT_PRIVILEGE", 16},
    {"SE_BACKUP_PRIVILEGE", 17},
    {"SE_RESTORE_PRIVILEGE", 18},
    {"SE_SHUTDOWN_PRIVILEGE", 19},
    {"SE_DEBUG_PRIVILEGE", 20},
    {"SE_AUDIT_PRIVILEGE", 21},
    {"SE_SYSTEM_ENVIRONMENT_PRIVILEGE", 22},
    {"SE_CHANGE_NOTIFY_PRIVILEGE", 23},
    {"SE_REMOTE_SHUTDOWN_PRIVILEGE", 24},
    {"SE_UNDOCK_PRIVILEGE", 25},
    {"SE_SYNC_AGENT_PRIVILEGE", 26},
    {"SE_ENABLE_DELEGATION_PRIVILEGE", 27},
    {"SE_MANAGE_VOLUME_PRIVILEGE", 28},
    {"SE_IMPERSONATE_PRIVILEGE", 29},
    {"SE_CREATE_GLOBAL_PRIVILEGE", 30},
    {"SE_TRUSTED_CREDMAN_ACCESS_PRIVILEGE", 31},
    {"SE_RELABEL_PRIVILEGE", 32},
    {"SE_INC_WORKING_SET_PRIVILEGE", 33},
    {"SE_TIME_ZONE_PRIVILEGE", 34},
    {"SE_CREATE_SYMBOLIC_LINK_PRIVILEGE", 35},
    {"SE_DELEGATE_SESSION_USER_IMPERSONATE_PRIVILEGE", 36},
    {"SE_MIN_WELL_KNOWN_PRIVILEGE", 2},
    {"SE_MAX_WELL_KNOWN_PRIVILEGE", 36},
    /* Thread priorities (wdm.h) and processor groups. */
    {"LOW_PRIORITY", 0},
    {"LOW_REALTIME_PRIORITY", 16},
    {"HIGH_PRIORITY", 31},
    {"MAXIMUM_PRIORITY", 32},
    {"ALL_PROCESSOR_GROUPS", 0xFFFF},
    /* Push locks (wdm.h) and rundown protection (ntddk.h). */
    {"EX_DEFAULT_PUSH_LOCK_FLAGS", 0},
    {"EX_RUNDOWN_ACTIVE", 0x1},
    {"EX_RUNDOWN_COUNT_INC", 0x2},
    /* ExAllocateTimer attributes and LOOKASIDE_LIST_EX flags (wdm.h). */
    {"EX_TIMER_HIGH_RESOLUTION", 0x4},
    {"EX_TIMER_NO_WAKE", 0x8},
    {"EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL", 0x1},
    {"EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE", 0x2},
    /* The registry (wdm.h, winnt.h; sim/cm). */
    {"STATUS_NO_MORE_ENTRIES", 0x8000001A},
    {"STATUS_OBJECT_PATH_NOT_FOUND", 0xC000003A},
    {"STATUS_CANNOT_DELETE", 0xC0000121},
    {"STATUS_KEY_DELETED", 0xC000017C},
    {"STATUS_CHILD_MUST_BE_VOLATILE", 0xC0000181},
    {"OBJ_INHERIT", 0x2},
    {"OBJ_PERMANENT", 0x10},
    {"OBJ_EXCLUSIVE", 0x20},
    {"OBJ_CASE_INSENSITIVE", 0x40},
    {"OBJ_OPENIF", 0x80},
    {"OBJ_OPENLINK", 0x100},
    {"OBJ_FORCE_ACCESS_CHECK", 0x400},
    {"GENERIC_EXECUTE", 0x20000000},
    {"GENERIC_WRITE", 0x40000000},
    {"GENERIC_READ", 0x80000000ll},
    {"KEY_QUERY_VALUE", 0x1},
    {"KEY_SET_VALUE", 0x2},
    {"KEY_CREATE_SUB_KEY", 0x4},
    {"KEY_ENUMERATE_SUB_KEYS", 0x8},
    {"KEY_NOTIFY", 0x10},
    {"KEY_CREATE_LINK", 0x20},
    {"KEY_WOW64_64KEY", 0x100},
    {"KEY_WOW64_32KEY", 0x200},
    {"KEY_READ", 0x20019},
    {"KEY_WRITE", 0x20006},
    {"KEY_EXECUTE", 0x20019},
    {"KEY_ALL_ACCESS", 0xF003F},
    {"REG_NONE", 0},
    {"REG_SZ", 1},
    {"REG_EXPAND_SZ", 2},
    {"REG_BINARY", 3},
    {"REG_DWORD", 4},
    {"REG_DWORD_LITTLE_ENDIAN", 4},
    {"REG_DWORD_BIG_ENDIAN", 5},
    {"REG_LINK", 6},
    {"REG_MULTI_SZ", 7},
    {"REG_RESOURCE_LIST", 8},
    {"REG_FULL_RESOURCE_DESCRIPTOR", 9},
    {"REG_RESOURCE_REQUIREMENTS_LIST", 10},
    {"REG_QWORD", 11},
    {"REG_QWORD_LITTLE_ENDIAN", 11},
    {"REG_OPTION_RESERVED", 0},
    {"REG_OPTION_NON_VOLATILE", 0},
    {"REG_OPTION_VOLATILE", 1},
    {"REG_OPTION_CREATE_LINK", 2},
    {"REG_OPTION_BACKUP_RESTORE", 4},
    {"REG_OPTION_OPEN_LINK", 8},
    {"REG_CREATED_NEW_KEY", 1},
    {"REG_OPENED_EXISTING_KEY", 2},
    {"KeyValueBasicInformation", 0},
    {"KeyValueFullInformation", 1},
    {"KeyValuePartialInformation", 2},
    {"KeyValueFullInformationAlign64", 3},
    {"KeyValuePartialInformationAlign64", 4},
    {"KeyBasicInformation", 0},
    {"KeyNodeInformation", 1},
    {"KeyFullInformation", 2},
    {"KeyNameInformation", 3},
    {"KeyCachedInformation", 4},
    {"PLUGPLAY_REGKEY_DEVICE", 1},
    {"PLUGPLAY_REGKEY_DRIVER", 2},
    {"PLUGPLAY_REGKEY_CURRENT_HWPROFILE", 4},
    {"RTL_REGISTRY_ABSOLUTE", 0},
    {"RTL_REGISTRY_SERVICES", 1},
    {"RTL_REGISTRY_CONTROL", 2},
    {"RTL_REGISTRY_WINDOWS_NT", 3},
    {"RTL_REGISTRY_DEVICEMAP", 4},
    {"RTL_REGISTRY_USER", 5},
    {"RTL_REGISTRY_MAXIMUM", 6},
    {"RTL_REGISTRY_HANDLE", 0x40000000},
    {"RTL_REGISTRY_OPTIONAL", 0x80000000ll},
    {"RTL_QUERY_REGISTRY_SUBKEY", 0x1},
    {"RTL_QUERY_REGISTRY_TOPKEY", 0x2},
    {"RTL_QUERY_REGISTRY_REQUIRED", 0x4},
    {"RTL_QUERY_REGISTRY_NOVALUE", 0x8},
    {"RTL_QUERY_REGISTRY_NOEXPAND", 0x10},
    {"RTL_QUERY_REGISTRY_DIRECT", 0x20},
    {"RTL_QUERY_REGISTRY_DELETE", 0x40},
    {"RTL_QUERY_REGISTRY_NOSTRING", 0x80},
    {"RTL_QUERY_REGISTRY_TYPECHECK", 0x100},
    {"RTL_QUERY_REGISTRY_TYPECHECK_SHIFT", 24},
    /* Error log entries (ntiologc.h; sim/io/errorlog.c). */
    {"IO_ERR_RETRY_SUCCEEDED", 0x00040001},
    {"IO_ERR_INSUFFICIENT_RESOURCES", 0xC0040002},
    {"IO_ERR_CONFIGURATION_ERROR", 0xC0040003},
    {"IO_ERR_DRIVER_ERROR", 0xC0040004},
    {"IO_ERR_TIMEOUT", 0xC0040009},
    {"IO_ERR_CONTROLLER_ERROR", 0xC004000B},
    {"IO_ERR_INTERNAL_ERROR", 0xC004000C},
    {"IO_ERR_NOT_READY", 0xC004000F},
    {"IO_ERR_RESET", 0xC0040013},
    /* Files (wdm.h, ntifs.h; sim/io/file.c). */
    {"STATUS_END_OF_FILE", 0xC0000011},
    {"STATUS_INFO_LENGTH_MISMATCH", 0xC0000004},
    {"STATUS_INVALID_INFO_CLASS", 0xC0000003},
    {"STATUS_EAS_NOT_SUPPORTED", 0xC000004F},
    {"STATUS_DISK_FULL", 0xC000007F},
    {"STATUS_FILE_IS_A_DIRECTORY", 0xC00000BA},
    {"STATUS_NOT_A_DIRECTORY", 0xC0000103},
    {"STATUS_DIRECTORY_NOT_EMPTY", 0xC0000101},
    {"FILE_READ_EA", 0x8},
    {"FILE_WRITE_EA", 0x10},
    {"FILE_READ_ATTRIBUTES", 0x80},
    {"FILE_WRITE_ATTRIBUTES", 0x100},
    {"FILE_LIST_DIRECTORY", 0x1},
    {"FILE_TRAVERSE", 0x20},
    {"FILE_GENERIC_READ", 0x120089},
    {"FILE_GENERIC_WRITE", 0x120116},
    {"FILE_GENERIC_EXECUTE", 0x1200A0},
    {"FILE_ALL_ACCESS", 0x1F01FF},
    {"FILE_SUPERSEDE", 0},
    {"FILE_OPEN", 1},
    {"FILE_CREATE", 2},
    {"FILE_OPEN_IF", 3},
    {"FILE_OVERWRITE", 4},
    {"FILE_OVERWRITE_IF", 5},
    {"FILE_SUPERSEDED", 0},
    {"FILE_OPENED", 1},
    {"FILE_CREATED", 2},
    {"FILE_OVERWRITTEN", 3},
    {"FILE_EXISTS", 4},
    {"FILE_DOES_NOT_EXIST", 5},
    {"FILE_DIRECTORY_FILE", 0x1},
    {"FILE_WRITE_THROUGH", 0x2},
    {"FILE_SEQUENTIAL_ONLY", 0x4},
    {"FILE_NO_INTERMEDIATE_BUFFERING", 0x8},
    {"FILE_SYNCHRONOUS_IO_ALERT", 0x10},
    {"FILE_SYNCHRONOUS_IO_NONALERT", 0x20},
    {"FILE_NON_DIRECTORY_FILE", 0x40},
    {"FILE_RANDOM_ACCESS", 0x800},
    {"FILE_DELETE_ON_CLOSE", 0x1000},
    {"FILE_ATTRIBUTE_READONLY", 0x1},
    {"FILE_ATTRIBUTE_HIDDEN", 0x2},
    {"FILE_ATTRIBUTE_SYSTEM", 0x4},
    {"FILE_ATTRIBUTE_DIRECTORY", 0x10},
    {"FILE_ATTRIBUTE_ARCHIVE", 0x20},
    {"FILE_ATTRIBUTE_NORMAL", 0x80},
    {"FILE_ATTRIBUTE_TEMPORARY", 0x100},
    {"FILE_USE_FILE_POINTER_POSITION", -2},
    {"FILE_WRITE_TO_END_OF_FILE", -1},
    {"FO_SYNCHRONOUS_IO", 0x2},
    {"FO_FILE_MODIFIED", 0x1000},
    {"FileBasicInformation", 4},
    {"FileStandardInformation", 5},
    {"FileDispositionInformation", 13},
    {"FilePositionInformation", 14},
    {"FileAllocationInformation", 19},
    {"FileEndOfFileInformation", 20},
    {"FileNetworkOpenInformation", 34},
    {"FileAttributeTagInformation", 35},
    /* Registry callbacks (wdm.h REG_NOTIFY_CLASS; sim/cm/callbacks.c). */
    {"STATUS_CALLBACK_BYPASS", 0xC0000503},
    /* OEM strings (sim/rtl/string.c). */
    {"STATUS_UNMAPPABLE_CHARACTER", 0xC0000162},
    {"RegNtPreDeleteKey", 0},
    {"RegNtPreSetValueKey", 1},
    {"RegNtPreDeleteValueKey", 2},
    {"RegNtPreSetInformationKey", 3},
    {"RegNtPreRenameKey", 4},
    {"RegNtPreEnumerateKey", 5},
    {"RegNtPreEnumerateValueKey", 6},
    {"RegNtPreQueryKey", 7},
    {"RegNtPreQueryValueKey", 8},
    {"RegNtPreQueryMultipleValueKey", 9},
    {"RegNtPreCreateKey", 10},
    {"RegNtPostCreateKey", 11},
    {"RegNtPreOpenKey", 12},
    {"RegNtPostOpenKey", 13},
    {"RegNtPreKeyHandleClose", 14},
    {"RegNtPostDeleteKey", 15},
    {"RegNtPostSetValueKey", 16},
    {"RegNtPostDeleteValueKey", 17},
    {"RegNtPostSetInformationKey", 18},
    {"RegNtPostRenameKey", 19},
    {"RegNtPostEnumerateKey", 20},
    {"RegNtPostEnumerateValueKey", 21},
    {"RegNtPostQueryKey", 22},
    {"RegNtPostQueryValueKey", 23},
    {"RegNtPostQueryMultipleValueKey", 24},
    {"RegNtPostKeyHandleClose", 25},
    {"RegNtPreCreateKeyEx", 26},
    {"RegNtPostCreateKeyEx", 27},
    {"RegNtPreOpenKeyEx", 28},
    {"RegNtPostOpenKeyEx", 29},
    {"RegNtPreFlushKey", 30},
    {"RegNtPostFlushKey", 31},
    /* Plug and Play, power and WMI (sim/io/pnp.c, sim/po, sim/io/wmi.c). */
    {"BusQueryDeviceID", 0},
    {"BusQueryHardwareIDs", 1},
    {"BusQueryCompatibleIDs", 2},
    {"BusQueryInstanceID", 3},
    {"BusQueryDeviceSerialNumber", 4},
    {"BusQueryContainerID", 5},
    {"DeviceTextDescription", 0},
    {"DeviceTextLocationInformation", 1},
    {"PNP_DEVICE_DISABLED", 0x1},
    {"PNP_DEVICE_DONT_DISPLAY_IN_UI", 0x2},
    {"PNP_DEVICE_FAILED", 0x4},
    {"PNP_DEVICE_REMOVED", 0x8},
    {"PNP_DEVICE_RESOURCE_REQUIREMENTS_CHANGED", 0x10},
    {"PNP_DEVICE_NOT_DISABLEABLE", 0x20},
    {"DevicePropertyDeviceDescription", 0},
    {"DevicePropertyHardwareID", 1},
    {"DevicePropertyCompatibleIDs", 2},
    {"DevicePropertyBootConfiguration", 3},
    {"DevicePropertyBootConfigurationTranslated", 4},
    {"DevicePropertyClassName", 5},
    {"DevicePropertyClassGuid", 6},
    {"DevicePropertyDriverKeyName", 7},
    {"DevicePropertyManufacturer", 8},
    {"DevicePropertyFriendlyName", 9},
    {"DevicePropertyLocationInformation", 10},
    {"DevicePropertyPhysicalDeviceObjectName", 11},
    {"DevicePropertyBusTypeGuid", 12},
    {"DevicePropertyLegacyBusType", 13},
    {"DevicePropertyBusNumber", 14},
    {"DevicePropertyEnumeratorName", 15},
    {"DevicePropertyAddress", 16},
    {"DevicePropertyUINumber", 17},
    {"DevicePropertyInstallState", 18},
    {"DevicePropertyRemovalPolicy", 19},
    {"DevicePropertyResourceRequirements", 20},
    {"DevicePropertyAllocatedResources", 21},
    {"DevicePropertyContainerID", 22},
    {"CmResourceTypeNull", 0},
    {"CmResourceTypePort", 1},
    {"CmResourceTypeInterrupt", 2},
    {"CmResourceTypeMemory", 3},
    {"CmResourceTypeDma", 4},
    {"CM_RESOURCE_PORT_IO", 0x1},
    {"CM_RESOURCE_INTERRUPT_LATCHED", 0x1},
    {"DO_BUS_ENUMERATED_DEVICE", 0x1000},
    {"DO_POWER_INRUSH", 0x4000},
    {"FILE_AUTOGENERATED_DEVICE_NAME", 0x80},
    {"STATUS_INVALID_DEVICE_STATE", 0xC0000184},
    {"STATUS_OBJECT_NAME_EXISTS", 0x40000000},
    {"STATUS_CONTINUE_COMPLETION", 0x0},
    {"STATUS_POWER_STATE_INVALID", 0xC00002D3},
    {"STATUS_WMI_GUID_NOT_FOUND", 0xC0000295},
    {"STATUS_WMI_INSTANCE_NOT_FOUND", 0xC0000296},
    {"STATUS_WMI_ITEMID_NOT_FOUND", 0xC0000297},
    {"PowerSystemUnspecified", 0},
    {"PowerSystemWorking", 1},
    {"PowerSystemSleeping1", 2},
    {"PowerSystemSleeping2", 3},
    {"PowerSystemSleeping3", 4},
    {"PowerSystemHibernate", 5},
    {"PowerSystemShutdown", 6},
    {"PowerSystemMaximum", 7},
    {"PowerDeviceUnspecified", 0},
    {"PowerDeviceD0", 1},
    {"PowerDeviceD1", 2},
    {"PowerDeviceD2", 3},
    {"PowerDeviceD3", 4},
    {"PowerDeviceMaximum", 5},
    {"PowerActionNone", 0},
    {"PowerActionSleep", 2},
    {"PowerActionHibernate", 3},
    {"PowerActionShutdown", 4},
    {"PowerActionShutdownReset", 5},
    {"PowerActionShutdownOff", 6},
    {"WMIREG_ACTION_REGISTER", 1},
    {"WMIREG_ACTION_DEREGISTER", 2},
    {"WMIREG_ACTION_REREGISTER", 3},
    {"WMIREG_ACTION_UPDATE_GUIDS", 4},
    {"WMIREG_ACTION_BLOCK_IRPS", 5},
    {"WMIREG_FLAG_INSTANCE_PDO", 0x20},
    {"WMIREG_FLAG_CALLBACK", 0x80000000},
    /* The HAL's DMA (wdm.h; sim/hal/dma.c). */
    {"DEVICE_DESCRIPTION_VERSION", 0},
    {"DEVICE_DESCRIPTION_VERSION1", 1},
    {"DEVICE_DESCRIPTION_VERSION2", 2},
    {"DEVICE_DESCRIPTION_VERSION3", 3},
    {"Width8Bits", 0},
    {"Width16Bits", 1},
    {"Width32Bits", 2},
    {"Width64Bits", 3},
    {"WidthNoWrap", 4},
    {"MaximumDmaWidth", 5},
    {"Compatible", 0},
    {"TypeA", 1},
    {"TypeB", 2},
    {"TypeC", 3},
    {"TypeF", 4},
    {"MaximumDmaSpeed", 5},
    {"InterfaceTypeUndefined", -1},
    {"Internal", 0},
    {"Isa", 1},
    {"Eisa", 2},
    {"PCIBus", 5},
    {"PNPBus", 15},
    {"KeepObject", 1},
    {"DeallocateObject", 2},
    {"DeallocateObjectKeepRegisters", 3},
};

/* The NTSTATUS severity macros of ntdef.h, as functions: NT_SUCCESS(s) and
 * friends. A status reaches Lua as its unsigned 32-bit value (0xC0000001),
 * or, written by hand, negative; both read by their top two bits. */
static int status_severity(lua_State *L)
{
    lua_Integer v = luaL_checkinteger(L, 1);
    if (v < INT32_MIN || v > (lua_Integer)UINT32_MAX)
        return luaL_argerror(L, 1, "not an NTSTATUS (a 32-bit value)");
    uint32_t severity = (uint32_t)v >> 30; /* 0 success, 1 information, 2 warning, 3 error */
    switch (lua_tointeger(L, lua_upvalueindex(1))) {
    case 0:
        lua_pushboolean(L, severity <= 1); /* NT_SUCCESS: (NTSTATUS)s >= 0 */
        break;
    case 1:
        lua_pushboolean(L, severity == 1);
        break;
    case 2:
        lua_pushboolean(L, severity == 2);
        break;
    default:
        lua_pushboolean(L, severity == 3);
        break;
    }
    return 1;
}

/* An integer argument of a C macro, in 0..max. */
static lua_Integer macro_arg(lua_State *L, int arg, const char *macro, const char *param,
                             lua_Integer max)
{
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, arg, &isnum);
    if (!isnum || v < 0 || v > max)
        lb_scenario_error(L, "%s: %s (argument %d) must be an integer 0..0x%llX, got %s", macro,
                          param, arg, (unsigned long long)max,
                          isnum ? lua_tostring(L, arg) : luaL_typename(L, arg));
    return v;
}

/* The I/O control code macros of devioctl.h (wdm.h):
 *   CTL_CODE(DeviceType, Function, Method, Access)
 *     = (DeviceType << 16) | (Access << 14) | (Function << 2) | Method,
 *   DEVICE_TYPE_FROM_CTL_CODE(c) = (c & 0xFFFF0000) >> 16,
 *   METHOD_FROM_CTL_CODE(c) = c & 3,
 *   IoGetFunctionCodeFromCtlCode(c) = (c >> 2) & 0xFFF.
 * C would silently let a field overflow into the next; here an argument
 * out of its field's range is a scenario error. */
static int l_CTL_CODE(lua_State *L)
{
    lua_Integer type = macro_arg(L, 1, "CTL_CODE", "DeviceType", 0xFFFF);
    lua_Integer function = macro_arg(L, 2, "CTL_CODE", "Function", 0xFFF);
    lua_Integer method = macro_arg(L, 3, "CTL_CODE", "Method", 3);
    lua_Integer access = macro_arg(L, 4, "CTL_CODE", "Access", 3);
    lua_pushinteger(L, (type << 16) | (access << 14) | (function << 2) | method);
    return 1;
}

static int l_ctl_code_field(lua_State *L)
{
    const char *macro = lua_tostring(L, lua_upvalueindex(1));
    lua_Integer code = macro_arg(L, 1, macro, "ControlCode", 0xFFFFFFFF);
    switch (macro[0]) {
    case 'D': /* DEVICE_TYPE_FROM_CTL_CODE */
        lua_pushinteger(L, (code & 0xFFFF0000) >> 16);
        break;
    case 'M': /* METHOD_FROM_CTL_CODE */
        lua_pushinteger(L, code & 3);
        break;
    default: /* IoGetFunctionCodeFromCtlCode */
        lua_pushinteger(L, (code >> 2) & 0xFFF);
        break;
    }
    return 1;
}

/* TAG_FROM_C("kaeL") -> 0x6B61654C: a C multi-character constant as
 * written in C source ('kaeL'), with the value MSVC gives it (the first
 * character in the highest byte). As a pool tag it is the tag Windows
 * displays as "Leak": ExAllocatePoolWithTag(..., TAG_FROM_C "kaeL") and
 * ExAllocatePoolWithTag(..., "Leak") allocate with the same tag. */
static int l_TAG_FROM_C(lua_State *L)
{
    size_t len = 0;
    const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
    if (s == NULL || len < 1 || len > 4)
        lb_scenario_error(L,
                          "TAG_FROM_C takes the 1 to 4 characters between the quotes of a C "
                          "multi-character constant ('kaeL' is TAG_FROM_C \"kaeL\"), got %s",
                          s != NULL ? "a string of another length" : luaL_typename(L, 1));
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = v << 8 | (uint8_t)s[i];
    lua_pushinteger(L, v);
    return 1;
}

const lb_constant *lb_constant_table(size_t *count)
{
    *count = sizeof constants / sizeof constants[0];
    return constants;
}

void lb_register_constants(lua_State *L, ke_arch arch)
{
    lua_pushglobaltable(L);
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    lua_pop(L, 1);
    lb_register_constant_macros(L, arch);
}

static const char *const severity_macros[] = {"NT_SUCCESS", "NT_INFORMATION", "NT_WARNING",
                                              "NT_ERROR"};
static const char *const ctl_code_macros[] = {"DEVICE_TYPE_FROM_CTL_CODE", "METHOD_FROM_CTL_CODE",
                                              "IoGetFunctionCodeFromCtlCode"};

/* The integer macros whose value depends on the architecture; whether
 * `name` is one on arch, and its value. */
static bool arch_value(ke_arch arch, const char *name, lua_Integer *value)
{
    /* The IRQLs above DISPATCH_LEVEL differ between x86 and x64
     * (ddi_facts.md 1); scenario{ arch = } registers them again. */
    const bool x86 = arch == KE_ARCH_X86;
    const struct {
        const char *name;
        lua_Integer value;
        bool x86_only;
    } values[] = {
        {"CMCI_LEVEL", 5, false},
        {"PROFILE_LEVEL", x86 ? 27 : 15, false},
        {"CLOCK_LEVEL", x86 ? 28 : 13, false},
        {"CLOCK1_LEVEL", 28, true},
        {"CLOCK2_LEVEL", 28, true},
        {"IPI_LEVEL", x86 ? 29 : 14, false},
        {"POWER_LEVEL", x86 ? 30 : 14, false},
        {"SYNCH_LEVEL", x86 ? 27 : 12, false},
        {"HIGH_LEVEL", ke_high_level(arch), false},
        /* ERROR_LOG_MAXIMUM_SIZE: 240 bytes on x64, 152 on x86 (ntiologc.h's
         * LPC message limit; sim/io/errorlog.c). */
        {"ERROR_LOG_MAXIMUM_SIZE", x86 ? 152 : 240, false},
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        if (strcmp(values[i].name, name) == 0 && (x86 || !values[i].x86_only)) {
            *value = values[i].value;
            return true;
        }
    }
    return false;
}

/* lb_globals_defer_made's makers (the name is argument 1). */
static int make_status_macro(lua_State *L)
{
    const char *name = lua_tostring(L, 1);
    lua_Integer i = 0;
    while (i < 3 && strcmp(severity_macros[i], name) != 0)
        i++;
    lua_pushinteger(L, i);
    lua_pushcclosure(L, status_severity, 1);
    return 1;
}

static int make_ctl_code_macro(lua_State *L)
{
    lua_pushvalue(L, 1); /* the macro's name */
    lua_pushcclosure(L, l_ctl_code_field, 1);
    return 1;
}

static int make_x64_value(lua_State *L)
{
    lua_Integer value = 0;
    arch_value(KE_ARCH_X64, lua_tostring(L, 1), &value);
    lua_pushinteger(L, value);
    return 1;
}

void lb_defer_constant_macros(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"CTL_CODE", l_CTL_CODE},
        {"TAG_FROM_C", l_TAG_FROM_C},
        {NULL, NULL},
    };
    static const luaL_Reg makers[] = {
        {"NT_SUCCESS", make_status_macro},
        {"NT_INFORMATION", make_status_macro},
        {"NT_WARNING", make_status_macro},
        {"NT_ERROR", make_status_macro},
        {"DEVICE_TYPE_FROM_CTL_CODE", make_ctl_code_macro},
        {"METHOD_FROM_CTL_CODE", make_ctl_code_macro},
        {"IoGetFunctionCodeFromCtlCode", make_ctl_code_macro},
        {"CMCI_LEVEL", make_x64_value},
        {"PROFILE_LEVEL", make_x64_value},
        {"CLOCK_LEVEL", make_x64_value},
        {"IPI_LEVEL", make_x64_value},
        {"POWER_LEVEL", make_x64_value},
        {"SYNCH_LEVEL", make_x64_value},
        {"HIGH_LEVEL", make_x64_value},
        {"ERROR_LOG_MAXIMUM_SIZE", make_x64_value},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, fns);
    lb_globals_defer_made(L, makers);
    lua_pop(L, 1);
}

void lb_register_constant_macros(lua_State *L, ke_arch arch)
{
    lua_pushglobaltable(L);
    for (lua_Integer i = 0; i < 4; i++) {
        lua_pushinteger(L, i);
        lua_pushcclosure(L, status_severity, 1);
        lua_setfield(L, -2, severity_macros[i]);
    }
    lua_pushcfunction(L, l_CTL_CODE);
    lua_setfield(L, -2, "CTL_CODE");
    for (size_t i = 0; i < 3; i++) {
        lua_pushstring(L, ctl_code_macros[i]);
        lua_pushcclosure(L, l_ctl_code_field, 1);
        lua_setfield(L, -2, ctl_code_macros[i]);
    }
    lua_pushcfunction(L, l_TAG_FROM_C);
    lua_setfield(L, -2, "TAG_FROM_C");
    static const char *const names[] = {"CMCI_LEVEL",   "PROFILE_LEVEL", "CLOCK_LEVEL",
                                        "CLOCK1_LEVEL", "CLOCK2_LEVEL",  "IPI_LEVEL",
                                        "POWER_LEVEL",  "SYNCH_LEVEL",   "HIGH_LEVEL",
                                        "ERROR_LOG_MAXIMUM_SIZE"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        lua_Integer value = 0;
        if (arch_value(arch, names[i], &value)) {
            lua_pushinteger(L, value);
            lua_setfield(L, -2, names[i]);
        }
    }
    lua_pop(L, 1);
}
