-- object_types_clean: a driver uses the object types and globals drivers
-- pass by address. *PsProcessType, *PsThreadType and *ExEventObjectType
-- are the OBJECT_TYPEs ObReferenceObjectByPointer checks (a process
-- referenced as a thread is STATUS_OBJECT_TYPE_MISMATCH); an application's
-- process is found by its id (PsLookupProcessByProcessId, referenced,
-- until ObDereferenceObject), and its thread by the thread's id; the
-- pseudo-handle NtCurrentProcess() names the current process;
-- ObOpenObjectByPointer gives a kernel handle with OBJ_KERNEL_HANDLE;
-- SeExports' LUIDs are the privileges' values, and SeSinglePrivilegeCheck
-- grants every privilege to KernelMode and only SeChangeNotifyPrivilege to
-- an application's UserMode. An ended process is found while a handle
-- references it; a process's handles close when it ends. Clean under
-- /standard.
scenario {
  verifier = "/standard /driver objtest.sys",
  expect = "clean",
}

driver "objtest.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    assert(SeExports.SeTcbPrivilege == SE_TCB_PRIVILEGE)
    assert(SeExports.SeCreatePagefilePrivilege == SE_CREATE_PAGEFILE_PRIVILEGE)
    assert(SeExports.SeEnableDelegationPrivilege == SE_ENABLE_DELEGATION_PRIVILEGE)
    assert(SeExports.SeLocalSystemSid:u8(1) == 1 and SeExports.SeLocalSystemSid:u32(8) == 18)
    assert(SeSinglePrivilegeCheck(SeExports.SeTcbPrivilege, KernelMode))
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

function CheckFromApplication(Pid)
  -- As a driver would in a request from the application.
  assert(not SeSinglePrivilegeCheck(SeExports.SeDebugPrivilege, UserMode))
  assert(SeSinglePrivilegeCheck(SeExports.SeChangeNotifyPrivilege, UserMode))
  local status, Process = PsLookupProcessByProcessId(Pid)
  assert(status == STATUS_SUCCESS and Process == PsGetCurrentProcess(), "found by id")
  assert(PsGetProcessId(Process) == Pid and IoGetCurrentProcess() == Process)
  assert(ObReferenceObjectByPointer(Process, 0, PsProcessType:ptr(0), KernelMode) ==
         STATUS_SUCCESS)
  assert(ObReferenceObjectByPointer(Process, 0, PsThreadType:ptr(0), KernelMode) ==
         STATUS_OBJECT_TYPE_MISMATCH, "a process is not a thread")
  ObDereferenceObject(Process)
  local Thread = PsGetCurrentThread()
  local Tid = PsGetThreadId(Thread)
  local found
  status, found = PsLookupThreadByThreadId(Tid)
  assert(status == STATUS_SUCCESS and found == Thread and PsGetThreadProcessId(found) == Pid)
  assert(PsGetThreadProcess(found) == Process)
  ObDereferenceObject(found)
  local Self
  status, Self = ObReferenceObjectByHandle(NtCurrentProcess(), PROCESS_ALL_ACCESS,
                                           PsProcessType:ptr(0), UserMode)
  assert(status == STATUS_SUCCESS and Self == Process, "NtCurrentProcess()")
  ObDereferenceObject(Self)
  local Handle
  status, Handle = ObOpenObjectByPointer(Process, 0, nil, PROCESS_QUERY_INFORMATION,
                                         PsProcessType:ptr(0), UserMode)
  assert(status == STATUS_SUCCESS and HandleAccess(Handle) == PROCESS_QUERY_INFORMATION)
  local Ref
  status, Ref = ObReferenceObjectByHandle(Handle, PROCESS_TERMINATE, PsProcessType:ptr(0),
                                          UserMode)
  assert(status == STATUS_ACCESS_DENIED, "the handle does not grant PROCESS_TERMINATE")
  CloseHandle(Handle)
  assert(PsLookupProcessByProcessId(0x7FFC) == STATUS_INVALID_PARAMETER, "no such process")
end

run(function()
  LoadDriver "objtest.sys"
  local App = CreateProcess "app.exe"
  RunInProcess(App, function() CheckFromApplication(PsGetCurrentProcessId()) end)
  local Event = KEVENT()
  KeInitializeEvent(Event, NotificationEvent, false)
  local status, Handle = ObOpenObjectByPointer(Event, OBJ_KERNEL_HANDLE, nil, EVENT_ALL_ACCESS,
                                               ExEventObjectType:ptr(0), KernelMode)
  assert(status == STATUS_SUCCESS)
  local Ref
  status, Ref = ObReferenceObjectByHandle(Handle, 0, ExEventObjectType:ptr(0), KernelMode)
  assert(status == STATUS_SUCCESS and Ref == Event)
  status = ObReferenceObjectByHandle(Handle, 0, ExEventObjectType:ptr(0), UserMode)
  assert(status == STATUS_INVALID_HANDLE, "a kernel handle is not UserMode's")
  ObDereferenceObject(Ref)
  ZwClose(Handle)

  -- An ended process stays while a handle references it; its own handles
  -- are closed when it ends.
  local B = CreateProcess "b.exe"
  local Bid = PsGetProcessId(B)
  local Holder = StartInProcess(CreateProcess "a.exe", function()
    assert(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, Bid) ~= nil)
    Sleep "10ms"
  end)
  RunInProcess(B, function() end)
  local found
  status, found = PsLookupProcessByProcessId(Bid)
  assert(status == STATUS_SUCCESS and found == B, "held by a.exe's handle")
  ObDereferenceObject(found)
  KeWaitForSingleObject(Holder, Executive, KernelMode, false, nil)
  ObDereferenceObject(Holder)
  assert(PsLookupProcessByProcessId(Bid) == STATUS_INVALID_PARAMETER, "a.exe's handle closed")
  UnloadDriver "objtest.sys"
end)
