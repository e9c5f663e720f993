-- A driver checks the Windows version before using a newer feature, with
-- RtlGetVersion: drvsim is Windows 11, version 23H2 (10.0.22631). The
-- structure's size field selects RTL_OSVERSIONINFOW or the EX form; any
-- other size is refused.
scenario { expect = "clean" }

driver "ver.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Info = ExAllocatePoolWithTag(NonPagedPoolNx, 284, "Ver ")
    Info:set_u32(0, 284)                            -- sizeof(RTL_OSVERSIONINFOEXW)
    assert(RtlGetVersion(Info) == STATUS_SUCCESS)
    assert(Info:u32(4) == 10 and Info:u32(8) == 0 and Info:u32(12) == 22631 and Info:u32(16) == 2)
    assert(Info[282] == 1, "VER_NT_WORKSTATION")
    Info:set_u32(0, 100)
    assert(RtlGetVersion(Info) == STATUS_INVALID_PARAMETER)
    ExFreePoolWithTag(Info, "Ver ")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ver.sys"
  UnloadDriver "ver.sys"
end)
