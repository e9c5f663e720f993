-- ObCallbackTest.sys: Microsoft's Ob callback sample (general/obcallback/
-- driver: tdriver.c, callback.c, util.c), transliterated. An application
-- names a program (TD_IOCTL_PROTECT_NAME_CALLBACK); the driver's process
-- notify routine (PsSetCreateProcessNotifyRoutineEx) watches command
-- lines for it and either protects the process it finds (Ob callbacks on
-- PsProcessType and PsThreadType strip PROCESS_TERMINATE / THREAD_TERMINATE
-- from handles other processes open to it) or refuses its creation
-- (CreationStatus = STATUS_ACCESS_DENIED). TD_IOCTL_UNPROTECT_CALLBACK
-- unregisters the Ob callbacks.
--
-- Differences from the C source: KGUARDED_MUTEX is a FAST_MUTEX here
-- (drvsim has no guarded mutex yet; from Windows 8 on the two are
-- implemented identically), and the debug prints that show wide strings
-- are left out. The sample's own helpers are kept: TD_ASSERT (raises
-- STATUS_ASSERTION_FAILURE in every build, as its DbgRaiseAssertionFailure
-- does) and the CRT's wcsstr on the UTF-16 buffers.
--
-- The scenario may set the globals ObCbForgetUnregister (the unload
-- routine does not remove the Ob callbacks) and ObCbForgetProcessNotify
-- (nor the process notify routine): the misuses of obcallback_*.lua.

local NAME_SIZE = 200
local TD_IOCTL_PROTECT_NAME_CALLBACK = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + 2, METHOD_BUFFERED,
                                                FILE_SPECIAL_ACCESS)
local TD_IOCTL_UNPROTECT_CALLBACK = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + 3, METHOD_BUFFERED,
                                             FILE_SPECIAL_ACCESS)
local TDProtectName_Protect, TDProtectName_Reject = 0, 1
local TD_CALL_CONTEXT_TAG = TAG_FROM_C "1bCO"
local CB_PROCESS_TERMINATE, CB_THREAD_TERMINATE = 0x0001, 0x0001

-- TD_CALL_CONTEXT: CallbackRegistration, Operation, Object, ObjectType.
local CTX_REGISTRATION, CTX_OPERATION, CTX_OBJECT, CTX_OBJECT_TYPE = 0, 8, 16, 24
local TD_CALL_CONTEXT_SIZE = 32

local function TD_ASSERT(e)
  if not e then ExRaiseStatus(STATUS_ASSERTION_FAILURE) end
end

-- wcsstr over UTF-16LE buffers (Lua strings of their bytes), each ending at
-- its first NUL character.
local function wcs(s)
  for i = 1, #s - 1, 2 do
    if s:sub(i, i + 1) == "\0\0" then return s:sub(1, i - 1) end
  end
  return s
end
local function wcsstr(haystack, needle)
  haystack, needle = wcs(haystack), wcs(needle)
  local at = 1
  while true do
    local i = string.find(haystack, needle, at, true)
    if i == nil then return nil end
    if i % 2 == 1 then return i end
    at = i + 1
  end
end

-- Globals (callback.c, tdriver.c).
local TdCallbacksMutex
local bCallbacksInstalled = false
local pCBRegistrationHandle = nil
local CBObRegistration, CBOperationRegistrations, CBAltitude, CBCallbackRegistration
local TdwProtectName = string.rep("\0", 2 * (NAME_SIZE + 1))
local TdProtectedTargetProcess = nil
local TdProtectedTargetProcessId = 0
local TdProcessNotifyRoutineSet2 = false
local TdbProtectName, TdbRejectName = false, false

local function TdSetCallContext(PreInfo, CallbackRegistration)
  local CallContext = ExAllocatePoolWithTag(PagedPool, TD_CALL_CONTEXT_SIZE, TD_CALL_CONTEXT_TAG)
  if CallContext == nil then return end
  RtlZeroMemory(CallContext, TD_CALL_CONTEXT_SIZE)
  CallContext:set_ptr(CTX_REGISTRATION, CallbackRegistration)
  CallContext:set_u32(CTX_OPERATION, PreInfo.Operation)
  CallContext:set_ptr(CTX_OBJECT, PreInfo.Object)
  CallContext:set_ptr(CTX_OBJECT_TYPE, PreInfo.ObjectType)
  PreInfo.CallContext = CallContext
