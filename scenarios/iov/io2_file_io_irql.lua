-- io2_file_io_irql: cfglock.sys reads its configuration file while it holds the spin lock that
-- guards the settings it parses into: ZwReadFile at DISPATCH_LEVEL, where the file system's paged
-- code and the wait for the read cannot run. I/O verification: 0xC9, P1 = 0x24A, a WDM DRIVER
-- ERROR (P2 the calling routine, P4 the IRQL). The clean twin reads first, then takes the lock.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver cfglock.sys",
  files = {
    ["\\??\\C:\\Windows\\System32\\drivers\\cfglock.ini"] = "depth=8\n",
  },
  expect = { bugcheck = 0xC9, p1 = 0x24A, p4 = DISPATCH_LEVEL, driver = "cfglock.sys" },
}

ReadUnderLock = true

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
