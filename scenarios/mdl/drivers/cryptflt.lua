-- cryptflt.sys: a filter over store.sys that keeps the stored bytes
-- scrambled (each byte XOR 0x5A): it scrambles what is written and
-- unscrambles what is read.
--   CryptWriteBug: scrambles the write request's own buffer in place, the
--     originator's data (the right way: a buffer and an MDL of its own for
--     the scrambled copy, swapped in, and the original put back at
--     completion).
--   CryptReadBug: poisons the read request's buffer (0xCC) before passing it
--     down, to see short reads (the device fills it: the buffer is not the
--     filter's to touch on the way down; unscrambling in the completion
--     routine is allowed).
local TAG = "Cryp"

local function Scramble(Va, Length)
  local Bytes = Va:read(0, Length)
  Va:write(0, (Bytes:gsub(".", function(c) return string.char(string.byte(c) ~ 0x5A) end)))
end

local function Map(Mdl)
  return MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority | MdlMappingNoExecute)
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      return status
    end
    local Lower = IoAttachDeviceToDeviceStack(Filter, StoreDevice)
    Filter.Flags = (Filter.Flags | DO_DIRECT_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(Lower, Irp)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length
      local Data = Map(Irp.MdlAddress)
      if Data == nil then
        Irp.IoStatus.Status = STATUS_INSUFFICIENT_RESOURCES
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return STATUS_INSUFFICIENT_RESOURCES
      end
      if CryptWriteBug then
        -- BUG: the originator's data, changed on its way down.
        Scramble(Data, Length)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(Lower, Irp)
      end
      local Shadow = ExAllocatePoolWithTag(NonPagedPoolNx, Length, TAG)     -- right
      local ShadowMdl = Shadow and IoAllocateMdl(Shadow, Length, false, false, nil)
      if ShadowMdl == nil then
        if Shadow then ExFreePoolWithTag(Shadow, TAG) end
        Irp.IoStatus.Status = STATUS_INSUFFICIENT_RESOURCES
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return STATUS_INSUFFICIENT_RESOURCES
      end
      MmBuildMdlForNonPagedPool(ShadowMdl)
      RtlCopyMemory(Shadow, Data, Length)
      Scramble(Shadow, Length)
      local Original = Irp.MdlAddress
      Irp.MdlAddress = ShadowMdl
      IoCopyCurrentIrpStackLocationToNext(Irp)
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        if Irp.PendingReturned ~= 0 then
          IoMarkIrpPending(Irp)
        end
        Irp.MdlAddress = Original
        IoFreeMdl(ShadowMdl)
        ExFreePoolWithTag(Shadow, TAG)
        return STATUS_SUCCESS
      end, nil, true, true, true)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Read.Length
      if CryptReadBug then
        -- BUG: the buffer is the device's to fill, not the filter's.
        local Data = Map(Irp.MdlAddress)
        if Data ~= nil then
          RtlFillMemory(Data, Length, 0xCC)
        end
      end
      IoCopyCurrentIrpStackLocationToNext(Irp)
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        if Irp.PendingReturned ~= 0 then
          IoMarkIrpPending(Irp)
        end
        local Data = Map(Irp.MdlAddress)
        if NT_SUCCESS(Irp.IoStatus.Status) and Data ~= nil then
          Scramble(Data, Irp.IoStatus.Information)                      -- right
        end
        return STATUS_SUCCESS
      end, nil, true, true, true)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(Lower)
      IoDeleteDevice(Filter)
    end
    return STATUS_SUCCESS
  end,
}
