-- Counted strings: UNICODE_STRING() and ANSI_STRING() declare storage in the
-- driver image (a C global), fields read by name; RtlInit*String point at
-- literals; the allocating conversions, compare, equal, append and free.
scenario { verifier = "/flags 0x8 /driver strs.sys", expect = "clean" }
driver "strs.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Name = UNICODE_STRING()
    RtlInitUnicodeString(Name, "\\Device\\Strs0")
    assert(Name.Length == 26 and Name.MaximumLength == 28, "Length " .. Name.Length)
    local Ansi = ANSI_STRING()
    assert(RtlUnicodeStringToAnsiString(Ansi, Name, true) == STATUS_SUCCESS)
    assert(Ansi.Buffer:read(0, Ansi.Length) == "\\Device\\Strs0")
    local Copy = UNICODE_STRING()
    assert(RtlAnsiStringToUnicodeString(Copy, Ansi, TRUE) == STATUS_SUCCESS)
    assert(RtlEqualUnicodeString(Copy, Name, false))
    local Upper = UNICODE_STRING()
    RtlInitUnicodeString(Upper, "\\DEVICE\\STRS0")
    assert(RtlEqualUnicodeString(Upper, Name, true) and not RtlEqualUnicodeString(Upper, Name, false))
    assert(RtlCompareUnicodeString(Upper, Name, false) < 0)
    -- a fixed buffer too small to append to
    local Small = UNICODE_STRING()
    Small.Buffer = ExAllocatePoolWithTag(PagedPool, 8, "Smal")
    Small.MaximumLength = 8
    assert(RtlAppendUnicodeToString(Small, "ab") == STATUS_SUCCESS)
    assert(RtlAppendUnicodeToString(Small, "cde") == 0xC0000023)
    assert(Small.Length == 4)
    RtlFreeAnsiString(Ansi)
    RtlFreeUnicodeString(Copy)
    assert(Copy.Buffer == nil and Copy.Length == 0)
    ExFreePool(Small.Buffer)
    DriverObject.DriverUnload = function() end
    return STATUS_SUCCESS
  end,
}
run(function()
  LoadDriver "strs.sys"
  local s = UNICODE_STRING()         -- harness storage
  RtlInitUnicodeString(s, "héllo €")
  assert(s.Length == 14, s.Length)
  UnloadDriver "strs.sys"
end)
