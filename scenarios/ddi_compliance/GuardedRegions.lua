-- GuardedRegions: volmap.sys keeps a volume's extent map under a fast
-- mutex, taken with ExAcquireFastMutexUnsafe inside a guarded region so no
-- APC can suspend the thread while it owns the map. BUG: the lookup's
-- "not mapped" path releases the mutex and leaves the guarded region, then
-- falls through to the common exit, which leaves it again. Windows' own
-- checks do not look at a guarded region's count until the thread ends;
-- DDI compliance checking stops the second KeLeaveGuardedRegion, which has
-- no KeEnterGuardedRegion to match: 0xC4/0x4000E, GuardedRegions.
scenario {
  verifier = "/flags 0x20000 /driver volmap.sys",
  expect = { bugcheck = 0xC4, p1 = 0x4000E, driver = "volmap.sys" },
}

driver "volmap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    MapLock, Extents = FAST_MUTEX(), { [0] = 2048, [1] = 8192 }
    ExInitializeFastMutex(MapLock)

    -- The disk offset of a volume cluster, or nil when it is not mapped.
    local function LookupExtent(Cluster)
      local Offset = nil
      KeEnterGuardedRegion()
      ExAcquireFastMutexUnsafe(MapLock)
      if Extents[Cluster] == nil then
        ExReleaseFastMutexUnsafe(MapLock)
        KeLeaveGuardedRegion()                -- BUG: the exit below leaves it too
      else
        Offset = Extents[Cluster]
        ExReleaseFastMutexUnsafe(MapLock)
      end
      KeLeaveGuardedRegion()
      return Offset
    end

    assert(LookupExtent(1) == 8192)
    assert(LookupExtent(7) == nil)            -- a hole in the volume
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volmap.sys"
  UnloadDriver "volmap.sys"
end)
