-- mdl_probe_process_wrong_flags: uxfer.sys's work item locks the
-- application's buffer (MmProbeAndLockProcessPages) and, on its retry
-- path, locks it again with the MDL still locked: an MDL whose pages are
-- locked must not be probed (0xC4/0xB1, P3 the MDL's flags, P4 the
-- offending one, MDL_PAGES_LOCKED).
scenario {
  verifier = "/standard /driver uxfer.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xB1, p4 = MDL_PAGES_LOCKED, driver = "uxfer.sys" },
}

UxferBug = "twice"
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
