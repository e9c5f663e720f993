-- echo_stack_clean: a small device stack under /standard (I/O verification
-- on, level 2). echo.sys is a function driver with a 64-byte buffer:
-- IRP_MJ_WRITE fills it, IRP_MJ_READ returns it, IOCTL_ECHO_GET_LENGTH
-- reports how much it holds (all buffered I/O), and IOCTL_ECHO_WAIT parks
-- the request in a cancel-safe way until the next write (IoMarkIrpPending,
-- STATUS_PENDING, a cancel routine under the cancel spin lock).
-- echofilt.sys is a filter attached on top: it counts the bytes read by
-- setting a completion routine (IoCopyCurrentIrpStackLocationToNext) and
-- passes everything else down with IoSkipCurrentIrpStackLocation. A
-- kernel-mode client (the run body) sends requests built with
-- IoBuildSynchronousFsdRequest / IoBuildDeviceIoControlRequest to the top
-- of the stack and cancels one parked wait. Everything is done right: clean.
scenario {
  verifier = "/standard /driver echo.sys echofilt.sys",
  cpus = 2,
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"
driver "echofilt.sys" "drivers/echofilt.lua"

-- A synchronous request from kernel mode: build it, send it to the top of
-- the stack, wait if it pends. Returns the IO_STATUS_BLOCK's two fields.
local function Request(Build)
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Top = IoGetAttachedDeviceReference(EchoDevice)
  local Irp = Build(Top, Event, Iosb)
  assert(Irp ~= nil, "request not built")
  local status = IoCallDriver(Top, Irp)
  if status == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
    status = Iosb.Status
  end
  ObDereferenceObject(Top)
  return status, Iosb.Information
end

run(function()
  LoadDriver "echo.sys"
  LoadDriver "echofilt.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Clnt")

  Buffer:write(0, "hello, stack")
  local status, n = Request(function(Top, Event, Iosb)
    return IoBuildSynchronousFsdRequest(IRP_MJ_WRITE, Top, Buffer, 12, nil, Event, Iosb)
  end)
  assert(status == STATUS_SUCCESS and n == 12, "write failed")

  RtlZeroMemory(Buffer, 64)
  status, n = Request(function(Top, Event, Iosb)
    return IoBuildSynchronousFsdRequest(IRP_MJ_READ, Top, Buffer, 64, nil, Event, Iosb)
  end)
  assert(status == STATUS_SUCCESS and n == 12 and Buffer:read(0, 12) == "hello, stack")
  assert(BytesRead == 12, "the filter's completion routine did not count the read")

  status, n = Request(function(Top, Event, Iosb)
    return IoBuildDeviceIoControlRequest(IOCTL_ECHO_GET_LENGTH, Top, nil, 0, Buffer, 4, false,
                                         Event, Iosb)
  end)
  assert(status == STATUS_SUCCESS and n == 4 and Buffer:u32(0) == 12)

  -- A parked wait, then cancelled: the cancel routine completes it.
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Irp = IoBuildDeviceIoControlRequest(IOCTL_ECHO_WAIT, EchoDevice, nil, 0, nil, 0, false,
                                            Event, Iosb)
  assert(IoCallDriver(EchoDevice, Irp) == STATUS_PENDING)
  assert(IoCancelIrp(Irp))
  KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  assert(Iosb.Status == STATUS_CANCELLED)

  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "echofilt.sys"
  UnloadDriver "echo.sys"
end)
