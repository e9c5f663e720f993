-- pool_overrun_tracked: a driver copies a 20-character name into a buffer
-- sized for 20 bytes and appends the terminating NUL one byte past the end.
-- Pool tracking checks the block's slack at free (0xC4/0x51: P2 the block,
-- P3 the first damaged byte, P4 the bytes asked for).
scenario {
  verifier = "/flags 0x8 /driver namecpy.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x51, p4 = 20, driver = "namecpy.sys" },
}

local DeviceName = "\\Device\\NameCopy0001" -- 20 characters

driver "namecpy.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Name = ExAllocatePoolWithTag(NonPagedPoolNx, #DeviceName, "NmCp")
    if Name == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Name:write(0, DeviceName)
    Name[#DeviceName] = 0 -- BUG: the terminator has no room (#DeviceName + 1 was meant)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Name, "NmCp")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "namecpy.sys"
  Sleep "10ms"
  UnloadDriver "namecpy.sys"
end)
