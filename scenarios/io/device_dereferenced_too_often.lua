-- device_dereferenced_too_often: a monitoring driver samples the disk's
-- device stack once: IoGetAttachedDeviceReference gives it the top device
-- with a reference it owns, and a helper releases that reference once the
-- sample is taken. The unload routine, written later, "releases" the device
-- again. That second dereference drops the reference the disk driver's
-- IoCreateDevice gave its own device (the one its IoDeleteDevice releases):
-- the count reaches zero while the device is still on disk.sys's device
-- list, REFERENCE_BY_POINTER (0x18, P1 the object type, IO_TYPE_DEVICE = 3,
-- P4 the pointer count, 0). Windows would free the device there and crash
-- later, when disk.sys deletes it.
scenario {
  expect = { bugcheck = 0x18, p1 = 3, p4 = 0, driver = "diskmon.sys" },
}

driver "disk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status
    status, DiskDevice = IoCreateDevice(DriverObject, 0, "\\Device\\Disk0", FILE_DEVICE_DISK, 0,
                                        false)
    DiskDevice.Flags = DiskDevice.Flags & ~DO_DEVICE_INITIALIZING
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(DiskDevice)
    end
    return STATUS_SUCCESS
  end,
}

driver "diskmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function Sample()
      Top = IoGetAttachedDeviceReference(DiskDevice)
      StackSize = Top.StackSize
      ObDereferenceObject(Top) -- the reference IoGetAttachedDeviceReference gave
    end
    Sample()
    DriverObject.DriverUnload = function(DriverObject)
      ObDereferenceObject(Top) -- BUG: released already, in Sample
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "disk.sys"
  LoadDriver "diskmon.sys"
  Sleep "10ms"
  UnloadDriver "diskmon.sys"
  UnloadDriver "disk.sys"
end)
