-- wmi_unload_callback_registered_clean: the callback deregistered at unload.
scenario {
  verifier = "/standard /driver wmicb.sys",
  expect = "clean",
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
      assert(IoWMIRegistrationControl(WmiCallback, WMIREG_ACTION_DEREGISTER | WMIREG_FLAG_CALLBACK)
             == STATUS_SUCCESS)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "wmicb.sys"
  UnloadDriver "wmicb.sys"
end)
