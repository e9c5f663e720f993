-- io2_out_of_stack_locations: stkclient.sys reads from echo.sys with an
-- IRP of its own. It sends the read to the top of echo.sys's stack
-- (IoGetAttachedDeviceReference), where echofilt.sys is attached, but sizes
-- the IRP for echo.sys alone (EchoDevice.StackSize): when the filter
-- passes it down there is no location left, and the filter's copy of its
-- location lands in the IRP's own header. Level 2 I/O verification stops
-- the client's IoCallDriver, whose device needs more locations than the
-- IRP has left (0xC9, P1 = 0x208, a WDM DRIVER ERROR; P3 the IRP).
-- P2, the address in the driver's code where the error was detected, is
-- that of the routine that made the call (DriverEntry), as drvsim numbers them.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver stkclient.sys echofilt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x208, p2 = 0xFFFFF80240201000, driver = "stkclient.sys" },
}

driver "echo.sys" "drivers/echo.lua"
driver "echofilt.sys" "drivers/echofilt.lua"

driver "stkclient.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Done, Buffer = KEVENT(), ExAllocatePoolWithTag(NonPagedPoolNx, 16, "StkC")
    if Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    KeInitializeEvent(Done, NotificationEvent, false)
    local Top = IoGetAttachedDeviceReference(EchoDevice)
    local Irp = IoAllocateIrp(EchoDevice.StackSize, false)   -- BUG: Top.StackSize
    if Irp == nil then
      ObDereferenceObject(Top)
      ExFreePoolWithTag(Buffer, "StkC")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Stack = IoGetNextIrpStackLocation(Irp)
    Stack.MajorFunction = IRP_MJ_READ
    Stack.Parameters.Read.Length = 16
    Irp.AssociatedIrp.SystemBuffer = Buffer
    IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
      KeSetEvent(Context, IO_NO_INCREMENT, false)
      return STATUS_MORE_PROCESSING_REQUIRED
    end, Done, true, true, true)
    if IoCallDriver(Top, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
    end
    IoFreeIrp(Irp)
    ObDereferenceObject(Top)
    ExFreePoolWithTag(Buffer, "StkC")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "echofilt.sys"
  LoadDriver "stkclient.sys"
  UnloadDriver "stkclient.sys"
end)
