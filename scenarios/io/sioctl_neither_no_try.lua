-- sioctl_neither_no_try: the IOCTL sample's METHOD_NEITHER request
-- (drivers/sioctl.lua) with its probes and try/except left out (BUG): the
-- driver reads Type3InputBuffer as it is. The application passes a buffer
-- it has freed; the access to the user address raises
-- STATUS_ACCESS_VIOLATION that nothing handles, in the system service of
-- its DeviceIoControl: SYSTEM_SERVICE_EXCEPTION (0x3B, P1 0xC0000005).
-- The twin is sioctl_neither_clean.lua.
scenario {
  verifier = "/standard /driver sioctl.sys",
  expect = { bugcheck = 0x3B, p1 = 0xC0000005, driver = "sioctl.sys" },
}

SioctlBug = true
driver "sioctl.sys" "drivers/sioctl.lua"

local IOCTL_SIOCTL_METHOD_NEITHER = CTL_CODE(40000, 0x902, METHOD_NEITHER, FILE_ANY_ACCESS)

run(function()
  LoadDriver "sioctl.sys"
  RunInProcess(CreateProcess "testapp.exe", function()
    local Device = CreateFile "\\Device\\SIOCTL"
    local In, Out = VirtualAlloc(64), VirtualAlloc(64)
    In:write(0, "mine")
    local status = DeviceIoControl(Device, IOCTL_SIOCTL_METHOD_NEITHER, {In, 4}, {Out, 16})
    assert(status == STATUS_SUCCESS)
    VirtualFree(In, 64)
    DeviceIoControl(Device, IOCTL_SIOCTL_METHOD_NEITHER, {In, 4}, {Out, 16})
    CloseHandle(Device)
  end)
  UnloadDriver "sioctl.sys"
end)
