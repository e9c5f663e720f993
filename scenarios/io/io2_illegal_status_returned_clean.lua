-- io2_illegal_status_returned_clean: cntdev.sys decides the status of every
-- IOCTL path (STATUS_INVALID_DEVICE_REQUEST by default), stores it in the
-- IRP and returns it. Clean.
scenario {
  verifier = "/standard /driver cntdev.sys",
  expect = "clean",
}

driver "cntdev.sys" "drivers/cntdev.lua"

local function Send(Irp, Event, Iosb)
  if IoCallDriver(CounterDevice, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  return Iosb.Status
end

run(function()
  LoadDriver "cntdev.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Clnt")
  for _, Length in ipairs({8, 32, 4}) do
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    Send(IoBuildSynchronousFsdRequest(IRP_MJ_WRITE, CounterDevice, Buffer, Length, nil, Event,
                                      Iosb), Event, Iosb)
  end
  for _, Code in ipairs({IOCTL_COUNTER_GET, IOCTL_COUNTER_RESET}) do
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    Send(IoBuildDeviceIoControlRequest(Code, CounterDevice, nil, 0, Buffer, 4, false, Event,
                                       Iosb), Event, Iosb)
  end
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "cntdev.sys"
end)
