-- recursive_spinlock_free_build: the queue driver of
-- kspin_lock_already_owned.lua in a free build. Enqueue holds the queue
-- lock when it calls Trim, which acquires it again. A free kernel does not
-- look at the owner: the processor spins at DISPATCH_LEVEL on a lock only
-- it could release, for ever. After the DPC watchdog period (120 s) the
-- kernel stops with DPC_WATCHDOG_VIOLATION (0x133, P1 = 1, P2 = 0x1E00).
scenario {
  build = "free",
  expect = { bugcheck = 0x133, p1 = 1, p2 = 0x1E00, driver = "queue.sys" },
}

local Limit = 4

local function Trim(Queue)
  local OldIrql = KeAcquireSpinLock(Queue.Lock)   -- BUG: the caller holds it
  table.remove(Queue.Items, 1)
  KeReleaseSpinLock(Queue.Lock, OldIrql)
end

local function Enqueue(Queue, Item)
  local OldIrql = KeAcquireSpinLock(Queue.Lock)
  if #Queue.Items == Limit then
    Trim(Queue)
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
