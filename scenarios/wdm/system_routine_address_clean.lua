-- A driver that loads on several Windows versions looks newer routines up
-- by name with MmGetSystemRoutineAddress and calls them only when found, as
-- the WDK's ExAllocatePoolZero down-level support and many samples do. An
-- export drvsim simulates is found and callable; a WDK macro or inline
-- (ExAllocatePoolZero, InitializeListHead) is not an export, and neither is
-- a routine drvsim does not simulate: the driver takes its fallback path.
scenario { verifier = "/standard /driver compat.sys", expect = "clean" }

driver "compat.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Allocate2 = MmGetSystemRoutineAddress("ExAllocatePool2")
    assert(Allocate2 ~= nil, "ExAllocatePool2 is exported")
    local Block
    if Allocate2 ~= nil then
      Block = Allocate2(POOL_FLAG_NON_PAGED, 64, "Cmpt")
    else
      Block = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Cmpt")
    end
    assert(Block ~= nil and Block[0] == 0, "ExAllocatePool2 zeroes")
    assert(MmGetSystemRoutineAddress("ExAllocatePoolZero") == nil, "an inline of wdm.h")
    assert(MmGetSystemRoutineAddress("InitializeListHead") == nil, "a macro")
    assert(MmGetSystemRoutineAddress("exallocatepool2") == nil, "names are exact")
    assert(MmGetSystemRoutineAddress("KeNotARoutine") == nil)
    local Name = UNICODE_STRING()
    RtlInitUnicodeString(Name, "KeQueryInterruptTime")
    local Query = MmGetSystemRoutineAddress(Name)
    assert(Query ~= nil and Query() >= 0)
    ExFreePoolWithTag(Block, "Cmpt")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "compat.sys"
  UnloadDriver "compat.sys"
end)
