-- kspin_lock_already_owned_clean: the queue driver's TrimLocked documents
-- that its caller holds the lock, and takes no lock itself; the checked
-- build runs clean, on one processor as on two.
scenario { build = "checked", cpus = 1, expect = "clean" }

local Limit = 4

local function TrimLocked(Queue)              -- caller holds Queue.Lock
  table.remove(Queue.Items, 1)
end

local function Enqueue(Queue, Item)
  local OldIrql = KeAcquireSpinLock(Queue.Lock)
  if #Queue.Items == Limit then
    TrimLocked(Queue)
  end
  Queue.Items[#Queue.Items + 1] = Item
  KeReleaseSpinLock(Queue.Lock, OldIrql)
end

driver "queue.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Queue = { Lock = KSPIN_LOCK(), Items = {} }
    KeInitializeSpinLock(Queue.Lock)
    for Item = 1, Limit + 1 do
      Enqueue(Queue, Item)
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "queue.sys"
  UnloadDriver "queue.sys"
end)
