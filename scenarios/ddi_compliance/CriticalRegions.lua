-- CriticalRegions: cfgstore.sys keeps its settings under an ERESOURCE and,
-- as the ERESOURCE routines require, takes it inside a critical region.
-- BUG: IOCTL_CFG_SET checks its input only after entering the region, and
-- the error path releases the resource and returns without calling
-- KeLeaveCriticalRegion: the caller's thread goes back with normal kernel
-- APCs still disabled. DDI compliance checking (additional) stops the
-- dispatch routine as it returns: 0xC4/0x40003, CriticalRegions.
scenario {
  verifier = "/flags 0x80000 /driver cfgstore.sys",
  expect = { bugcheck = 0xC4, p1 = 0x40003, driver = "cfgstore.sys" },
}

local IOCTL_CFG_SET = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x810, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "cfgstore.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\CfgStore",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    CfgDevice, CfgLock, CfgTimeout = device, ERESOURCE(), 30
    ExInitializeResourceLite(CfgLock)
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
      if Stack.Parameters.DeviceIoControl.IoControlCode ~= IOCTL_CFG_SET then
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
      end
      KeEnterCriticalRegion()
      ExAcquireResourceExclusiveLite(CfgLock, true)
      if Stack.Parameters.DeviceIoControl.InputBufferLength < 4 then
        ExReleaseResourceLite(CfgLock)
        return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0)   -- BUG: still in the critical region
      end
      CfgTimeout = Irp.AssociatedIrp.SystemBuffer:u32(0)
      ExReleaseResourceLite(CfgLock)
      KeLeaveCriticalRegion()
      return Complete(Irp, STATUS_SUCCESS, 0)
    end

    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(CfgLock)
      IoDeleteDevice(CfgDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgstore.sys"
  local Handle = assert(CreateFile "\\Device\\CfgStore")
  assert(DeviceIoControl(Handle, IOCTL_CFG_SET, "\x3C\0\0\0", 0) == STATUS_SUCCESS)
  DeviceIoControl(Handle, IOCTL_CFG_SET, "\x3C", 0)          -- a short buffer
  CloseHandle(Handle)
  UnloadDriver "cfgstore.sys"
end)