end

local function TdCheckAndFreeCallContext(PostInfo, CallbackRegistration)
  local CallContext = PostInfo.CallContext
  if CallContext ~= nil then
    TD_ASSERT(CallContext:ptr(CTX_REGISTRATION) == CallbackRegistration)
    TD_ASSERT(CallContext:u32(CTX_OPERATION) == PostInfo.Operation)
    TD_ASSERT(CallContext:ptr(CTX_OBJECT) == PostInfo.Object)
    TD_ASSERT(CallContext:ptr(CTX_OBJECT_TYPE) == PostInfo.ObjectType)
    ExFreePoolWithTag(CallContext, TD_CALL_CONTEXT_TAG)
  end
end

local function CBTdPreOperationCallback(RegistrationContext, PreInfo)
  local CallbackRegistration = RegistrationContext
  local AccessBitsToClear, AccessBitsToSet = 0, 0
  TD_ASSERT(PreInfo.CallContext == nil)
  if PreInfo.ObjectType == PsProcessType:ptr(0) then
    -- Ignore requests for processes other than our target process, and
    -- requests to open or duplicate the current process.
    if TdProtectedTargetProcess ~= PreInfo.Object then return OB_PREOP_SUCCESS end
    if PreInfo.Object == PsGetCurrentProcess() then return OB_PREOP_SUCCESS end
    AccessBitsToClear = CB_PROCESS_TERMINATE
  elseif PreInfo.ObjectType == PsThreadType:ptr(0) then
    local ProcessIdOfTargetThread = PsGetThreadProcessId(PreInfo.Object)
    if TdProtectedTargetProcessId ~= ProcessIdOfTargetThread then return OB_PREOP_SUCCESS end
    if ProcessIdOfTargetThread == PsGetCurrentProcessId() then return OB_PREOP_SUCCESS end
    AccessBitsToClear = CB_THREAD_TERMINATE
  else
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL,
               "ObCallbackTest: CBTdPreOperationCallback: unexpected object type\n")
    return OB_PREOP_SUCCESS
  end
  local Parameters = PreInfo.Parameters
  local Info
  if PreInfo.Operation == OB_OPERATION_HANDLE_CREATE then
    Info = Parameters.CreateHandleInformation
  elseif PreInfo.Operation == OB_OPERATION_HANDLE_DUPLICATE then
    Info = Parameters.DuplicateHandleInformation
  else
    TD_ASSERT(false)
  end
  local InitialDesiredAccess = Info.DesiredAccess
  -- Filter only if request made outside of the kernel.
  if PreInfo.KernelHandle ~= 1 then
    Info.DesiredAccess = (Info.DesiredAccess & ~AccessBitsToClear) | AccessBitsToSet
  end
  TdSetCallContext(PreInfo, CallbackRegistration)
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL,
             "ObCallbackTest: CBTdPreOperationCallback: PROTECTED process %p (ID 0x%p)\n",
             TdProtectedTargetProcess, TdProtectedTargetProcessId)
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL,
             "    Object %p, OriginalDesiredAccess 0x%x, DesiredAccess (in) 0x%x, (out) 0x%x\n",
             PreInfo.Object, Info.OriginalDesiredAccess, InitialDesiredAccess, Info.DesiredAccess)
  return OB_PREOP_SUCCESS
end

local function CBTdPostOperationCallback(RegistrationContext, PostInfo)
  TdCheckAndFreeCallContext(PostInfo, RegistrationContext)
end

local function TdDeleteProtectNameCallback()
  ExAcquireFastMutex(TdCallbacksMutex)
  if bCallbacksInstalled then
    ObUnRegisterCallbacks(pCBRegistrationHandle)
    pCBRegistrationHandle = nil
    bCallbacksInstalled = false
  end
  ExReleaseFastMutex(TdCallbacksMutex)
  return STATUS_SUCCESS
end

