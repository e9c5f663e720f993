-- RtlFreeUnicodeString frees the string's buffer to the pool. A driver that
-- calls it on a string RtlInitUnicodeString pointed at a literal frees an
-- address no pool allocation returned: the kernel's BAD_POOL_CALLER 0x46.
scenario {
  expect = { bugcheck = 0xC2, p1 = 0x46, driver = "lbl.sys" },
}

driver "lbl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Label = UNICODE_STRING()
    RtlInitUnicodeString(Label, "Volume Label")
    DriverObject.DriverUnload = function(DriverObject)
      RtlFreeUnicodeString(Label) -- BUG: Label points at a literal, not pool
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "lbl.sys"
  UnloadDriver "lbl.sys"
end)
