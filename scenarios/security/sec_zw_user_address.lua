-- sec_zw_user_address: cfgstore.sys saves an application's settings blob
-- in the registry. The application passes the blob's address in a buffered
-- IOCTL and the driver hands that user-mode address straight to
-- ZwSetValueKey: a Zw routine called from kernel mode does not probe, so
-- the application chooses what the kernel reads. Security checks (in
-- /standard) give 0xC4/0xE3, P3 the user address.
scenario {
  verifier = "/standard /driver cfgstore.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgstore\\Parameters"] = {
      Version = 1,
    },
  },
  expect   = { bugcheck = 0xC4, p1 = 0xE3, p4 = 0, driver = "cfgstore.sys" },
}

local TAG = "CfgS"
local IOCTL_CFG_SAVE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x910, METHOD_BUFFERED, FILE_ANY_ACCESS)

-- IOCTL_CFG_SAVE: the application's settings blob, passed by address and
-- length (struct { PVOID Buffer; ULONG Length; }), stored as the
-- Settings value.
local function Save(In)
  local Buffer, Length = In:ptr(0), In:u32(8)
  -- BUG: the application's address goes to a Zw routine, which trusts it
  -- (PreviousMode is KernelMode): copy it into kernel memory first.
  return ZwSetValueKey(Key, "Settings", 0, REG_BINARY, Buffer, Length)
end

driver "cfgstore.sys" {
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

run(function()
  LoadDriver "cfgstore.sys"
  RunInProcess(CreateProcess "settings.exe", function()
    local Device = CreateFile "\\Device\\CfgStore"
    local Blob = VirtualAlloc(4096)
    Blob:write(0, "volume=7;theme=dark")
    local status = DeviceIoControl(Device, IOCTL_CFG_SAVE,
                                   string.pack("<I8I4I4", ULONG_PTR(Blob), 19, 0), 0)
    assert(status == STATUS_SUCCESS)
    CloseHandle(Device)
  end)
  local Settings = RegistryGet("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgstore\\Parameters", "Settings")
  assert(Settings ~= nil)
  UnloadDriver "cfgstore.sys"
end)
