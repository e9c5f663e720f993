-- atomics_use_after_free: reqtrack.sys counts the references to each
-- request context with InterlockedIncrement / InterlockedDecrement and
-- frees the context when the count reaches zero, as storage samples do.
-- BUG: the completion path drops its reference twice. The second
-- InterlockedDecrement runs on the freed context: the locked instruction
-- is the driver's own access, and with the special pool of /standard the
-- context's page is gone once it is freed, so the machine stops there:
-- DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xD5), P2 1 (a write). The
-- clean twin, atomics_use_after_free_clean, drops it once.
scenario {
  verifier = "/standard /driver reqtrack.sys",
  expect   = { bugcheck = 0xD5, p2 = 1, driver = "reqtrack.sys" },
}

local CONTEXT_SIZE = 0x40                -- LONG RefCount; ...

driver "reqtrack.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function Reference(Context)
      InterlockedIncrement(Context)
    end
    local function Dereference(Context)
      if InterlockedDecrement(Context) == 0 then
        ExFreePoolWithTag(Context, "ReqT")
      end
    end
    local Context = ExAllocatePoolWithTag(NonPagedPoolNx, CONTEXT_SIZE, "ReqT")
    InterlockedExchange(Context, 1)      -- the creator's reference
    Reference(Context)                   -- the completion path's
    Dereference(Context)                 -- the creator is done
    Dereference(Context)                 -- the completion path is done: freed
    Dereference(Context)                 -- BUG: dropped twice
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "reqtrack.sys"
  UnloadDriver "reqtrack.sys"
end)
