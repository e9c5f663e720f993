-- mdl_probe_process_above_dispatch: uxfer.sys fills an application's
-- buffer from a work item, locking it in the application's context with
-- MmProbeAndLockProcessPages, but from code that runs with its device's
-- interrupt masked, at device IRQL: probing can page memory in, so the
-- routine is allowed at DISPATCH_LEVEL at most (0xC4/0x71, P2 the IRQL, P3
-- the MDL, P4 the process).
scenario {
  verifier = "/standard /driver uxfer.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x71, p2 = 6, driver = "uxfer.sys" },
}

UxferBug = "irql"
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
