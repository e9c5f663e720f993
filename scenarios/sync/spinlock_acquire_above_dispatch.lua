-- spinlock_acquire_above_dispatch: a device driver reprograms its rate
-- generator from a worker thread. The three register writes must not be
-- interrupted, so the thread raises to HIGH_LEVEL first, and only then
-- calls WriteRegister, which takes the register lock (shared with the
-- status-polling DPC) with KeAcquireSpinLock. KeAcquireSpinLock sets the
-- IRQL to DISPATCH_LEVEL: called above it, it would lower the IRQL in the
-- middle of the sequence and hand back a wrong old IRQL. The verifier stops
-- it (0xC4/0x42, P2 = the IRQL, HIGH_LEVEL; P4 = 0).
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlKeDispatchLte (0x20011) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver ratectl.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x42, p2 = HIGH_LEVEL, p4 = 0, driver = "ratectl.sys" },
}

local function WriteRegister(Offset, Value)
  local OldIrql = KeAcquireSpinLock(RegisterLock)
  Registers[Offset] = Value
  KeReleaseSpinLock(RegisterLock, OldIrql)
end

driver "ratectl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RegisterLock, PollTimer, PollDpc, Stop = KSPIN_LOCK(), KTIMER(), KDPC(), KEVENT()
    Registers = { [0] = 0, [4] = 0, [8] = 0, [12] = 0 }
    KeInitializeSpinLock(RegisterLock)
    KeInitializeEvent(Stop, NotificationEvent, false)
    KeInitializeTimer(PollTimer)
    KeInitializeDpc(PollDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeAcquireSpinLockAtDpcLevel(RegisterLock)
      LastStatus = Registers[12]
      KeReleaseSpinLockFromDpcLevel(RegisterLock)
    end, nil)
    KeSetTimerEx(PollTimer, -10000 * 50, 50, PollDpc)       -- every 50 ms
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      local Rate = 1000
      repeat
        local OldIrql = KeRaiseIrql(HIGH_LEVEL)
        WriteRegister(0, 0)           -- BUG: KeAcquireSpinLock at HIGH_LEVEL
        WriteRegister(4, Rate)
        WriteRegister(0, 1)
        KeLowerIrql(OldIrql)
        Rate = Rate + 1000
      until KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 200) ~= STATUS_TIMEOUT
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Worker = object
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(PollTimer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ratectl.sys"
  Sleep "1s"
  UnloadDriver "ratectl.sys"
end)
