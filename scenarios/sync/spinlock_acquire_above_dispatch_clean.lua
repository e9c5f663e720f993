-- spinlock_acquire_above_dispatch, clean twin: the worker takes the
-- register lock first (KeAcquireSpinLock, at PASSIVE_LEVEL), then raises to
-- HIGH_LEVEL for the three writes, lowers back to DISPATCH_LEVEL and
-- releases the lock, restoring the IRQL it started at. The driver cancels
-- its timer, flushes the DPC and stops the worker before it unloads.
scenario {
  verifier = "/standard /driver ratectl.sys",
  expect   = "clean",
}

-- Called with RegisterLock held.
local function WriteRegisterLocked(Offset, Value)
  Registers[Offset] = Value
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
        local OldIrql = KeAcquireSpinLock(RegisterLock)
        KeRaiseIrql(HIGH_LEVEL)
        WriteRegisterLocked(0, 0)
        WriteRegisterLocked(4, Rate)
        WriteRegisterLocked(0, 1)
        KeLowerIrql(DISPATCH_LEVEL)
        KeReleaseSpinLock(RegisterLock, OldIrql)
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
  assert(Registers[4] >= 5000, "the rate was reprogrammed every 200 ms: " .. Registers[4])
end)
