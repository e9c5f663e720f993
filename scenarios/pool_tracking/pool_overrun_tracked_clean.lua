-- pool_overrun_tracked, clean twin: the buffer has room for the terminator.
scenario {
  verifier = "/flags 0x8 /driver namecpy.sys",
  expect   = "clean",
}

local DeviceName = "\\Device\\NameCopy0001"

driver "namecpy.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Name = ExAllocatePoolWithTag(NonPagedPoolNx, #DeviceName + 1, "NmCp")
    if Name == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Name:write(0, DeviceName)
    Name[#DeviceName] = 0
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
