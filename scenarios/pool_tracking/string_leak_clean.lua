-- string_leak, clean twin: DriverUnload frees the converted string.
scenario {
  verifier = "/flags 0x8 /driver regpath.sys",
  expect   = "clean",
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
    assert(ServiceKey.Buffer:read(0, ServiceKey.Length):find("regpath$"))
    DriverObject.DriverUnload = function(DriverObject)
      RtlFreeAnsiString(ServiceKey)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "regpath.sys"
  Sleep "10ms"
  UnloadDriver "regpath.sys"
end)
