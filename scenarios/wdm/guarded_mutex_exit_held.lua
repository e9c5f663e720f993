-- guarded_mutex_exit_held: obcb.sys's worker thread returns on an error
-- path (a process missing from its table) without releasing the table's guarded mutex. The thread ends inside
-- the guarded region KeAcquireGuardedMutex entered (SpecialApcDisable -1),
-- and Windows stops with KERNEL_APC_PENDING_DURING_EXIT (0x20): P2 the
-- thread's CombinedApcDisable, 0xFFFF0000 (SpecialApcDisable in the high
-- word), P4 1. The clean twin is guarded_mutex_exit_held_clean.
scenario {
  verifier = "/standard /driver obcb.sys",
  expect   = { bugcheck = 0x20, p2 = 0xFFFF0000, p4 = 1, driver = "obcb.sys" },
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
        return                              -- BUG: the mutex is still held
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
