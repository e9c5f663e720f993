-- etw_unregister_invalid: etwtwice.sys unregisters its ETW provider twice
-- (DriverUnload after an error path already did). The second EtwUnregister
-- has a RegHandle that is no registration: 0xC4/0xDC (miscellaneous checks,
-- in /standard).
scenario {
  verifier = "/standard /driver etwtwice.sys",
  expect = { bugcheck = 0xC4, p1 = 0xDC, driver = "etwtwice.sys" },
}

driver "etwtwice.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, handle = EtwRegister(GUID "{2D4F3F8E-6B1C-4A8E-9F3B-0C5D7E1A2B3D}", nil, nil)
    if status ~= STATUS_SUCCESS then return status end
    EtwHandle = handle
    DriverObject.DriverUnload = function(DriverObject)
      EtwUnregister(EtwHandle)
      EtwUnregister(EtwHandle) -- the bug: once more
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "etwtwice.sys"
  UnloadDriver "etwtwice.sys"
end)
