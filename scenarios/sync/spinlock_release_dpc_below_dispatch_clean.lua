-- spinlock_release_dpc_below_dispatch, clean twin: LogWrite releases the
-- lock while still at DISPATCH_LEVEL and lowers the IRQL afterwards, the
-- reverse of the order it raised and acquired in. The driver stops its
-- flusher thread before it unloads.
scenario {
  verifier = "/standard /driver trace.sys",
  expect   = "clean",
}

local RING_SIZE = 16

local function LogWrite(Record)
  local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
  KeAcquireSpinLockAtDpcLevel(RingLock)
  Ring[RingNext % RING_SIZE] = Record
  RingNext = RingNext + 1
  KeReleaseSpinLockFromDpcLevel(RingLock)
  KeLowerIrql(OldIrql)
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
  assert(RingNext >= 9, "a record every 100 ms: " .. RingNext)
end)
