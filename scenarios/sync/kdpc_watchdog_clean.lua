-- kdpc_watchdog, clean twin: Transfer takes the two account locks in one
-- fixed order, the account with the lower number first, whatever the
-- direction of the transfer, so no two threads can each hold the lock the
-- other one wants. The driver stops both workers before it unloads.
scenario {
  expect = "clean",
}

local function Transfer(From, To, Amount)
  local First, Second = From, To
  if Second.Number < First.Number then
    First, Second = Second, First
  end
  local OldIrql = KeAcquireSpinLock(First.Lock)
  KeAcquireSpinLockAtDpcLevel(Second.Lock)
  From.Balance = From.Balance - Amount
  To.Balance = To.Balance + Amount
  KeReleaseSpinLockFromDpcLevel(Second.Lock)
  KeReleaseSpinLock(First.Lock, OldIrql)
end

local function StartWorker(From, To)
  local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
    -- A batch of 100 transfers every 10 ms, until unload.
    repeat
      for Transfers = 1, 100 do
        Transfer(From, To, 1)
      end
    until KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 10) ~= STATUS_TIMEOUT
  end, nil)
  local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
  ZwClose(handle)
  return object
end

driver "ledger.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    AccountA = { Number = 1, Lock = KSPIN_LOCK(), Balance = 1000 }
    AccountB = { Number = 2, Lock = KSPIN_LOCK(), Balance = 1000 }
    KeInitializeSpinLock(AccountA.Lock)
    KeInitializeSpinLock(AccountB.Lock)
    Workers = { StartWorker(AccountA, AccountB), StartWorker(AccountB, AccountA) }
    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      for _, Worker in ipairs(Workers) do
        KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
        ObDereferenceObject(Worker)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ledger.sys"
  Sleep "1s"
  UnloadDriver "ledger.sys"
  assert(AccountA.Balance + AccountB.Balance == 2000, "no credit lost or made")
end)
