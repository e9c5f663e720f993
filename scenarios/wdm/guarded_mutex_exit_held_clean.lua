-- guarded_mutex_exit_held_clean: the clean twin of guarded_mutex_exit_held.
-- The worker's error path releases the guarded mutex before it returns, so
-- the thread ends outside any guarded region and the run is clean.
scenario {
  verifier = "/standard /driver obcb.sys",
}

driver "obcb.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = KGUARDED_MUTEX()
    KeInitializeGuardedMutex(TableLock)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      KeAcquireGuardedMutex(TableLock)
      local Entry = ExAllocatePoolWithTag(PagedPool, 0x20000000000, "ObCb")
      if Entry == nil then
        KeReleaseGuardedMutex(TableLock)
        return                              -- the fix: release first
      end
      ExFreePoolWithTag(Entry, "ObCb")
      KeReleaseGuardedMutex(TableLock)
    end, nil)
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "obcb.sys"
  Sleep "10ms"
  UnloadDriver "obcb.sys"
end)
