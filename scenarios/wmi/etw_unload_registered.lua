-- etw_unload_registered: etwprov.sys registers an ETW provider in
-- DriverEntry and its DriverUnload forgets EtwUnregister. Miscellaneous
-- checks (in /standard) catch it as the image goes: 0xC4/0xDD, P2 the
-- address of the EtwRegister call, P3 the driver's start address, P4 the
-- RegHandle.
scenario {
  verifier = "/standard /driver etwprov.sys",
  expect = { bugcheck = 0xC4, p1 = 0xDD, driver = "etwprov.sys" },
}

driver "etwprov.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, handle = EtwRegister(GUID "{2D4F3F8E-6B1C-4A8E-9F3B-0C5D7E1A2B3C}", nil, nil)
    if status ~= STATUS_SUCCESS then return status end
    EtwHandle = handle
    DriverObject.DriverUnload = function(DriverObject)
      -- The bug: no EtwUnregister(EtwHandle).
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "etwprov.sys"
  UnloadDriver "etwprov.sys"
end)
