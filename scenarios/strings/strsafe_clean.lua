-- ntstrsafe.h's bounded string routines as drivers use them: a device name
-- built with RtlStringCbPrintfW, a path copied and extended with the Cch
-- forms, a length taken with a bound, and a UNICODE_STRING filled by
-- RtlUnicodeStringPrintf. A result that does not fit is cut, still
-- terminated, and STATUS_BUFFER_OVERFLOW says so; a destination of size 0 or
-- an unterminated one to append to is STATUS_INVALID_PARAMETER.
scenario { verifier = "/standard /driver names.sys", expect = "clean" }

local STATUS_BUFFER_OVERFLOW = 0x80000005

driver "names.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Name = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Name")   -- 32 WCHARs
    assert(RtlStringCbPrintfW(Name, 64, "\\Device\\Port%u", 7) == STATUS_SUCCESS)
    local status, bytes = RtlStringCbLengthW(Name, 64)
    assert(status == STATUS_SUCCESS and bytes == 2 * #"\\Device\\Port7")

    local Path = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Path")   -- 16 chars
    assert(RtlStringCchCopyA(Path, 16, "C:\\logs") == STATUS_SUCCESS)
    assert(RtlStringCchCatA(Path, 16, "\\drv") == STATUS_SUCCESS)
    assert(Path:read(0, 12) == "C:\\logs\\drv\0")
    -- does not fit: cut to 15 characters and terminated
    assert(RtlStringCchCatA(Path, 16, "\\today.txt") == STATUS_BUFFER_OVERFLOW)
    assert(Path:read(0, 16) == "C:\\logs\\drv\\tod\0")
    assert(not NT_SUCCESS(STATUS_BUFFER_OVERFLOW))
    assert(RtlStringCchCopyNA(Path, 16, "abcdef", 3) == STATUS_SUCCESS and Path:read(0, 4) == "abc\0")
    assert(RtlStringCbCopyA(Path, 0, "x") == STATUS_INVALID_PARAMETER)
    RtlFillMemory(Path, 16, 0x41)                                     -- no terminator
    assert(RtlStringCchCatA(Path, 16, "x") == STATUS_INVALID_PARAMETER)
    assert(select(1, RtlStringCchLengthA(Path, 16)) == STATUS_INVALID_PARAMETER)

    local Us = UNICODE_STRING()
    local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 20, "UniS")
    Us.Length, Us.MaximumLength, Us.Buffer = 0, 20, Buffer
    assert(RtlUnicodeStringPrintf(Us, "id=%d", 42) == STATUS_SUCCESS and Us.Length == 10)
    assert(RtlUnicodeStringCatString(Us, "-abcdefgh") == STATUS_BUFFER_OVERFLOW and Us.Length == 20)
    assert(RtlUnicodeStringCopyString(Us, "xy") == STATUS_SUCCESS and Us.Length == 4)

    ExFreePoolWithTag(Name, "Name"); ExFreePoolWithTag(Path, "Path"); ExFreePoolWithTag(Buffer, "UniS")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "names.sys"
  UnloadDriver "names.sys"
end)
