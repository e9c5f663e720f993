-- export.sys: writes a short report to the file an application names in
-- IOCTL_EXPORT (struct { PCWSTR Path; ULONG Length; }, Length in bytes).
-- ExportBug: the OBJECT_ATTRIBUTES names the application's own buffer
-- instead of a kernel copy.
local TAG = "Expt"
local IOCTL_EXPORT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x930, METHOD_BUFFERED, FILE_ANY_ACCESS)
local REPORT = "3 transfers, 0 errors\r\n"

local function WriteReport(Name)
  local oa = OBJECT_ATTRIBUTES()
  InitializeObjectAttributes(oa, Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
  local iosb = IO_STATUS_BLOCK()
  local status, File = ZwCreateFile(GENERIC_WRITE | SYNCHRONIZE, oa, iosb, nil,
                                    FILE_ATTRIBUTE_NORMAL, 0, FILE_OVERWRITE_IF,
                                    FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE,
                                    nil, 0)
  if not NT_SUCCESS(status) then
    return status
  end
  local Data = ExAllocatePoolWithTag(PagedPool, #REPORT, TAG)
  if Data == nil then
    ZwClose(File)
    return STATUS_INSUFFICIENT_RESOURCES
  end
  Data:write(0, REPORT)
  status = ZwWriteFile(File, nil, nil, nil, iosb, Data, #REPORT, nil, nil)
  ExFreePoolWithTag(Data, TAG)
  ZwClose(File)
  return status
end

local function Export(In)
  local Path, Length = In:ptr(0), In:u32(8)
  if Length == 0 or Length > 512 or Length % 2 ~= 0 then
    return STATUS_INVALID_PARAMETER
  end
  local Name = UNICODE_STRING()
  if ExportBug then
    -- BUG: the name stays in the application's memory; a Zw routine
    -- called from kernel mode does not probe it.
    Name.Buffer, Name.Length, Name.MaximumLength = Path, Length, Length
    return WriteReport(Name)
  end
  local Copy = ExAllocatePoolWithTag(PagedPool, Length, TAG)
  if Copy == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  local status = __try(function()                              -- right
    ProbeForRead(Path, Length, 2)
    RtlCopyMemory(Copy, Path, Length)
    return STATUS_SUCCESS
  end, function(Code) return Code end)
  if status == STATUS_SUCCESS then
    Name.Buffer, Name.Length, Name.MaximumLength = Copy, Length, Length
    status = WriteReport(Name)
  end
  ExFreePoolWithTag(Copy, TAG)
  return status
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\Export",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      return status
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local status = STATUS_INVALID_DEVICE_REQUEST
      if Stack.Parameters.DeviceIoControl.IoControlCode == IOCTL_EXPORT and
         Stack.Parameters.DeviceIoControl.InputBufferLength >= 16 then
        status = Export(Irp.AssociatedIrp.SystemBuffer)
      end
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}
