-- wait_above_dispatch: a sensor driver's sampling thread snapshots the
-- sensor registers at HIGH_LEVEL so that nothing can interrupt the copy, and
-- inside that section polls the conversion-complete event with a zero-timeout
-- KeWaitForSingleObject. A zero timeout makes a wait legal at DISPATCH_LEVEL,
-- never above it: 0xC4/0x120 (P2 the IRQL, HIGH_LEVEL; P4 the timeout, 0).
-- (drvsim gives the IRQL and the timeout's value where Windows gives their
-- addresses: README, "Parameters that differ from Windows".)
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  verifier = "/standard /driver hwmon.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x120, p2 = HIGH_LEVEL, p4 = 0, driver = "hwmon.sys" },
}

driver "hwmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ConversionDone, Stop = KEVENT(), KEVENT()
    ConversionTimer, ConversionDpc = KTIMER(), KDPC()
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

    -- The hardware: a conversion completes every 10 ms.
    KeInitializeTimer(ConversionTimer)
    KeInitializeDpc(ConversionDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      Registers:set_u32(0, Registers:u32(0) + 1)                   -- sequence
      Registers:set_u32(4, 2500 + math.random(-40, 40))           -- temperature, centi-degrees
      KeSetEvent(ConversionDone, 0, false)
    end, nil)
    KeSetTimerEx(ConversionTimer, -10000 * 10, 10, ConversionDpc)

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      -- Every 5 ms until Stop: take a consistent snapshot of the registers.
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 5) == STATUS_TIMEOUT do
        local OldIrql = KeRaiseIrql(HIGH_LEVEL)      -- nothing may interrupt the copy
        -- BUG: a wait above DISPATCH_LEVEL, even a zero-timeout poll.
        if KeWaitForSingleObject(ConversionDone, Executive, KernelMode, false, 0) == STATUS_SUCCESS then
          RtlCopyMemory(Snapshot, Registers, 16)
          KeClearEvent(ConversionDone)
        end
        KeLowerIrql(OldIrql)
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
end)
