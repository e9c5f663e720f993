-- io_call_above_dispatch_clean: pollfilt.sys, a filter over echo.sys,
-- polls the device's status when its interrupt fires: the ISR queues its
-- DPC, which sends the poll at DISPATCH_LEVEL, reusing its own IRP (its
-- completion routine returns STATUS_MORE_PROCESSING_REQUIRED). Clean.
scenario {
  verifier = "/standard /driver pollfilt.sys",
  cpus = 2,
  expect = "clean",
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
      KeInsertQueueDpc(PollDpc, nil, nil)
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
  for i = 1, 3 do
    Interrupt(InterruptObject)   -- the device asks to be polled: the IRP is reused
    Sleep "10ms"
  end
  assert(Polls == 3, "three polls")
  UnloadDriver "pollfilt.sys"
end)
