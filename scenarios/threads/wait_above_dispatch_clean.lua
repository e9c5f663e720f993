-- wait_above_dispatch, clean twin: the sampling thread reads the event's
-- state with KeReadStateEvent before it raises to HIGH_LEVEL for the copy
-- (IRQL <= DISPATCH_LEVEL, its page says), and clears the event after
-- lowering the IRQL again; unload stops the timer,
-- the DPC and the thread, and frees both buffers.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  verifier = "/standard /driver hwmon.sys",
  expect   = "clean",
}

driver "hwmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ConversionDone, Stop = KEVENT(), KEVENT()
    ConversionTimer, ConversionDpc = KTIMER(), KDPC()
    RegistersLock = KSPIN_LOCK()   -- orders the DPC's register writes and the thread's copy
    KeInitializeSpinLock(RegistersLock)
    KeInitializeEvent(ConversionDone, NotificationEvent, false)
    KeInitializeEvent(Stop, NotificationEvent, false)
    Registers = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "HwmR")   -- the device's register block
    Snapshot = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "HwmS")
    if Registers == nil or Snapshot == nil then
      if Registers ~= nil then ExFreePoolWithTag(Registers, "HwmR") end
      if Snapshot ~= nil then ExFreePoolWithTag(Snapshot, "HwmS") end
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Registers, 16)
    RtlZeroMemory(Snapshot, 16)
    Snapshots = 0

    -- The hardware: a conversion completes every 10 ms.
    KeInitializeTimer(ConversionTimer)
    KeInitializeDpc(ConversionDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeAcquireSpinLockAtDpcLevel(RegistersLock)
      Registers:set_u32(0, Registers:u32(0) + 1)                   -- sequence
      Registers:set_u32(4, 2500 + math.random(-40, 40))           -- temperature, centi-degrees
      KeReleaseSpinLockFromDpcLevel(RegistersLock)
      KeSetEvent(ConversionDone, 0, false)
    end, nil)
    KeSetTimerEx(ConversionTimer, -10000 * 10, 10, ConversionDpc)

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      -- Every 5 ms until Stop: take a consistent snapshot of the registers.
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 5) == STATUS_TIMEOUT do
        -- KeReadStateEvent reads, never waits, but only at IRQL <= DISPATCH_LEVEL
        -- (its page; DDI compliance's IrqlKeDispatchLte): before the raise.
        local Ready = KeReadStateEvent(ConversionDone) ~= 0
        local LockIrql = KeAcquireSpinLock(RegistersLock)  -- the DPC on another processor
        local OldIrql = KeRaiseIrql(HIGH_LEVEL)      -- nothing may interrupt the copy
        if Ready then
          RtlCopyMemory(Snapshot, Registers, 16)
        end
        KeLowerIrql(OldIrql)
        KeReleaseSpinLock(RegistersLock, LockIrql)
        if Ready then
          KeClearEvent(ConversionDone)
          Snapshots = Snapshots + 1
        end
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      KeCancelTimer(ConversionTimer)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Registers, "HwmR")
      ExFreePoolWithTag(Snapshot, "HwmS")
      return status
    end
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Sampler = object

    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(ConversionTimer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Sampler, Executive, KernelMode, false, nil)
      ObDereferenceObject(Sampler)
      ExFreePoolWithTag(Registers, "HwmR")
      ExFreePoolWithTag(Snapshot, "HwmS")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "hwmon.sys"
  Sleep "100ms"
  UnloadDriver "hwmon.sys"
  assert(Snapshots >= 5, "the sampler saw the conversions")
end)
