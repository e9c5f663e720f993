-- io_complete_above_dispatch_clean: isrdev.sys parks each read until its
-- sensor interrupts; the ISR queues the DPC, which completes the read at
-- DISPATCH_LEVEL. Clean.
scenario {
  verifier = "/standard /driver isrdev.sys",
  cpus = 2,
  expect = "clean",
}

driver "isrdev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Sensor",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    SensorDevice, Current, Dpc = device, nil, KDPC()
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    -- Completes the read the interrupt answered, at DISPATCH_LEVEL.
    local function CompleteCurrent()
      local Irp = Current
      Current = nil
      if Irp ~= nil then
        Irp.AssociatedIrp.SystemBuffer:set_u32(0, 42)   -- the sample
        Irp.IoStatus.Status = STATUS_SUCCESS
        Irp.IoStatus.Information = 4
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
      end
    end
    KeInitializeDpc(Dpc, function(Dpc, Context, Argument1, Argument2)
      CompleteCurrent()
    end, nil)
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      KeInsertQueueDpc(Dpc, nil, nil)
      return true
    end, nil, nil, 0x81, 5, 5, LevelSensitive, false, 0x3, false)
    if status ~= STATUS_SUCCESS then
      IoDeleteDevice(device)
      return status
    end

    -- A read waits for the sensor's next interrupt.
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      IoMarkIrpPending(Irp)
      Current = Irp
      return STATUS_PENDING
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDisconnectInterrupt(InterruptObject)
      KeFlushQueuedDpcs()
      IoDeleteDevice(SensorDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "isrdev.sys"
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 4, "Clnt")
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, SensorDevice, Buffer, 4, nil, Event, Iosb)
  if IoCallDriver(SensorDevice, Irp) == STATUS_PENDING then
    Interrupt(InterruptObject)
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "isrdev.sys"
end)
