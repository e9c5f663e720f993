-- nt_assert_failed_arbitrary_clean: the polling driver passes its device
-- block (pool memory) as the DPC's context; the DPC's NT_ASSERT holds on every
-- poll of the checked build, and unload cancels the timer and flushes the
-- DPC before freeing the block.
scenario { build = "checked", expect = "clean" }

driver "poll.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceBlock = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Poll")
    Timer, Dpc = KTIMER(), KDPC()
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, Arg1, Arg2)
      NT_ASSERT(DeferredContext ~= nil)
      DeferredContext[0] = (DeferredContext[0] + 1) & 0xFF   -- a UCHAR: it wraps, as in C
    end, DeviceBlock)
    KeSetTimerEx(Timer, -10000 * 10, 10, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      DbgPrint("poll.sys: %u polls\n", DeviceBlock[0])
      ExFreePoolWithTag(DeviceBlock, "Poll")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "poll.sys"
  Sleep "100ms"
  UnloadDriver "poll.sys"
end)
