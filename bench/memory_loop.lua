-- Benchmark: a driver's own loads and stores through pointers, the cost of
-- --sched ...+accesses on memory only one execution context touches (a
-- lookup per access, never a preemption point). 200,000 read-modify-writes
-- of a ULONG in a 4 KB pool buffer (400,000 accesses), one DDI call per
-- 100 (bench/run.sh runs it with the mode off and on).
scenario { verifier = "/flags 0x0 /driver mem.sys", expect = "clean", limit = "1h" }

local ITERATIONS = 200000

driver "mem.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4096, "Mem ")
    for i = 0, ITERATIONS - 1 do
      local offset = (i % 1024) * 4
      p:set_u32(offset, p:u32(offset) + 1)
      if i % 100 == 0 then
        KeQueryPerformanceCounter()
      end
    end
    ExFreePoolWithTag(p, "Mem ")
    DriverObject.DriverUnload = function() end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "mem.sys"
  UnloadDriver "mem.sys"
end)
