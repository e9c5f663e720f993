-- GuardedRegions, clean twin: volmap.sys's extent lookup enters one
-- guarded region, takes and releases the map's fast mutex inside it on
-- both paths, and leaves the region once, at the common exit.
scenario {
  verifier = "/standard /driver volmap.sys",
  expect = "clean",
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
