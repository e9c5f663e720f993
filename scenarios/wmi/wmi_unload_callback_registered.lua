-- wmi_unload_callback_registered: wmicb.sys registers a WMI callback
-- (IoWMIRegistrationControl with WMIREG_FLAG_CALLBACK: the "device object"
-- is its WMIENTRY routine) and unloads without WMIREG_ACTION_DEREGISTER.
-- Miscellaneous checks: 0xC4/0xDA, P2 the driver's start address, P3 the
-- callback's address.
scenario {
  verifier = "/standard /driver wmicb.sys",
  expect = { bugcheck = 0xC4, p1 = 0xDA, driver = "wmicb.sys" },
}

driver "wmicb.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    WmiCallback = function(ActionCode, DataPath, BufferSize, Buffer, Context, Size)
      return STATUS_SUCCESS
    end
    local status = IoWMIRegistrationControl(WmiCallback,
                                            WMIREG_ACTION_REGISTER | WMIREG_FLAG_CALLBACK)
    if status ~= STATUS_SUCCESS then return status end
    DriverObject.DriverUnload = function(DriverObject)
      -- The bug: no IoWMIRegistrationControl(WmiCallback, DEREGISTER | CALLBACK).
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "wmicb.sys"
  UnloadDriver "wmicb.sys"
end)
