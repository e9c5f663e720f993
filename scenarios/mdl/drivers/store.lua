-- store.sys: a direct I/O device (\Device\Store) that keeps the last bytes
-- written to it and gives them back on a read. Its dispatch routines map
-- the request's MDL (MmGetSystemAddressForMdlSafe) and complete at once.
local function Complete(Irp, Status, Information)
  Irp.IoStatus.Status = Status
  Irp.IoStatus.Information = Information
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return Status
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\Store",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      return status
    end
    StoreDevice, Stored = Device, ""
    Device.Flags = (Device.Flags | DO_DIRECT_IO) & ~DO_DEVICE_INITIALIZING
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length
      local Data = MmGetSystemAddressForMdlSafe(Irp.MdlAddress,
                                                NormalPagePriority | MdlMappingNoExecute)
      if Data == nil then
        return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0)
      end
      Stored = Data:read(0, Length)
      return Complete(Irp, STATUS_SUCCESS, Length)
    end
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Read.Length
      local Data = MmGetSystemAddressForMdlSafe(Irp.MdlAddress,
                                                NormalPagePriority | MdlMappingNoExecute)
      if Data == nil then
        return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0)
      end
      local n = math.min(Length, #Stored)
      Data:write(0, Stored:sub(1, n))
      return Complete(Irp, STATUS_SUCCESS, n)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}
