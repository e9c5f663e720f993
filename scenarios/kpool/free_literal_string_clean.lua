-- free_literal_string, clean twin: only a string an allocating routine filled
-- is given to RtlFreeUnicodeString.
scenario {
  expect = "clean",
}

driver "lbl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Literal = ANSI_STRING()
    RtlInitAnsiString(Literal, "Volume Label")
    Label = UNICODE_STRING()
    local status = RtlAnsiStringToUnicodeString(Label, Literal, TRUE)
    if status ~= STATUS_SUCCESS then
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      RtlFreeUnicodeString(Label)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "lbl.sys"
  UnloadDriver "lbl.sys"
end)
