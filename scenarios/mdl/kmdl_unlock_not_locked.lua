-- kmdl_unlock_not_locked: without the verifier, the kernel itself rejects an
-- unlock of pages that were never locked: 0x76 PROCESS_HAS_LOCKED_PAGES, P1 = 1
-- (P3 = the locked page count, none; P4 = 0, no lock tracking stacks).
-- A DMA driver defers locking a queued transfer's buffer to StartIo; the
-- transfer is cancelled before it started, and the cancel path unlocks anyway.
-- With the driver verified, the verifier's 0xC4/0x7C (mdl_unlock_not_locked)
-- fires first, on the same call.
scenario {
  expect = { bugcheck = 0x76, p1 = 0x1, p3 = 0, p4 = 0, driver = "dmaq.sys" },
}

local TRANSFER_BYTES = 2 * 4096

-- Queues a transfer: the MDL is built now, the pages are locked by StartIo
-- when the device is ready for it.
local function QueueTransfer(Queue)
  local Xfer = { Locked = false }
  Xfer.Buffer = ExAllocatePoolWithTag(PagedPool, TRANSFER_BYTES, "DmaQ")
  if Xfer.Buffer == nil then
    return nil
  end
  Xfer.Mdl = IoAllocateMdl(Xfer.Buffer, TRANSFER_BYTES, false, false, nil)
  if Xfer.Mdl == nil then
    ExFreePoolWithTag(Xfer.Buffer, "DmaQ")
    return nil
  end
  Queue[#Queue + 1] = Xfer
  return Xfer
end

-- Cancels a transfer that is still queued or in progress.
local function CancelTransfer(Xfer)
  -- BUG: the transfer never reached StartIo, so its pages were never locked;
  -- unlock only when Xfer.Locked says so.
  MmUnlockPages(Xfer.Mdl)
  IoFreeMdl(Xfer.Mdl)
  ExFreePoolWithTag(Xfer.Buffer, "DmaQ")
end

driver "dmaq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Queue = {}
    if QueueTransfer(Queue) == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      for i = 1, #Queue do
        CancelTransfer(Queue[i])
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "dmaq.sys"
  Sleep "250ms"
  UnloadDriver "dmaq.sys"
end)
