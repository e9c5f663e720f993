-- etw_unload_registered_clean: the same provider, unregistered in DriverUnload.
scenario {
  verifier = "/standard /driver etwprov.sys",
  expect = "clean",
}

driver "etwprov.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, handle = EtwRegister(GUID "{2D4F3F8E-6B1C-4A8E-9F3B-0C5D7E1A2B3C}", nil, nil)
    if status ~= STATUS_SUCCESS then return status end
    EtwHandle = handle
    DriverObject.DriverUnload = function(DriverObject)
      assert(EtwWrite(EtwHandle, nil, nil, 0, nil) == STATUS_SUCCESS)
      assert(EtwUnregister(EtwHandle) == STATUS_SUCCESS)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "etwprov.sys"
  UnloadDriver "etwprov.sys"
end)