local function TdProtectNameCallback(pProtectName)
  local Status = STATUS_SUCCESS
  ExAcquireFastMutex(TdCallbacksMutex)
  -- memcpy(TdwProtectName, pProtectName->Name, sizeof(TdwProtectName))
  TdwProtectName = pProtectName:read(4, 2 * (NAME_SIZE + 1))
  if not bCallbacksInstalled then
    local Op0 = CBOperationRegistrations
    local Op1 = OB_OPERATION_REGISTRATION(CBOperationRegistrations +
                                          sizeof(OB_OPERATION_REGISTRATION))
    Op0.ObjectType = PsProcessType
    Op0.Operations = Op0.Operations | OB_OPERATION_HANDLE_CREATE | OB_OPERATION_HANDLE_DUPLICATE
    Op0.PreOperation = CBTdPreOperationCallback
    Op0.PostOperation = CBTdPostOperationCallback
    Op1.ObjectType = PsThreadType
    Op1.Operations = Op1.Operations | OB_OPERATION_HANDLE_CREATE | OB_OPERATION_HANDLE_DUPLICATE
    Op1.PreOperation = CBTdPreOperationCallback
    Op1.PostOperation = CBTdPostOperationCallback
    RtlInitUnicodeString(CBAltitude, "1000")
    CBObRegistration.Version = OB_FLT_REGISTRATION_VERSION
    CBObRegistration.OperationRegistrationCount = 2
    RtlCopyMemory(CBObRegistration.Altitude, CBAltitude, sizeof(UNICODE_STRING))
    CBObRegistration.RegistrationContext = CBCallbackRegistration
    CBObRegistration.OperationRegistration = CBOperationRegistrations
    Status, pCBRegistrationHandle = ObRegisterCallbacks(CBObRegistration)
    if not NT_SUCCESS(Status) then
      DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL,
                 "ObCallbackTest: installing OB callbacks failed  status 0x%x\n", Status)
      ExReleaseFastMutex(TdCallbacksMutex)
      return Status
    end
    bCallbacksInstalled = true
  end
  ExReleaseFastMutex(TdCallbacksMutex)
  return Status
end

local function TdCheckProcessMatch(pustrCommand, Process, ProcessId)
  local Status = STATUS_UNSUCCESSFUL
  if pustrCommand == nil or pustrCommand.Buffer == nil then return 0 end -- Status = FALSE
  ExAcquireFastMutex(TdCallbacksMutex)
  local CommandLineBytes = pustrCommand.Length
  if CommandLineBytes >= NAME_SIZE * 2 then CommandLineBytes = NAME_SIZE * 2 end
  if CommandLineBytes > 0 then
    local CommandLineBuffer = pustrCommand.Buffer:read(0, CommandLineBytes) .. "\0\0"
    if wcsstr(CommandLineBuffer, TdwProtectName) ~= nil then
      TdProtectedTargetProcess = Process
      TdProtectedTargetProcessId = ProcessId
      Status = STATUS_SUCCESS
    end
  else
    Status = 0 -- FALSE: no command line buffer provided
  end
  ExReleaseFastMutex(TdCallbacksMutex)
  return Status
end

local function TdCreateProcessNotifyRoutine2(Process, ProcessId, CreateInfo)
  if CreateInfo ~= nil then
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL,
               "ObCallbackTest: TdCreateProcessNotifyRoutine2: process %p (ID 0x%p) created, " ..
               "creator %Ix:%Ix\n    command line %wZ\n    file name %wZ " ..
               "(FileOpenNameAvailable: %d)\n", Process, ProcessId,
               CreateInfo.CreatingThreadId.UniqueProcess, CreateInfo.CreatingThreadId.UniqueThread,
               CreateInfo.CommandLine, CreateInfo.ImageFileName, CreateInfo.FileOpenNameAvailable)
    if TdbProtectName and CreateInfo.CommandLine ~= nil then
      TdCheckProcessMatch(CreateInfo.CommandLine, Process, ProcessId)
    end
    if TdbRejectName and CreateInfo.CommandLine ~= nil then
      if TdCheckProcessMatch(CreateInfo.CommandLine, Process, ProcessId) == STATUS_SUCCESS then
        CreateInfo.CreationStatus = STATUS_ACCESS_DENIED
      end
    end
  else
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL,
               "ObCallbackTest: TdCreateProcessNotifyRoutine2: process %p (ID 0x%p) destroyed\n",
               Process, ProcessId)
  end
end

local function Complete(DeviceObject, Irp)
  Irp.IoStatus.Status = STATUS_SUCCESS
  Irp.IoStatus.Information = 0
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return STATUS_SUCCESS
end

