-- Benchmark: the reference scenario of a fault-injection sweep, about 200
-- DDI calls a run: a system thread makes 50 rounds of allocate, fill, free
-- and a 1 ms wait, under low resources simulation with no boot delay (6% of
-- the allocations fail; the driver checks them).
scenario { verifier = "/faults 600 \"\" \"\" 0 /driver fsweep.sys", expect = "clean" }

driver "fsweep.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Done = KEVENT()
    KeInitializeEvent(Done, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      for i = 1, 48 do
        local p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Fswp")
        if p ~= nil then
          RtlFillMemory(p, 64, i & 0xFF)
          ExFreePoolWithTag(p, "Fswp")
        end
        KeDelayExecutionThread(KernelMode, false, -10000)
      end
      KeSetEvent(Done, 0, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject) end
    return status
  end,
}

run(function()
  LoadDriver "fsweep.sys"
  KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
  UnloadDriver "fsweep.sys"
end)
