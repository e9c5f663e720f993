-- processors_clean: netvmini.sys spreads its receive work over the
-- processors as the NDIS sample does: it numbers them with
-- KeGetProcessorNumberFromIndex / KeGetProcessorIndexFromNumber (one
-- group, one NUMA node: KeQueryHighestNodeNumber 0,
-- KeQueryNodeActiveAffinity), targets a DPC at each by its PROCESSOR_NUMBER
-- (KeSetTargetProcessorDpcEx), marks it in a bit mask
-- (RtlInterlockedSetBits), and inside the DPC
-- asks KeQueryDpcWatchdogInformation how much of the DPC watchdog's budget
-- is left (in clock ticks; the single-DPC time-out is not modelled, so its
-- limit reads 0, "disabled"). Outside a DPC the routine fails.
scenario {
  verifier = "/standard /driver netvmini.sys",
  cpus     = 4,
}

driver "netvmini.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Count = KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS)
    assert(Count == 4 and KeQueryHighestNodeNumber() == 0)
    local Affinity, NodeCount = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "NvAf"), LONG()
    KeQueryNodeActiveAffinity(0, Affinity, NodeCount)
    assert(Affinity:u64(0) == 0xF and NodeCount:u32(0) & 0xFFFF == 4)
    ExFreePoolWithTag(Affinity, "NvAf")
    local Number = PROCESSOR_NUMBER()
    assert(KeGetProcessorNumberFromIndex(4, Number) == STATUS_INVALID_PARAMETER)
    local Info = ExAllocatePoolWithTag(NonPagedPoolNx, 20, "NvWd")
    assert(KeQueryDpcWatchdogInformation(Info) == STATUS_UNSUCCESSFUL, "not in a DPC")

    Dpcs, Ran, Budget, Seen = {}, LONG(), {}, LONG()
    for Index = 0, Count - 1 do
      assert(KeGetProcessorNumberFromIndex(Index, Number) == STATUS_SUCCESS)
      assert(Number.Group == 0 and Number.Number == Index)
      assert(KeGetProcessorIndexFromNumber(Number) == Index)
      Dpcs[Index] = KDPC()
      KeInitializeDpc(Dpcs[Index], function(Dpc, Context, Arg1, Arg2)
        assert(KeGetCurrentProcessorNumber() == Index)
        assert(KeQueryDpcWatchdogInformation(Info) == STATUS_SUCCESS)
        assert(Info:u32(0) == 0 and Info:u32(8) == 0x1E00)
        Budget[Index] = Info:u32(12)
        InterlockedExchangeNoFence64(Context, Index)
        InterlockedIncrement(Ran)
        RtlInterlockedSetBits(Seen, 1 << Index)
      end, LONG64())
      assert(KeSetTargetProcessorDpcEx(Dpcs[Index], Number) == STATUS_SUCCESS)
      KeInsertQueueDpc(Dpcs[Index], nil, nil)
    end
    DriverObject.DriverUnload = function(DriverObject)
      KeFlushQueuedDpcs()
      assert(Ran:u32(0) == 4)
      assert(Seen:u32(0) == 0xF, "each processor ran its DPC")
      RtlInterlockedClearBits(Seen, 0x5)
      assert(Seen:u32(0) == 0xA)
      for Index = 0, 3 do
        assert(Budget[Index] > 0 and Budget[Index] <= 0x1E00)
      end
      ExFreePoolWithTag(Info, "NvWd")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netvmini.sys"
  UnloadDriver "netvmini.sys"
end)
