-- io_timer_initialized_twice_clean: tickdev.sys starts its device with a
-- once-a-second IoTimer; its reset IOCTL stops the timer and starts it
-- again (IoStopTimer, IoStartTimer), initialising it only once. The
-- watchdog routine runs once a second at DISPATCH_LEVEL. Clean.
scenario {
  verifier = "/standard /driver tickdev.sys",
  expect = "clean",
}

driver "tickdev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Tick",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    TickDevice, Ticks = device, 0
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    -- Starts the device: a watchdog tick once a second (IoTimer, at
    -- DISPATCH_LEVEL).
    local function StartDevice()
      local status = IoInitializeTimer(TickDevice, function(DeviceObject, Context)
        Ticks = Ticks + 1
      end, nil)
      if status == STATUS_SUCCESS then
        IoStartTimer(TickDevice)
      end
      return status
    end
    local status = StartDevice()
    if status ~= STATUS_SUCCESS then
      IoDeleteDevice(device)
      return status
    end

    -- IOCTL_TICK_RESET restarts the device.
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      IoStopTimer(DeviceObject)
      IoStartTimer(DeviceObject)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoStopTimer(TickDevice)
      IoDeleteDevice(TickDevice)
    end
    return STATUS_SUCCESS
  end,
}

IOCTL_TICK_RESET = 0x222000   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)

run(function()
  LoadDriver "tickdev.sys"
  Sleep "3500ms"
  assert(Ticks == 3, "the timer ticks once a second")
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Irp = IoBuildDeviceIoControlRequest(IOCTL_TICK_RESET, TickDevice, nil, 0, nil, 0, false,
                                            Event, Iosb)
  if IoCallDriver(TickDevice, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  Sleep "2s"
  UnloadDriver "tickdev.sys"
end)
