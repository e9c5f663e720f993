-- kprocess_has_locked_pages: the DMA driver of locked_pages_at_process_exit,
-- not verified. Its timer DPC locks the transfer buffer in the context of
-- the application it interrupted, and the application ends before the
-- driver unlocks. Without locked-page tracking the kernel cannot say who
-- locked the pages, only that the process ends with some: 0x76
-- PROCESS_HAS_LOCKED_PAGES, P1 0, P2 the process, P3 the page count (1).
scenario {
  cpus     = 1,
  expect   = { bugcheck = 0x76, p1 = 0, p3 = 1 },
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
