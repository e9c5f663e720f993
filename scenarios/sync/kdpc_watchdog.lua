-- kdpc_watchdog: a ledger driver moves credit between two accounts, each
-- with its own spin lock. Transfer locks the source account first, then the
-- destination. Two worker threads run batches of transfers in opposite
-- directions at the same time, so soon one holds account A's lock and waits
-- for B's while the other holds B's and waits for A's: an ABBA deadlock.
-- Both processors spin at DISPATCH_LEVEL for good, and after the DPC
-- watchdog period (120 s) the kernel stops with DPC_WATCHDOG_VIOLATION
-- (0x133, P1 = 1: cumulative time at DISPATCH_LEVEL, P2 = the period in
-- clock ticks, 0x1E00). No verifier here: its deadlock detection
-- (/flags 0x20, not simulated yet) would report the inverted lock order
-- (0xC4/0x1001) the first time the second order was used, before any
-- deadlock.
scenario {
  expect = { bugcheck = 0x133, p1 = 1, p2 = 0x1E00, driver = "ledger.sys" },
}

local function Transfer(From, To, Amount)
  local OldIrql = KeAcquireSpinLock(From.Lock)
  KeAcquireSpinLockAtDpcLevel(To.Lock)    -- BUG: the order depends on the direction
  From.Balance = From.Balance - Amount
  To.Balance = To.Balance + Amount
  KeReleaseSpinLockFromDpcLevel(To.Lock)
  KeReleaseSpinLock(From.Lock, OldIrql)
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
    AccountA = { Lock = KSPIN_LOCK(), Balance = 1000 }
    AccountB = { Lock = KSPIN_LOCK(), Balance = 1000 }
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
end)
