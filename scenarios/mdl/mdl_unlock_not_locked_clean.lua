-- mdl_unlock_not_locked (clean twin): completing the transfer clears its
-- pending state with the unlock, so the unload unlocks only what is locked.
scenario {
  verifier = "/standard /driver bulkx.sys",
  expect   = "clean",
}

local TRANSFER_BYTES = 4096

local function StartTransfer(Xfer)
  Xfer.Mdl = IoAllocateMdl(Xfer.Buffer, TRANSFER_BYTES, false, false, nil)
  if Xfer.Mdl == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  local Status = __try(function()
    MmProbeAndLockPages(Xfer.Mdl, KernelMode, IoWriteAccess)
    return STATUS_SUCCESS
  end, function(Code)
    return Code
  end)
  if Status ~= STATUS_SUCCESS then
    IoFreeMdl(Xfer.Mdl)
    Xfer.Mdl = nil
    return Status
  end
  Xfer.Pending = true
  return STATUS_SUCCESS
end

-- The device finished the transfer: the data is in, release the pages.
local function CompleteTransfer(Xfer)
  MmUnlockPages(Xfer.Mdl)
  Xfer.Pending = false                  -- right: the pages are no longer locked
end

driver "bulkx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Xfer = { Pending = false }
    Xfer.Buffer = ExAllocatePoolWithTag(PagedPool, TRANSFER_BYTES, "BlkX")
    if Xfer.Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = StartTransfer(Xfer)
    if Status ~= STATUS_SUCCESS then
      ExFreePoolWithTag(Xfer.Buffer, "BlkX")
      return Status
    end
    CompleteTransfer(Xfer)
    DriverObject.DriverUnload = function(DriverObject)
      if Xfer.Pending then
        MmUnlockPages(Xfer.Mdl)
      end
      IoFreeMdl(Xfer.Mdl)
      ExFreePoolWithTag(Xfer.Buffer, "BlkX")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bulkx.sys"
  Sleep "250ms"
  UnloadDriver "bulkx.sys"
end)
