-- spinlock_release_dpc_below_dispatch: a trace driver appends records to a
-- ring buffer from its flusher thread. LogWrite raises to DISPATCH_LEVEL and
-- takes the ring's lock with KeAcquireSpinLockAtDpcLevel, but undoes the two
-- steps in the wrong order: it lowers the IRQL first and releases the lock
-- afterwards, so for a moment the lock is held at PASSIVE_LEVEL, where the
-- thread can be preempted or interrupted by a DPC that spins on the lock.
-- The verifier stops the release (0xC4/0x41, P2 = the IRQL, P4 = 0).
scenario {
  verifier = "/standard /driver trace.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x41, p2 = PASSIVE_LEVEL, p4 = 0, driver = "trace.sys" },
}

local RING_SIZE = 16

local function LogWrite(Record)
  local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
  KeAcquireSpinLockAtDpcLevel(RingLock)
  Ring[RingNext % RING_SIZE] = Record
  RingNext = RingNext + 1
  KeLowerIrql(OldIrql)
  KeReleaseSpinLockFromDpcLevel(RingLock)   -- BUG: after KeLowerIrql
end

driver "trace.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RingLock, Stop = KSPIN_LOCK(), KEVENT()
    Ring, RingNext = {}, 0
    KeInitializeSpinLock(RingLock)
    KeInitializeEvent(Stop, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      local Sequence = 0
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 100) == STATUS_TIMEOUT do
        Sequence = Sequence + 1
        LogWrite("flush " .. Sequence)
      end
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Flusher = object
    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Flusher, Executive, KernelMode, false, nil)
      ObDereferenceObject(Flusher)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "trace.sys"
  Sleep "1s"
  UnloadDriver "trace.sys"
end)
