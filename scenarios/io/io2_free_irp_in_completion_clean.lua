-- io2_free_irp_in_completion_clean: lenclient.sys asks echo.sys for its
-- length with an IRP of its own (IOCTL_ECHO_GET_LENGTH, which echo.sys
-- completes in its dispatch routine) and frees the IRP in its completion
-- routine, returning STATUS_MORE_PROCESSING_REQUIRED: the documented
-- pattern for a driver-allocated IRP. echo.sys's dispatch routine is still
-- on the stack when the IRP is freed, but it may not touch the IRP after
-- IoCompleteRequest, so the IRP is no longer in use (not 0xC9/0x20B). Clean,
-- also under Enhanced I/O verification.
-- Source: windows-driver-docs-pr/kernel/constraints-on-completion-routines.md
scenario {
  verifier = "/standard /iolevel 2 /driver lenclient.sys",
  cpus = 2,
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"

driver "lenclient.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Freed = KEVENT()
    KeInitializeEvent(Freed, NotificationEvent, false)
    local Irp = IoAllocateIrp(EchoDevice.StackSize, false)
    if Irp == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Stack = IoGetNextIrpStackLocation(Irp)
    Stack.MajorFunction = IRP_MJ_DEVICE_CONTROL
    Stack.Parameters.DeviceIoControl.IoControlCode = IOCTL_ECHO_GET_LENGTH
    IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
      IoFreeIrp(Irp)
      KeSetEvent(Context, IO_NO_INCREMENT, false)
      return STATUS_MORE_PROCESSING_REQUIRED
    end, Freed, true, true, true)
    IoCallDriver(EchoDevice, Irp)
    KeWaitForSingleObject(Freed, Executive, KernelMode, false, nil)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "lenclient.sys"
  UnloadDriver "lenclient.sys"
end)