local function TdControlProtectName(DeviceObject, Irp)
  local IrpStack = IoGetCurrentIrpStackLocation(Irp)
  if IrpStack.Parameters.DeviceIoControl.InputBufferLength < 4 + 2 * (NAME_SIZE + 1) then
    return STATUS_BUFFER_OVERFLOW
  end
  local pProtectNameInput = Irp.AssociatedIrp.SystemBuffer
  local Status = TdProtectNameCallback(pProtectNameInput)
  local Operation = pProtectNameInput:u32(0)
  if Operation == TDProtectName_Protect then
    TdbProtectName, TdbRejectName = true, false
  elseif Operation == TDProtectName_Reject then
    TdbProtectName, TdbRejectName = false, true
  end
  return Status
end

local function TdControlUnprotect(DeviceObject, Irp)
  local Status = TdDeleteProtectNameCallback()
  TdbProtectName, TdbRejectName = false, false
  return Status
end

local function TdDeviceControl(DeviceObject, Irp)
  local IrpStack = IoGetCurrentIrpStackLocation(Irp)
  local Ioctl = IrpStack.Parameters.DeviceIoControl.IoControlCode
  local Status = STATUS_SUCCESS
  if Ioctl == TD_IOCTL_PROTECT_NAME_CALLBACK then
    Status = TdControlProtectName(DeviceObject, Irp)
  elseif Ioctl == TD_IOCTL_UNPROTECT_CALLBACK then
    Status = TdControlUnprotect(DeviceObject, Irp)
  else
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL,
               "TdDeviceControl: unrecognized ioctl code 0x%x\n", Ioctl)
  end
  Irp.IoStatus.Status = Status
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return Status
end

local function TdDeviceUnload(DriverObject)
  if TdProcessNotifyRoutineSet2 and not ObCbForgetProcessNotify then
    local Status = PsSetCreateProcessNotifyRoutineEx(TdCreateProcessNotifyRoutine2, true)
    TD_ASSERT(Status == STATUS_SUCCESS)
    TdProcessNotifyRoutineSet2 = false
  end
  TdbProtectName = false
  if not ObCbForgetUnregister then
    TD_ASSERT(TdDeleteProtectNameCallback() == STATUS_SUCCESS)
  end
  IoDeleteSymbolicLink("\\DosDevices\\ObCallbackTest")
  IoDeleteDevice(DriverObject.DeviceObject)
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local CallbackVersion = ObGetFilterVersion()
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL,
               "ObCallbackTest: DriverEntry: Callback version 0x%hx\n", CallbackVersion)
    -- The driver's globals, in its image.
    TdCallbacksMutex = FAST_MUTEX()
    CBObRegistration = OB_CALLBACK_REGISTRATION()
    CBOperationRegistrations = ARRAY(OB_OPERATION_REGISTRATION, 2)
    CBAltitude = UNICODE_STRING()
    CBCallbackRegistration = ExAllocatePoolWithTag(NonPagedPool, 64, TAG_FROM_C "0bCO")
    RtlZeroMemory(CBCallbackRegistration, 64)
    ExInitializeFastMutex(TdCallbacksMutex)

    local Status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\ObCallbackTest",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(Status) then return Status end
    TD_ASSERT(Device == DriverObject.DeviceObject)
    DriverObject.MajorFunction[IRP_MJ_CREATE] = Complete
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = Complete
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = Complete
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = TdDeviceControl
    DriverObject.DriverUnload = function(DriverObject)
      TdDeviceUnload(DriverObject)
      ExFreePoolWithTag(CBCallbackRegistration, TAG_FROM_C "0bCO")
    end
    Status = IoCreateSymbolicLink("\\DosDevices\\ObCallbackTest", "\\Device\\ObCallbackTest")
    if NT_SUCCESS(Status) then
      Status = PsSetCreateProcessNotifyRoutineEx(TdCreateProcessNotifyRoutine2, false)
      if NT_SUCCESS(Status) then
        TdProcessNotifyRoutineSet2 = true
        return Status
      end
      IoDeleteSymbolicLink("\\DosDevices\\ObCallbackTest")
    end
    IoDeleteDevice(Device)
    return Status
  end,
}
