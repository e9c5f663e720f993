-- A driver converts its registry path to ANSI with AllocateDestinationString
-- and never calls RtlFreeAnsiString: pool tracking follows the buffers the
-- Rtl string routines allocate, so the unload report lists it (tag "RtlA")
-- with the line of the conversion (0xC4/0x62).
scenario {
  verifier = "/flags 0x8 /driver regpath.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x62, p4 = 1, driver = "regpath.sys" },
}

driver "regpath.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Path = UNICODE_STRING()
    RtlInitUnicodeString(Path, RegistryPath)
    ServiceKey = ANSI_STRING()
    local status = RtlUnicodeStringToAnsiString(ServiceKey, Path, TRUE)
    if status ~= STATUS_SUCCESS then
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      -- BUG: RtlFreeAnsiString(ServiceKey) is missing
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "regpath.sys"
  Sleep "10ms"
  UnloadDriver "regpath.sys"
end)
