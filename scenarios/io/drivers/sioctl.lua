-- sioctl.sys: the METHOD_NEITHER case of Microsoft's IOCTL sample
-- (general/ioctl/wdm/sys/sioctl.c, IOCTL_SIOCTL_METHOD_NEITHER),
-- transliterated. The I/O manager hands the driver the application's own
-- addresses: the input at Parameters.DeviceIoControl.Type3InputBuffer and
-- the output at Irp->UserBuffer. The sample probes both inside try/except
-- (ProbeForRead, ProbeForWrite), reads the input and writes its answer
-- ("This String is from Device Driver !!!"), and returns the exception's
-- code as the request's status. With the scenario's global SioctlBug true
-- it skips the probes and the try (the bug of sioctl_neither_no_try.lua).
local IOCTL_SIOCTL_METHOD_NEITHER =
  CTL_CODE(40000, 0x902, METHOD_NEITHER, FILE_ANY_ACCESS)
local DATA = "This String is from Device Driver !!!\0"

local function Neither(Irp, Stack)
  local inBufLength = Stack.Parameters.DeviceIoControl.InputBufferLength
  local outBufLength = Stack.Parameters.DeviceIoControl.OutputBufferLength
  local inBuf = Stack.Parameters.DeviceIoControl.Type3InputBuffer
  local outBuf = Irp.UserBuffer
  if inBufLength == 0 or outBufLength == 0 then
    return STATUS_INVALID_PARAMETER, 0
  end
  local datalen = #DATA
  local count = outBufLength < datalen and outBufLength or datalen
  if SioctlBug then
    -- BUG: user addresses used without a probe or a try.
    Received = inBuf:read(0, inBufLength)
    outBuf:write(0, DATA:sub(1, count))
    return STATUS_SUCCESS, count
  end
  local ntStatus = __try(function()
    -- The input buffer is the application's: check it is user memory.
    ProbeForRead(inBuf, inBufLength, 1)
    Received = inBuf:read(0, inBufLength)
    ProbeForWrite(outBuf, outBufLength, 1)
    outBuf:write(0, DATA:sub(1, count))
    return STATUS_SUCCESS
  end, function(Code)
    return Code -- GetExceptionCode()
  end)
  return ntStatus, NT_SUCCESS(ntStatus) and count or 0
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\SIOCTL", 40000, 0, false)
    if not NT_SUCCESS(status) then return status end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      PAGED_CODE()
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local ntStatus, information = STATUS_INVALID_DEVICE_REQUEST, 0
      if Stack.Parameters.DeviceIoControl.IoControlCode == IOCTL_SIOCTL_METHOD_NEITHER then
        -- The request reaches the driver in the application's context:
        -- its addresses are valid here only.
        assert(Irp.RequestorMode == UserMode)
        ntStatus, information = Neither(Irp, Stack)
      end
      Irp.IoStatus.Status = ntStatus
      Irp.IoStatus.Information = information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return ntStatus
    end
    DriverObject.DriverUnload = function(DriverObject) IoDeleteDevice(Device) end
    return STATUS_SUCCESS
  end,
}
