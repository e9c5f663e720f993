-- ob_user_handle_kernel_mode_clean: an application creates an event and
-- passes its handle to evsig.sys in a buffered IOCTL; the driver
-- references it with Irp.RequestorMode (UserMode) and *ExEventObjectType,
-- signals it and drops its reference; the application's wait returns at
-- once. The object manager's own checks answer the driver as Windows
-- does: a handle of another type is STATUS_OBJECT_TYPE_MISMATCH, a handle
-- the application does not hold STATUS_INVALID_HANDLE, an event handle
-- without EVENT_MODIFY_STATE STATUS_ACCESS_DENIED. Clean under /standard.
scenario {
  verifier = "/standard /driver evsig.sys",
  expect = "clean",
}

EvSigBug = false
driver "evsig.sys" "drivers/evsig.lua"

local IOCTL_EVSIG_REGISTER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

run(function()
  LoadDriver "evsig.sys"
  local App = CreateProcess "evapp.exe"
  RunInProcess(App, function()
    local Device = CreateFile "\\\\.\\EvSig"
    local Done = CreateEvent(true, false)
    assert(WaitForSingleObject(Done, "0ms") == STATUS_TIMEOUT, "not signalled yet")
    local status = DeviceIoControl(Device, IOCTL_EVSIG_REGISTER, string.pack("<I8", Done), 0)
    assert(status == STATUS_SUCCESS, "the driver took the event")
    assert(WaitForSingleObject(Done) == STATUS_WAIT_0, "and signalled it")

    -- A process handle is not an event.
    local Self = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, PsGetCurrentProcessId())
    status = DeviceIoControl(Device, IOCTL_EVSIG_REGISTER, string.pack("<I8", Self), 0)
    assert(status == STATUS_OBJECT_TYPE_MISMATCH, "type checked")
    -- A handle the application does not hold.
    status = DeviceIoControl(Device, IOCTL_EVSIG_REGISTER, string.pack("<I8", 0x7FF0), 0)
    assert(status == STATUS_INVALID_HANDLE, "handle checked")
    -- A handle closed already.
    assert(CloseHandle(Done) == STATUS_SUCCESS)
    status = DeviceIoControl(Device, IOCTL_EVSIG_REGISTER, string.pack("<I8", Done), 0)
    assert(status == STATUS_INVALID_HANDLE, "closed handle")
    assert(CloseHandle(Self) == STATUS_SUCCESS)
    CloseHandle(Device)
  end)
  UnloadDriver "evsig.sys"
end)
