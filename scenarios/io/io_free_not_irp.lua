-- io_free_not_irp: rdclient.sys reads echo.sys's buffer with an IRP of its
-- own (IoAllocateIrp, a completion routine that returns
-- STATUS_MORE_PROCESSING_REQUIRED, then IoFreeIrp). It keeps a small
-- request context from pool next to the IRP, and its cleanup frees the two
-- with the wrong routines: IoFreeIrp gets the context. Its Type is not
-- IO_TYPE_IRP: I/O verification stops it (0xC9, P1 = 1, P2 the object).
scenario {
  verifier = "/standard /driver rdclient.sys",
  expect = { bugcheck = 0xC9, p1 = 0x1, driver = "rdclient.sys" },
}

driver "echo.sys" "drivers/echo.lua"

driver "rdclient.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Done = KEVENT()
    KeInitializeEvent(Done, NotificationEvent, false)
    local Request = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "RdCl")
    local Irp = IoAllocateIrp(EchoDevice.StackSize, false)
    if Request == nil or Irp == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Stack = IoGetNextIrpStackLocation(Irp)
    Stack.MajorFunction = IRP_MJ_READ
    Stack.Parameters.Read.Length = 64
    Irp.AssociatedIrp.SystemBuffer = Request
    IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
      KeSetEvent(Context, IO_NO_INCREMENT, false)
      return STATUS_MORE_PROCESSING_REQUIRED
    end, Done, true, true, true)
    if IoCallDriver(EchoDevice, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
    end
    IoFreeIrp(Request)                       -- BUG: IoFreeIrp(Irp)
    ExFreePoolWithTag(Irp, "RdCl")           -- BUG: ExFreePoolWithTag(Request, "RdCl")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "rdclient.sys"
end)
