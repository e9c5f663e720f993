-- io_call_above_dispatch: pollfilt.sys, a filter over echo.sys, polls the
-- device's status when its interrupt fires. Its ISR sends the poll request
-- (IoCallDriver) itself, at the device's IRQL (5), instead of leaving it to
-- its DPC. I/O verification stops the call (0xC9, P1 = 0x10, P2 the IRQL).
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlKeDispatchLte (0x20011) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver pollfilt.sys",
  cpus = 2,
  expect = { bugcheck = 0xC9, p1 = 0x10, p2 = 5, driver = "pollfilt.sys" },
}

driver "echo.sys" "drivers/echo.lua"

driver "pollfilt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(filter, EchoDevice)
    Filter, Polls, PollDpc, PollDone = filter, 0, KDPC(), KEVENT()
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    KeInitializeEvent(PollDone, NotificationEvent, true)
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(Lower, Irp)
      end
    end

    -- A status poll of the device below, with an IRP of its own, reused.
    PollIrp = IoAllocateIrp(Lower.StackSize, false)
    PollBuffer = ExAllocatePoolWithTag(NonPagedPoolNx, 4, "Poll")
    local function SendPoll()
      KeClearEvent(PollDone)
      local Stack = IoGetNextIrpStackLocation(PollIrp)
      Stack.MajorFunction = IRP_MJ_DEVICE_CONTROL
      Stack.Parameters.DeviceIoControl.IoControlCode = IOCTL_ECHO_GET_LENGTH
      Stack.Parameters.DeviceIoControl.OutputBufferLength = 4
      PollIrp.AssociatedIrp.SystemBuffer = PollBuffer
      IoSetCompletionRoutine(PollIrp, function(DeviceObject, Irp, Context)
        Polls = Polls + 1
        KeSetEvent(PollDone, IO_NO_INCREMENT, false)
        return STATUS_MORE_PROCESSING_REQUIRED   -- the IRP is ours, reused
      end, nil, true, true, true)
      IoCallDriver(Lower, PollIrp)
    end
    KeInitializeDpc(PollDpc, function(Dpc, Context, Argument1, Argument2)
      SendPoll()
    end, nil)
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      SendPoll()   -- BUG: KeInsertQueueDpc(PollDpc, nil, nil): IoCallDriver at DIRQL
      return true
    end, nil, nil, 0x81, 5, 5, LevelSensitive, false, 0x3, false)

    DriverObject.DriverUnload = function(DriverObject)
      IoDisconnectInterrupt(InterruptObject)
      KeFlushQueuedDpcs()
      KeWaitForSingleObject(PollDone, Executive, KernelMode, false, nil)
      IoFreeIrp(PollIrp)
      ExFreePoolWithTag(PollBuffer, "Poll")
      IoDetachDevice(Lower)
      IoDeleteDevice(Filter)
    end
    return status
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "pollfilt.sys"
  Interrupt(InterruptObject)     -- the device asks to be polled
  Sleep "10ms"
  UnloadDriver "pollfilt.sys"
end)
