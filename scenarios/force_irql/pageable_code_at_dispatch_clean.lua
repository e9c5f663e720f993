-- pageable_code_at_dispatch (clean twin): the routine stays pageable for its
-- PASSIVE_LEVEL work, and the part that holds the spin lock moves to
-- nonpaged code (a routine not marked PAGE), so no pageable instruction
-- runs at DISPATCH_LEVEL even with every trim of force IRQL checking.
scenario {
  verifier = "/flags 0x2 /driver stats.sys",
  expect   = "clean",
}

local Lock, Count, Name

-- Nonpaged: runs with the lock held.
local function CountLocked()
  local OldIrql = KeAcquireSpinLock(Lock)
  Count = Count + 1
  KeReleaseSpinLock(Lock, OldIrql)
end

local UpdateStats = PAGE(function()
  RtlInitUnicodeString(Name, "stats")   -- PASSIVE_LEVEL work, pageable
  CountLocked()
  RtlInitUnicodeString(Name, "stats")   -- back at PASSIVE_LEVEL: paged in again
end)

driver "stats.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    Name = UNICODE_STRING()
    Count = 0
    for i = 1, 5 do
      UpdateStats()
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "stats.sys"
  UnloadDriver "stats.sys"
  assert(Query().Trims == 5, "a trim at each of the 5 acquires")
end)
