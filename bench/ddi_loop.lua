-- Benchmark: the cost of a DDI call through a verified driver's import table
-- (marshalling, the verifier's thunk, the kernel, two trace records).
-- 100,000 iterations of 4 DDI calls each, plus one byte written through a
-- pointer per iteration.
scenario { verifier = "/flags 0x0 /driver bench.sys", expect = "clean", limit = "1h" }

local ITERATIONS = 100000

driver "bench.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    for i = 1, ITERATIONS do
      local old = KeRaiseIrql(DISPATCH_LEVEL)
      local p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Bnch")
      p[0] = i & 0xFF
      ExFreePoolWithTag(p, "Bnch")
      KeLowerIrql(old)
    end
    DriverObject.DriverUnload = function() end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bench.sys"
  UnloadDriver "bench.sys"
end)
