-- etw_unregister_invalid_clean: the provider unregistered once.
scenario {
  verifier = "/standard /driver etwtwice.sys",
  expect = "clean",
}

driver "etwtwice.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, handle = EtwRegister(GUID "{2D4F3F8E-6B1C-4A8E-9F3B-0C5D7E1A2B3D}", nil, nil)
    if status ~= STATUS_SUCCESS then return status end
    EtwHandle = handle
    DriverObject.DriverUnload = function(DriverObject)
      EtwUnregister(EtwHandle)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "etwtwice.sys"
  UnloadDriver "etwtwice.sys"
end)
