-- guarded_mutex_clean: obcb.sys protects its table of protected process ids
-- with a guarded mutex, as the obcallback sample does (KeInitializeGuardedMutex
-- in DriverEntry; KeAcquireGuardedMutex / KeReleaseGuardedMutex around every
-- lookup and update). Two threads update the table on the two processors;
-- the owner runs inside a guarded region (all APCs disabled) at
-- PASSIVE_LEVEL, the other waits for the release. A periodic scan uses
-- KeTryToAcquireGuardedMutex and skips a round when the table is busy; a
-- helper called with the mutex already held (inside its guarded region)
-- uses the Unsafe pair.
scenario {
  verifier = "/standard /driver obcb.sys",
  cpus     = 2,
}

local UPDATES = 50

driver "obcb.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = KGUARDED_MUTEX()
    KeInitializeGuardedMutex(TableLock)
    Table, Inside, Skipped = {}, 0, 0
    Done = { KEVENT(), KEVENT() }

    local function Update(Id)
      KeAcquireGuardedMutex(TableLock)
      assert(KeGetCurrentIrql() == PASSIVE_LEVEL and KeAreAllApcsDisabled())
      Inside = Inside + 1
      assert(Inside == 1, "one owner at a time")
      Table[Id] = (Table[Id] or 0) + 1
      KeDelayExecutionThread(KernelMode, false, -math.random(1, 50))   -- owned across a wait
      Inside = Inside - 1
      KeReleaseGuardedMutex(TableLock)
      assert(not KeAreAllApcsDisabled())
    end

    for i = 1, 2 do
      KeInitializeEvent(Done[i], NotificationEvent, false)
      local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
        for n = 1, UPDATES do
          Update(i * 100 + n % 5)
          if n % 10 == 0 then
            if KeTryToAcquireGuardedMutex(TableLock) then
              -- Already inside the region: the Unsafe pair nests nothing.
              KeReleaseGuardedMutexUnsafe(TableLock)
              KeAcquireGuardedMutexUnsafe(TableLock)
              KeReleaseGuardedMutex(TableLock)
            else
              Skipped = Skipped + 1
            end
          end
        end
        KeSetEvent(Done[i], 0, false)
        PsTerminateSystemThread(STATUS_SUCCESS)
      end, nil)
      assert(status == STATUS_SUCCESS)
      ZwClose(handle)
    end

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForMultipleObjects(2, Done, WaitAll, Executive, KernelMode, false, nil, nil)
      local Total = 0
      for Id, Count in pairs(Table) do Total = Total + Count end
      assert(Total == 2 * UPDATES, "every update made: " .. Total)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "obcb.sys"
  UnloadDriver "obcb.sys"
end)
