-- atomics_use_after_free_clean: the clean twin of atomics_use_after_free.
-- Each path drops the reference it took, once: the last InterlockedDecrement
-- frees the context and nothing touches it afterwards.
scenario {
  verifier = "/standard /driver reqtrack.sys",
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
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "reqtrack.sys"
  UnloadDriver "reqtrack.sys"
end)
