-- io2_out_of_stack_locations_clean: stkclient.sys reads from echo.sys
-- with an IRP of its own. It sends the read to the top of echo.sys's stack
-- (IoGetAttachedDeviceReference), where echofilt.sys is attached, and
-- allocates the IRP with that device's StackSize: a location for each
-- driver of the stack. Clean.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver stkclient.sys echofilt.sys",
  expect = "clean",
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
    local Irp = IoAllocateIrp(Top.StackSize, false)
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
