-- ubuf.sys: an application passes the address and length of its own
-- buffer in a buffered IOCTL (a struct { PVOID Buffer; ULONG Length; }),
-- the pattern of drivers that take user pointers: the driver probes the
-- range and reads it inside __try, so a bad address is an error status,
-- not a crash; IOCTL_UBUF_FILL writes the buffer (ProbeForWrite);
-- IOCTL_UBUF_LOCK locks it with MmProbeAndLockPages(UserMode). With the
-- scenario's global UBufBug true, IOCTL_UBUF_SUM reads the buffer without
-- __try (the bug of user_buffer_no_try.lua).
local IOCTL_UBUF_SUM = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)
local IOCTL_UBUF_FILL = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
local IOCTL_UBUF_LOCK = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS)

local function Sum(Buffer, Length)
  local total = 0
  for i = 0, Length - 1 do total = total + Buffer[i] end
  return total
end

local function Control(DeviceObject, Irp)
  local Stack = IoGetCurrentIrpStackLocation(Irp)
  local code = Stack.Parameters.DeviceIoControl.IoControlCode
  local In = Irp.AssociatedIrp.SystemBuffer
  local Buffer, Length = In:ptr(0), In:u32(8)
  local status, information = STATUS_SUCCESS, 0
  if code == IOCTL_UBUF_SUM and UBufBug then
    In:set_u32(0, Sum(Buffer, Length)) -- BUG: no probe, no __try
    information = 4
  elseif code == IOCTL_UBUF_SUM then
    status = __try(function()
      ProbeForRead(Buffer, Length, 4)
      In:set_u32(0, Sum(Buffer, Length))
      information = 4
      return STATUS_SUCCESS
    end, function(Code) return Code end)
  elseif code == IOCTL_UBUF_FILL then
    status = __try(function()
      ProbeForWrite(Buffer, Length, 1)
      RtlFillMemory(Buffer, Length, 0x5A)
      return STATUS_SUCCESS
    end, function(Code) return Code end)
  elseif code == IOCTL_UBUF_LOCK then
    local Mdl = IoAllocateMdl(Buffer, Length, false, false, nil)
    status = __try(function()
      MmProbeAndLockPages(Mdl, UserMode, IoReadAccess)
      return STATUS_SUCCESS
    end, function(Code) return Code end)
    if NT_SUCCESS(status) then MmUnlockPages(Mdl) end
    IoFreeMdl(Mdl)
  else
    status = STATUS_INVALID_DEVICE_REQUEST
  end
  Irp.IoStatus.Status = status
  Irp.IoStatus.Information = information
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return status
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\UBuf", FILE_DEVICE_UNKNOWN,
                                          0, false)
    if not NT_SUCCESS(status) then return status end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = Control
    DriverObject.DriverUnload = function(DriverObject) IoDeleteDevice(Device) end
    return STATUS_SUCCESS
  end,
}
