-- mdl_unlock_nonpaged: a network driver describes its nonpaged receive ring
-- with MmBuildMdlForNonPagedPool, then tears it down with the code written for
-- probed buffers, unlocking pages that were never locked and never may be
-- (0xC4/0x7D, P3 = the MDL's flags: MDL_SOURCE_IS_NONPAGED_POOL set).
scenario {
  verifier = "/standard /driver rxring.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x7D,
               p3 = MDL_ALLOCATED_FIXED_SIZE | MDL_SOURCE_IS_NONPAGED_POOL, p4 = 0,
               driver = "rxring.sys" },
}

local RING_BYTES = 4 * 4096

local function FreeRing(Ring)
  -- BUG: the MDL was built by MmBuildMdlForNonPagedPool, not by
  -- MmProbeAndLockPages; it must be freed without MmUnlockPages.
  MmUnlockPages(Ring.Mdl)
  IoFreeMdl(Ring.Mdl)
  ExFreePoolWithTag(Ring.Buffer, "RxRg")
end

driver "rxring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = {}
    Ring.Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, RING_BYTES, "RxRg")
    if Ring.Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Ring.Mdl = IoAllocateMdl(Ring.Buffer, RING_BYTES, false, false, nil)
    if Ring.Mdl == nil then
      ExFreePoolWithTag(Ring.Buffer, "RxRg")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MmBuildMdlForNonPagedPool(Ring.Mdl)
    local Va = MmGetSystemAddressForMdlSafe(Ring.Mdl, NormalPagePriority)
    RtlZeroMemory(Va, RING_BYTES)
    DriverObject.DriverUnload = function(DriverObject)
      FreeRing(Ring)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "rxring.sys"
  Sleep "500ms"
  UnloadDriver "rxring.sys"
end)
