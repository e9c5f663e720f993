-- mdl_probe_process_wrong_flags (clean twin): the work item locks the application's
-- buffer once, at PASSIVE_LEVEL, in the application's context
-- (MmProbeAndLockProcessPages), fills it and unlocks it.
scenario {
  verifier = "/standard /driver uxfer.sys",
  expect   = "clean",
}

UxferBug = nil
IOCTL_UXFER_FILL = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x940, METHOD_BUFFERED, FILE_ANY_ACCESS)
driver "uxfer.sys" "drivers/uxfer.lua"

run(function()
  LoadDriver "uxfer.sys"
  RunInProcess(CreateProcess "viewer.exe", function()
    local Device = CreateFile "\\Device\\UXfer"
    local Buffer = VirtualAlloc(8192)
    local status = DeviceIoControl(Device, IOCTL_UXFER_FILL,
                                   string.pack("<I8I4I4", ULONG_PTR(Buffer), 6000, 0), 0)
    assert(status == STATUS_SUCCESS)
    assert(Buffer:read(5999, 1) == "*", "filled by the worker")
    CloseHandle(Device)
  end)
  UnloadDriver "uxfer.sys"
end)
