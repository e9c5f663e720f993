-- mdl_unlock_not_locked: a bulk-transfer driver unlocks the transfer buffer
-- when the transfer completes, then unlocks it again at unload because it
-- never cleared its "transfer pending" state (0xC4/0x7C, P3 = the MDL's flags:
-- MDL_ALLOCATED_FIXED_SIZE alone, no MDL_PAGES_LOCKED).
-- Without the verifier the kernel's own check catches it as 0x76/0x1
-- (kmdl_unlock_not_locked).
scenario {
  verifier = "/standard /driver bulkx.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x7C, p3 = MDL_ALLOCATED_FIXED_SIZE, p4 = 0,
               driver = "bulkx.sys" },
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
  -- (forgets Xfer.Pending = false)
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
        -- BUG: the transfer completed and its pages were unlocked already;
        -- the stale Pending flag makes the unload unlock them a second time.
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
