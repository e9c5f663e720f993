-- kresource_not_owned: a driver's worker threads look values up in its
-- configuration table under the shared lock. BUG: when a key is missing, the
-- lookup releases the lock on its error path and then again at the common
-- exit, so the second ExReleaseResourceLite finds the thread among no
-- owners. The kernel itself stops it, verifier or not: RESOURCE_NOT_OWNED
-- (0xE3), P1 the resource, P2 the thread, P3 the owner table (not laid out
-- in memory by drvsim: 0), P4 2 (no shared owner entry for the thread).
scenario {
  expect = { bugcheck = 0xE3, p3 = 0, p4 = 2, driver = "cfgtab.sys" },
}

driver "cfgtab.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ConfigLock = ERESOURCE()
    Config = { MaxTransfer = 65536, Timeout = 30 }
    ExInitializeResourceLite(ConfigLock)

    local function Lookup(Key)
      KeEnterCriticalRegion()
      ExAcquireResourceSharedLite(ConfigLock, true)
      local Value = Config[Key]
      if Value == nil then
        ExReleaseResourceLite(ConfigLock)     -- the error path releases...
      end
      ExReleaseResourceLite(ConfigLock)       -- BUG: ...and so does the exit
      KeLeaveCriticalRegion()
      return Value
    end

    Lookup("MaxTransfer")
    Lookup("QueueDepth")                      -- not in the table
    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(ConfigLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgtab.sys"
  UnloadDriver "cfgtab.sys"
end)
