-- The WDK's computing macros and inlines, with the values C gives on the
-- scenario's architecture: ARGUMENT_PRESENT, ARRAYSIZE, the ALIGN_* and page
-- macros, RTL_FIELD_SIZE and RTL_SIZEOF_THROUGH_FIELD (a structure version
-- that ends with a field), RTL_CONSTANT_STRING, and ntintsafe.h's
-- overflow-checked arithmetic (status, result; ULONG_ERROR on overflow).
scenario { expect = "clean" }

driver "macros.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    assert(ARGUMENT_PRESENT(RegistryPath) and not ARGUMENT_PRESENT(nil))
    assert(ARRAYSIZE({ 1, 2, 3 }) == 3 and RTL_NUMBER_OF({}) == 0)
    assert(ALIGN_UP_BY(13, 8) == 16 and ALIGN_DOWN_BY(13, 8) == 8 and ALIGN_UP_BY(16, 8) == 16)
    assert(ALIGN_UP(9, LIST_ENTRY) == 16)                   -- sizeof(LIST_ENTRY) = 16 on x64
    assert(ROUND_TO_PAGES(1) == PAGE_SIZE and ROUND_TO_PAGES(PAGE_SIZE) == PAGE_SIZE)
    assert(BYTES_TO_PAGES(PAGE_SIZE + 1) == 2 and BYTES_TO_PAGES(0) == 0)
    local p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Macr")
    assert(PAGE_ALIGN(p + 0x10) == PAGE_ALIGN(p) and BYTE_OFFSET(PAGE_ALIGN(p)) == 0)
    assert(ADDRESS_AND_SIZE_TO_SPAN_PAGES(PAGE_ALIGN(p) + PAGE_SIZE - 1, 2) == 2)
    assert(ALIGN_UP_POINTER_BY(p + 1, 16) == p + 16)         -- pool blocks are 16-byte aligned
    assert(RTL_FIELD_SIZE(UNICODE_STRING, "Length") == 2)
    assert(RTL_SIZEOF_THROUGH_FIELD(UNICODE_STRING, "MaximumLength") == 4)
    assert(RTL_SIZEOF_THROUGH_FIELD(UNICODE_STRING, "Buffer") == 16)
    local Name = RTL_CONSTANT_STRING("\\Device\\Macros")
    assert(Name.Length == 2 * #"\\Device\\Macros" and Name.MaximumLength == Name.Length + 2)
    local status, sum = RtlULongAdd(0xFFFFFFF0, 0x0F)
    assert(status == STATUS_SUCCESS and sum == 0xFFFFFFFF)
    status, sum = RtlULongAdd(0xFFFFFFF0, 0x10)
    assert(status == STATUS_INTEGER_OVERFLOW and sum == 0xFFFFFFFF, "ULONG_ERROR")
    status, sum = RtlULongSub(1, 2)
    assert(status == STATUS_INTEGER_OVERFLOW)
    status, sum = RtlSizeTMult(0x100000000, 0x10)
    assert(status == STATUS_SUCCESS and sum == 0x1000000000, "SIZE_T is 64-bit on x64")
    ExFreePoolWithTag(p, "Macr")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "macros.sys"
  UnloadDriver "macros.sys"
end)
