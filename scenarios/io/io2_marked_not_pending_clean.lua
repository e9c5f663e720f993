-- io2_marked_not_pending_clean: slowdev.sys starts a read, marks it pending
-- and returns STATUS_PENDING, as a request marked pending must; its DPC
-- completes it 10 ms later. Clean.
scenario {
  verifier = "/standard /driver slowdev.sys",
  cpus = 2,
  expect = "clean",
}

driver "slowdev.sys" "drivers/slowdev.lua"

run(function()
  LoadDriver "slowdev.sys"
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Clnt")
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, SlowDevice, Buffer, 16, nil, Event, Iosb)
  if IoCallDriver(SlowDevice, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "slowdev.sys"
end)
