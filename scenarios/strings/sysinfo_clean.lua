-- sysinfo_clean: what a driver asks about the system it runs on, as
-- storage and network drivers do at DriverEntry: PsGetVersion (10.0.22631,
-- FALSE on a free build), KeGetCurrentNodeNumber (one node),
-- KeGetRecommendedSharedDataAlignment (64-byte cache lines),
-- MmQuerySystemSize (MmLargeSystem), IoIsSystemThread and
-- IoThreadToProcess for its own thread, MmGetMdlPfnArray (the array after
-- the MDL's header), RtlAnsiStringToUnicodeSize, and
-- RtlExtendedMagicDivide (the quotient by a magic reciprocal, as
-- KeQueryTimeIncrement users divide by 10000). Clean, under /standard.
scenario {
  verifier = "/standard /driver sysinfo.sys",
  expect = "clean",
}

driver "sysinfo.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Major, Minor, Build = LONG(), LONG(), LONG()
    local Csd = UNICODE_STRING()
    assert(PsGetVersion(Major, Minor, Build, Csd) == false)
    assert(Major:u32(0) == 10 and Minor:u32(0) == 0 and Build:u32(0) == 22631 and Csd.Length == 0)
    assert(PsGetVersion(nil, nil, nil, nil) == false)
    assert(KeGetCurrentNodeNumber() == 0)
    assert(KeGetRecommendedSharedDataAlignment() == 64)
    assert(MmQuerySystemSize() == 2) -- MmLargeSystem
    local Thread = KeGetCurrentThread()
    assert(IoIsSystemThread(Thread))
    assert(IoThreadToProcess(Thread) == PsGetCurrentProcess())
    local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 8192, "SysI")
    local Mdl = IoAllocateMdl(Buffer, 8192, false, false, nil)
    assert(MmGetMdlPfnArray(Mdl) == Mdl + 0x30)
    IoFreeMdl(Mdl)
    ExFreePoolWithTag(Buffer, "SysI")
    local Ansi = ANSI_STRING()
    RtlInitAnsiString(Ansi, "abc")
    assert(RtlAnsiStringToUnicodeSize(Ansi) == 8)
    -- 10000's magic divisor (0xD1B71758E219652C, shift 13), as the WDK's
    -- Convert100nsToMilliseconds examples use it.
    local Magic = 0xD1B71758E219652C
    assert(RtlExtendedMagicDivide(123456789, Magic, 13) == 12345)
    assert(RtlExtendedMagicDivide(-123456789, Magic, 13) == -12345)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "sysinfo.sys" == STATUS_SUCCESS)
  UnloadDriver "sysinfo.sys"
end)
