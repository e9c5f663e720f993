-- bench/scale/timers.lua: N one-shot timers, each with its DPC, set 10 us
-- apart (bench/scale.sh sets N); every DPC allocates and frees a block of
-- pool; unload frees the blocks that held them. The cost must grow linearly
-- with N.
local N = 1000
scenario { limit = "10h", expect = "clean" }

driver "timers.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Fired = 0
    Timers = {}
    for i = 1, N do
      -- A KTIMER (0x40 bytes on x64) and its KDPC at 0x40, in pool.
      local Block = ExAllocatePoolWithTag(NonPagedPoolNx, 0x80, "Tmrs")
      local Timer, Dpc = Block, Block + 0x40
      KeInitializeTimer(Timer)
      KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
        local p = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Tick")
        ExFreePoolWithTag(p, "Tick")
        Fired = Fired + 1
      end, nil)
      KeSetTimer(Timer, -100 * i, Dpc)
      Timers[i] = Block
    end
    DriverObject.DriverUnload = function(DriverObject)
      KeFlushQueuedDpcs()
      for i = 1, N do
        ExFreePoolWithTag(Timers[i], "Tmrs")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "timers.sys"
  Sleep "10s"
  assert(Fired == N)
  UnloadDriver "timers.sys"
end)
