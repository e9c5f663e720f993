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
    Table = { [4] = "System" }
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      KeAcquireGuardedMutex(TableLock)
      local Entry = Table[0x104]                 -- a process the table does not have
      if Entry == nil then
        KeReleaseGuardedMutex(TableLock)
        return                              -- the fix: release first
      end
      Table[0x104] = nil
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
