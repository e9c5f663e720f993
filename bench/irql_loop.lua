-- Benchmark: the simplest DDIs from Lua, a KeRaiseIrql/KeLowerIrql pair
-- through a verified driver's thunks, 1,000,000 times (2,000,000 calls).
scenario { verifier = "/flags 0x0 /driver irql.sys", expect = "clean", limit = "1h" }

driver "irql.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    for i = 1, 1000000 do
      local old = KeRaiseIrql(DISPATCH_LEVEL)
      KeLowerIrql(old)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "irql.sys"
end)
