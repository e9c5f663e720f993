-- kspin_lock_already_owned: a checked build of a queue driver. Enqueue
-- takes the queue lock and, when the queue is full, calls Trim, which takes
-- the same lock again. A free build's processor spins for ever on a lock
-- it holds itself (see recursive_spinlock_free_build.lua); the checked
-- kernel looks at the owner first and stops at once:
-- SPIN_LOCK_ALREADY_OWNED (0x0F; no documented parameters, P1 = the lock).
scenario {
  build = "checked",
  expect = { bugcheck = 0x0F, driver = "queue.sys" },
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
