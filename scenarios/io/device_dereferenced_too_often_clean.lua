-- device_dereferenced_too_often, clean twin: the same monitoring driver
-- releases the reference IoGetAttachedDeviceReference gave it once, in
-- Sample, and only forgets the pointer at unload. disk.sys deletes its
-- device with the creation reference intact: clean.
scenario {
  expect = "clean",
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
      Top = nil -- the reference went back in Sample
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
