-- kprocess_has_locked_pages (clean twin): unverified too; the DPC describes
-- the nonpaged buffer with MmBuildMdlForNonPagedPool and locks nothing, so
-- the application ends with no pages locked in its name.
scenario {
  cpus     = 1,
  expect   = "clean",
}

local Timer, Dpc, Buffer, Mdl

local function StartTransferDpc(Dpc, Context, Arg1, Arg2)
  MmBuildMdlForNonPagedPool(Mdl)
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
    local Start = KeQueryInterruptTime()
    while KeQueryInterruptTime() - Start < 10000 * 2 do end
  end)
  UnloadDriver "dmaxfer.sys"
end)
