-- user_buffer_no_try: ubuf.sys reads the buffer an application names
-- without probing it or guarding the access with __try (BUG). The
-- application passes a buffer it has freed: the access to the user address
-- raises STATUS_ACCESS_VIOLATION that nothing handles, in the system service
-- of the application's DeviceIoControl: SYSTEM_SERVICE_EXCEPTION (0x3B,
-- P1 0xC0000005). The twin is user_buffer_clean.lua's driver.
scenario {
  verifier = "/standard /driver ubuf.sys",
  expect = { bugcheck = 0x3B, p1 = 0xC0000005, driver = "ubuf.sys" },
}

UBufBug = true
driver "ubuf.sys" "drivers/ubuf.lua"

local IOCTL_UBUF_SUM = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)

run(function()
  LoadDriver "ubuf.sys"
  RunInProcess(CreateProcess "app.exe", function()
    local Device = CreateFile "\\Device\\UBuf"
    local Buffer = VirtualAlloc(16)
    VirtualFree(Buffer, 16)
    DeviceIoControl(Device, IOCTL_UBUF_SUM, string.pack("<I8I4I4", ULONG_PTR(Buffer), 16, 0), 16)
  end)
end)
