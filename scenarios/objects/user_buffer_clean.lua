-- user_buffer_clean: an application allocates a buffer in its user
-- address space (VirtualAlloc) and hands ubuf.sys its address in a
-- buffered IOCTL. The driver probes it (ProbeForRead, ProbeForWrite) and
-- touches it inside __try: the application's own buffer works; a freed
-- buffer, a kernel address, a misaligned one and another application's
-- buffer give the exceptions Windows raises (STATUS_ACCESS_VIOLATION,
-- STATUS_DATATYPE_MISALIGNMENT), which the driver returns as its status.
-- MmProbeAndLockPages(UserMode) locks the application's pages and refuses
-- the others. Clean under /standard.
scenario {
  verifier = "/standard /driver ubuf.sys",
  expect = "clean",
}

UBufBug = false
driver "ubuf.sys" "drivers/ubuf.lua"

local IOCTL_UBUF_SUM = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)
local IOCTL_UBUF_FILL = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
local IOCTL_UBUF_LOCK = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS)

local function Args(Buffer, Length)
  return string.pack("<I8I4I4", ULONG_PTR(Buffer), Length, 0)
end

run(function()
  LoadDriver "ubuf.sys"
  local Other
  RunInProcess(CreateProcess "other.exe", function()
    Other = VirtualAlloc(64)
    Other:write(0, "another address space")
  end)
  RunInProcess(CreateProcess "app.exe", function()
    local Device = CreateFile "\\Device\\UBuf"
    local Buffer = VirtualAlloc(8192)
    Buffer:write(0, "\1\2\3\4")
    local status, out = DeviceIoControl(Device, IOCTL_UBUF_SUM, Args(Buffer, 4), 16)
    assert(status == STATUS_SUCCESS and string.unpack("<I4", out) == 10, "its own buffer")
    status = DeviceIoControl(Device, IOCTL_UBUF_FILL, Args(Buffer + 4094, 4), 0)
    assert(status == STATUS_SUCCESS and Buffer:read(4094, 4) == "ZZZZ", "written across pages")
    assert(DeviceIoControl(Device, IOCTL_UBUF_LOCK, Args(Buffer, 8192), 0) == STATUS_SUCCESS)

    status = DeviceIoControl(Device, IOCTL_UBUF_SUM, Args(Buffer + 1, 4), 16)
    assert(status == STATUS_DATATYPE_MISALIGNMENT, "misaligned")
    status = DeviceIoControl(Device, IOCTL_UBUF_SUM, Args(Buffer + 8188, 8), 16)
    assert(status == STATUS_ACCESS_VIOLATION, "past its end")
    status = DeviceIoControl(Device, IOCTL_UBUF_SUM, Args(Other, 8), 16)
    assert(status == STATUS_ACCESS_VIOLATION, "another process's buffer is not there")
    assert(DeviceIoControl(Device, IOCTL_UBUF_LOCK, Args(Other, 8), 0) == STATUS_ACCESS_VIOLATION)
    local Kernel = PsGetCurrentProcess()
    status = DeviceIoControl(Device, IOCTL_UBUF_SUM, Args(Kernel, 8), 16)
    assert(status == STATUS_ACCESS_VIOLATION, "a kernel address fails the probe")
    status = DeviceIoControl(Device, IOCTL_UBUF_FILL, Args(Kernel, 8), 0)
    assert(status == STATUS_ACCESS_VIOLATION, "and cannot be written")
    assert(DeviceIoControl(Device, IOCTL_UBUF_LOCK, Args(Kernel, 8), 0) == STATUS_ACCESS_VIOLATION)
    VirtualFree(Buffer, 8192)
    status = DeviceIoControl(Device, IOCTL_UBUF_SUM, Args(Buffer, 4), 16)
    assert(status == STATUS_ACCESS_VIOLATION, "a freed buffer")
    CloseHandle(Device)
  end)
  UnloadDriver "ubuf.sys"
end)
