-- SpinlockRelease: portsw.sys keeps a table of ports under a table lock
-- and each port's counters under the port's own spin lock. IOCTL_PORT_RESET
-- finds the port under the table lock and, still holding it, takes the
-- port's lock with a second KeAcquireSpinLock to clear its counters. Two
-- different locks, always in this order: the SpinLock rule allows it. The
-- "additional" SpinlockRelease rule wants KeAcquireSpinLock and
-- KeReleaseSpinLock in strict alternation: DDI compliance checking
-- (additional) stops the nested acquire, 0xC4/0x4000A (the 0xC4 page's
-- code; the rule's own page says 0x4000B).
scenario {
  verifier = "/flags 0xA0000 /driver portsw.sys",
  expect = { bugcheck = 0xC4, p1 = 0x4000A, driver = "portsw.sys" },
}

local IOCTL_PORT_RESET = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x830, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "portsw.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\PortSw", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    PortDevice, TableLock, Ports = device, KSPIN_LOCK(), {}
    KeInitializeSpinLock(TableLock)
    for Number = 1, 4 do
      local Port = { Lock = KSPIN_LOCK(), Frames = 100 * Number }
      KeInitializeSpinLock(Port.Lock)
      Ports[Number] = Port
    end
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]

    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      if Stack.Parameters.DeviceIoControl.IoControlCode ~= IOCTL_PORT_RESET or
          Stack.Parameters.DeviceIoControl.InputBufferLength < 4 then
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
      end
      local Number = Irp.AssociatedIrp.SystemBuffer:u32(0)
      local Status = STATUS_INVALID_PARAMETER
      local TableIrql = KeAcquireSpinLock(TableLock)
      local Port = Ports[Number]
      if Port ~= nil then
        local PortIrql = KeAcquireSpinLock(Port.Lock)   -- nested in TableLock
        Port.Frames = 0
        KeReleaseSpinLock(Port.Lock, PortIrql)
        Status = STATUS_SUCCESS
      end
      KeReleaseSpinLock(TableLock, TableIrql)
      return Complete(Irp, Status, 0)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(PortDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "portsw.sys"
  local Handle = assert(CreateFile "\\Device\\PortSw")
  assert(DeviceIoControl(Handle, IOCTL_PORT_RESET, "\x02\0\0\0", 0) == STATUS_SUCCESS)
  CloseHandle(Handle)
  UnloadDriver "portsw.sys"
end)
