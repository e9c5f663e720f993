-- mdl_unlock_nonpaged (clean twin): an MDL built by MmBuildMdlForNonPagedPool
-- is freed as it is, without MmUnlockPages.
scenario {
  verifier = "/standard /driver rxring.sys",
  expect   = "clean",
}

local RING_BYTES = 4 * 4096

local function FreeRing(Ring)
  IoFreeMdl(Ring.Mdl)                   -- right: nothing was locked
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
