-- io2_free_irp_in_use: waitclient.sys waits for echo.sys's next write
-- with an IRP of its own (IOCTL_ECHO_WAIT), for at most 100 ms. On timeout
-- it frees the IRP at once, while echo.sys still holds it parked. Level 2
-- I/O verification stops IoFreeIrp (0xC9, P1 = 0x20B, a WDM DRIVER ERROR;
-- P2 the address of the routine that freed it, P3 the IRP). C9 lists 0x20A
-- ("original IRP and IRP in use", P2 and P3 reserved) and 0x20B ("IRP
-- specified", P2 the code address, P3 the IRP) for IoFreeIrp on an IRP in
-- use; one IRP freed by its caller is 0x20B's case.
-- P2, the address in the driver's code where the error was detected, is
-- that of the routine that made the call (DriverEntry), as drvsim numbers them.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver waitclient.sys",
  cpus = 2,
  expect = { bugcheck = 0xC9, p1 = 0x20B, p2 = 0xFFFFF80240101000, driver = "waitclient.sys" },
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
      -- BUG: IoCancelIrp(Irp), then wait for Done, before freeing it
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
