-- obcallback_clean: Microsoft's Ob callback sample (general/obcallback)
-- with its control application. The application asks ObCallbackTest.sys
-- to protect "notepad": the driver's PsSetCreateProcessNotifyRoutineEx
-- routine finds notepad.exe's command line as it is created, and the Ob
-- callbacks it registered strip PROCESS_TERMINATE and THREAD_TERMINATE
-- from the handles other processes open to notepad and its threads; the
-- application's own process and other processes keep every right. Asked
-- to reject "evil", the driver refuses evil.exe's creation
-- (CreationStatus = STATUS_ACCESS_DENIED). Unprotecting removes the
-- callbacks; unloading removes the process notify routine. Clean under
-- /standard.
scenario {
  verifier = "/standard /driver ObCallbackTest.sys",
  expect = "clean",
}

driver "ObCallbackTest.sys" "drivers/obcallback.lua"

local TD_IOCTL_PROTECT_NAME_CALLBACK = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + 2, METHOD_BUFFERED,
                                                FILE_SPECIAL_ACCESS)
local TD_IOCTL_UNPROTECT_CALLBACK = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + 3, METHOD_BUFFERED,
                                             FILE_SPECIAL_ACCESS)

-- TD_PROTECTNAME_INPUT { ULONG Operation; WCHAR Name[NAME_SIZE + 1]; }
local function ProtectNameInput(Operation, Name)
  local wide = Name:gsub(".", "%0\0")
  return string.pack("<I4", Operation) .. wide .. string.rep("\0", 402 - #wide)
end

run(function()
  LoadDriver "ObCallbackTest.sys"
  local Control = CreateProcess "ObCallbackTestCtrl.exe"
  RunInProcess(Control, function()
    local Device = CreateFile "\\\\.\\ObCallbackTest"
    assert(DeviceIoControl(Device, TD_IOCTL_PROTECT_NAME_CALLBACK,
                           ProtectNameInput(0, "notepad"), 0) == STATUS_SUCCESS)
    local Notepad = CreateProcess("notepad.exe", "notepad.exe C:\\notes.txt")
    local NotepadThread = StartInProcess(Notepad, function() Sleep "10ms" end)

    local Handle = OpenProcess(PROCESS_ALL_ACCESS, false, PsGetProcessId(Notepad))
    assert(HandleAccess(Handle) == PROCESS_ALL_ACCESS & ~PROCESS_TERMINATE, "protected process")
    CloseHandle(Handle)
    Handle = OpenThread(THREAD_ALL_ACCESS, false, PsGetThreadId(NotepadThread))
    assert(HandleAccess(Handle) == THREAD_ALL_ACCESS & ~THREAD_TERMINATE, "protected thread")
    CloseHandle(Handle)
    Handle = OpenProcess(PROCESS_ALL_ACCESS, false, PsGetCurrentProcessId())
    assert(HandleAccess(Handle) == PROCESS_ALL_ACCESS, "its own process is not filtered")
    CloseHandle(Handle)

    -- Reject a program's creation.
    assert(DeviceIoControl(Device, TD_IOCTL_PROTECT_NAME_CALLBACK,
                           ProtectNameInput(1, "evil"), 0) == STATUS_SUCCESS)
    local Evil, status = CreateProcess("evil.exe", "evil.exe --now")
    assert(Evil == nil and status == STATUS_ACCESS_DENIED, "refused")

    -- Unprotect: the callbacks go.
    assert(DeviceIoControl(Device, TD_IOCTL_UNPROTECT_CALLBACK, string.pack("<I4", 0), 0) ==
           STATUS_SUCCESS)
    Handle = OpenProcess(PROCESS_ALL_ACCESS, false, PsGetProcessId(Notepad))
    assert(HandleAccess(Handle) == PROCESS_ALL_ACCESS, "not filtered any more")
    CloseHandle(Handle)
    KeWaitForSingleObject(NotepadThread, Executive, KernelMode, false, nil)
    ObDereferenceObject(NotepadThread)
    CloseHandle(Device)
  end)
  UnloadDriver "ObCallbackTest.sys"
  CreateProcess "later.exe"
end)
