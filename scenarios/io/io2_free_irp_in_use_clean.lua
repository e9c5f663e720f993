-- io2_free_irp_in_use_clean: waitclient.sys waits for echo.sys's next
-- write with an IRP of its own (IOCTL_ECHO_WAIT), for at most 100 ms. On
-- timeout it cancels the IRP, waits for its completion routine to see it
-- come back, and only then frees it. Clean.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver waitclient.sys",
  cpus = 2,
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"

driver "waitclient.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Done = KEVENT()
    KeInitializeEvent(Done, NotificationEvent, false)
    local Irp = IoAllocateIrp(EchoDevice.StackSize, false)
    if Irp == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Stack = IoGetNextIrpStackLocation(Irp)
    Stack.MajorFunction = IRP_MJ_DEVICE_CONTROL
    Stack.Parameters.DeviceIoControl.IoControlCode = IOCTL_ECHO_WAIT
    IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
      KeSetEvent(Context, IO_NO_INCREMENT, false)
      return STATUS_MORE_PROCESSING_REQUIRED
    end, Done, true, true, true)
    IoCallDriver(EchoDevice, Irp)
    local status = KeWaitForSingleObject(Done, Executive, KernelMode, false, -10000 * 100)
    if status == STATUS_TIMEOUT then
      IoCancelIrp(Irp)
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
    end
    IoFreeIrp(Irp)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "waitclient.sys"
  UnloadDriver "waitclient.sys"
end)
