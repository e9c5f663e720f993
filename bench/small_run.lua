-- Benchmark: a whole small run (boot, load, a few calls, unload, teardown),
-- the unit of work of a seed sweep.
scenario { verifier = "/flags 0x0 /driver small.sys", expect = "clean" }

driver "small.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, math.random(1, 256), "Smal")
    DriverObject.DriverUnload = function() ExFreePool(Buffer) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "small.sys"
  Sleep "10ms"
  UnloadDriver "small.sys"
end)
