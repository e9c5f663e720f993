-- kmdl_unlock_not_locked (clean twin): the cancel path unlocks a transfer's
-- pages only when StartIo locked them. Runs without the verifier, like its twin.
scenario {
  expect = "clean",
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

-- Starts the transfer at the head of the queue: locks its pages for the DMA.
local function StartIo(Xfer)
  local Status = __try(function()
    MmProbeAndLockPages(Xfer.Mdl, KernelMode, IoReadAccess)
    return STATUS_SUCCESS
  end, function(Code)
    return Code
  end)
  Xfer.Locked = Status == STATUS_SUCCESS
  return Status
end

-- Cancels a transfer that is still queued or in progress.
local function CancelTransfer(Xfer)
  if Xfer.Locked then                   -- right: only what StartIo locked
    MmUnlockPages(Xfer.Mdl)
    Xfer.Locked = false
  end
  IoFreeMdl(Xfer.Mdl)
  ExFreePoolWithTag(Xfer.Buffer, "DmaQ")
end

driver "dmaq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Queue = {}
    local First = QueueTransfer(Queue)
    local Second = QueueTransfer(Queue)
    if First == nil or Second == nil then
      for i = 1, #Queue do
        CancelTransfer(Queue[i])
      end
      return STATUS_INSUFFICIENT_RESOURCES
    end
    StartIo(First)                      -- the second one stays queued
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
