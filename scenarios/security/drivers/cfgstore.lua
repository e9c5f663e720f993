-- cfgstore.sys: keeps an application's settings in the registry. DriverEntry
-- writes its layout version under a name built at run time; IOCTL_CFG_SAVE
-- stores the application's settings blob, passed by address and length, as
-- the Settings value. Two bugs, each switched on by a global the scenario
-- sets before `driver`: SaveBug hands the application's address straight to
-- ZwSetValueKey, NameBug sets the value name's Length in characters.
local TAG = "CfgS"
local IOCTL_CFG_SAVE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x910, METHOD_BUFFERED, FILE_ANY_ACCESS)

-- IOCTL_CFG_SAVE: the application's settings blob, passed by address and
-- length (struct { PVOID Buffer; ULONG Length; }), stored as the
-- Settings value.
local function Save(In)
  local Buffer, Length = In:ptr(0), In:u32(8)
  if SaveBug then
    -- BUG: the application's address goes to a Zw routine, which trusts it
    -- (PreviousMode is KernelMode): copy it into kernel memory first.
    return ZwSetValueKey(Key, "Settings", 0, REG_BINARY, Buffer, Length)
  end
  if Length == 0 or Length > 4096 then
    return STATUS_INVALID_PARAMETER
  end
  local Copy = ExAllocatePoolWithTag(PagedPool, Length, TAG)
  if Copy == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  local status = __try(function()                              -- right
    ProbeForRead(Buffer, Length, 1)
    RtlCopyMemory(Copy, Buffer, Length)
    return STATUS_SUCCESS
  end, function(Code) return Code end)
  if status == STATUS_SUCCESS then
    status = ZwSetValueKey(Key, "Settings", 0, REG_BINARY, Copy, Length)
  end
  ExFreePoolWithTag(Copy, TAG)
  return status
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, RegistryPath .. "\\Parameters",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local status
    status, Key = ZwOpenKey(KEY_ALL_ACCESS, oa)
    if status ~= STATUS_SUCCESS then
      return status
    end
    -- The layout version, under a name built at run time.
    local Name = UNICODE_STRING()
    RtlInitUnicodeString(Name, "Version")
    if NameBug then
      -- BUG: Length counts bytes, not characters: 7 characters are 14 bytes.
      Name.Length = 7
    end
    local Data = ExAllocatePoolWithTag(PagedPool, 4, TAG)
    if Data == nil then
      ZwClose(Key)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Data:set_u32(0, 2)
    status = ZwSetValueKey(Key, Name, 0, REG_DWORD, Data, 4)
    ExFreePoolWithTag(Data, TAG)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\CfgStore",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      ZwClose(Key)
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
      if Stack.Parameters.DeviceIoControl.IoControlCode == IOCTL_CFG_SAVE and
         Stack.Parameters.DeviceIoControl.InputBufferLength >= 16 then
        status = Save(Irp.AssociatedIrp.SystemBuffer)
      end
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      ZwClose(Key)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}
