-- ob_user_handle_kernel_mode: evsig.sys references the event handle an
-- application passed in an IOCTL with AccessMode KernelMode (BUG: it
-- should pass Irp.RequestorMode). KernelMode skips the access check the
-- handle carries, so any application could make the driver use objects it
-- could not open itself. Miscellaneous checks (in /standard) catch it:
-- 0xC4/0xF6, P2 the handle, P3 the current process.
scenario {
  verifier = "/standard /driver evsig.sys",
  expect = { bugcheck = 0xC4, p1 = 0xF6, driver = "evsig.sys" },
}

EvSigBug = true
driver "evsig.sys" "drivers/evsig.lua"

local IOCTL_EVSIG_REGISTER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

run(function()
  LoadDriver "evsig.sys"
  local App = CreateProcess "evapp.exe"
  RunInProcess(App, function()
    local Device = CreateFile "\\\\.\\EvSig"
    local Done = CreateEvent(true, false)
    DeviceIoControl(Device, IOCTL_EVSIG_REGISTER, string.pack("<I8", Done), 0)
  end)
end)
