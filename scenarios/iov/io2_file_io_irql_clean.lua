-- io2_file_io_irql_clean: io2_file_io_irql.lua with the file read at PASSIVE_LEVEL first and
-- the spin lock held only while the settings are copied. Clean under /standard.
scenario {
  verifier = "/standard /driver cfglock.sys",
  files = {
    ["\\??\\C:\\Windows\\System32\\drivers\\cfglock.ini"] = "depth=8\n",
  },
  expect = "clean",
}

ReadUnderLock = false

driver "cfglock.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, "\\SystemRoot\\System32\\drivers\\cfglock.ini",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local iosb = IO_STATUS_BLOCK()
    local status, ini = ZwOpenFile(GENERIC_READ | SYNCHRONIZE, oa, iosb, FILE_SHARE_READ,
                                   FILE_SYNCHRONOUS_IO_NONALERT)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "CfgL")
    local Settings = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "CfgL")
    if not ReadUnderLock then
      status = ZwReadFile(ini, nil, nil, nil, iosb, Buffer, 16, nil, nil)
    end
    local old = KeAcquireSpinLock(Lock)
    if ReadUnderLock then
      status = ZwReadFile(ini, nil, nil, nil, iosb, Buffer, 16, nil, nil)   -- BUG: DISPATCH_LEVEL
    end
    if status == STATUS_SUCCESS then
      Settings:write(0, Buffer:read(0, 8))
    end
    KeReleaseSpinLock(Lock, old)
    assert(status == STATUS_SUCCESS and Settings:read(0, 8) == "depth=8\n")
    ZwClose(ini)
    ExFreePoolWithTag(Buffer, "CfgL")
    ExFreePoolWithTag(Settings, "CfgL")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfglock.sys"
  UnloadDriver "cfglock.sys"
end)
