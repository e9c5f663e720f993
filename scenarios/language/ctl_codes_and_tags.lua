-- ctl_codes_and_tags: devioctl.h's I/O control code macros as the WDK
-- defines them, and pool tags: the tag Windows displays ("Leak"), C's
-- multi-character constant as written in C source (TAG_FROM_C "kaeL") and
-- the integer are one tag, so memory allocated with one is freed with
-- another and the tags of verifier's checks and reports agree.
scenario { verifier = "/standard /driver tags.sys", expect = "clean" }

-- #define IOCTL_SIOCTL_METHOD_BUFFERED \
--     CTL_CODE(SIOCTL_TYPE, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS)
local SIOCTL_TYPE = 40000
local IOCTL_SIOCTL_METHOD_BUFFERED = CTL_CODE(SIOCTL_TYPE, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "tags.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    assert(IOCTL_SIOCTL_METHOD_BUFFERED == 0x9C402408)
    assert(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_OUT_DIRECT,
                    FILE_READ_ACCESS | FILE_WRITE_ACCESS) == 0x22E002)
    assert(DEVICE_TYPE_FROM_CTL_CODE(IOCTL_SIOCTL_METHOD_BUFFERED) == SIOCTL_TYPE)
    assert(METHOD_FROM_CTL_CODE(0x22E002) == METHOD_OUT_DIRECT)
    assert(IoGetFunctionCodeFromCtlCode(IOCTL_SIOCTL_METHOD_BUFFERED) == 0x902)
    assert(METHOD_DIRECT_TO_HARDWARE == METHOD_IN_DIRECT and FILE_SPECIAL_ACCESS == FILE_ANY_ACCESS)

    -- #define TAG 'kaeL': the tag !pool shows as "Leak".
    assert(TAG_FROM_C "kaeL" == 0x6B61654C and TAG_FROM_C "Ab" == 0x4162)
    local a = ExAllocatePoolWithTag(NonPagedPoolNx, 32, TAG_FROM_C "kaeL")
    local b = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Leak")
    local c = ExAllocatePoolWithTag(NonPagedPoolNx, 32, 0x6B61654C)
    ExFreePoolWithTag(a, "Leak")
    ExFreePoolWithTag(b, 0x6B61654C)
    ExFreePoolWithTag(c, TAG_FROM_C "kaeL")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "tags.sys"
  UnloadDriver "tags.sys"
end)
