-- locked_pages_at_process_exit: a DMA driver starts each transfer from its
-- timer DPC, locking the transfer buffer there with MmProbeAndLockPages. A
-- DPC runs in whatever process the processor was in: here an application
-- that is busy computing, so the lock is charged to app.exe. The driver
-- unlocks only when the transfer is reaped at unload; app.exe ends first,
-- with the pages still locked in its name. Pool tracking (0x8) turns on
-- locked-page tracking, which names the driver and the MDL: 0xCB
-- DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS, P3 the MDL, P4 its page count (1).
scenario {
  verifier = "/flags 0x8 /driver dmaxfer.sys",
  cpus     = 1,
  expect   = { bugcheck = 0xCB, p2 = 0, p4 = 1, driver = "dmaxfer.sys" },
}

local Timer, Dpc, Buffer, Mdl, Locked

local function StartTransferDpc(Dpc, Context, Arg1, Arg2)
  -- BUG: locking in a DPC: the lock belongs to whichever process this DPC
  -- interrupted. Nonpaged memory needs MmBuildMdlForNonPagedPool, no lock.
  MmProbeAndLockPages(Mdl, KernelMode, IoWriteAccess)
  Locked = true
end

driver "dmaxfer.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 512, "DmaX")
    if Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Mdl = IoAllocateMdl(Buffer, 512, false, false, nil)
    if Mdl == nil then
      ExFreePoolWithTag(Buffer, "DmaX")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Timer, Dpc = KTIMER(), KDPC()
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, StartTransferDpc, nil)
    KeSetTimer(Timer, -10000 * 1, Dpc)               -- the device is ready in 1 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      if Locked then
        MmUnlockPages(Mdl)
      end
      IoFreeMdl(Mdl)
      ExFreePoolWithTag(Buffer, "DmaX")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "dmaxfer.sys"
  local app = CreateProcess "app.exe"
  RunInProcess(app, function()
    -- The application computes for 2 ms; the processor is in its context
    -- when the timer's DPC runs.
    local Start = KeQueryInterruptTime()
    while KeQueryInterruptTime() - Start < 10000 * 2 do end
  end)                                               -- app.exe ends here
  UnloadDriver "dmaxfer.sys"
end)
