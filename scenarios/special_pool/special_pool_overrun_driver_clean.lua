-- special_pool_overrun_driver_clean: the twin of special_pool_overrun_driver.
-- The clearing loop stops at the last sample (i < SAMPLES): every store stays
-- on the block, special pool sees nothing, and the run is clean.
scenario {
  verifier = "/flags 0x1 /driver sensor.sys",
  expect   = "clean",
}

local SAMPLES = 16

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = ExAllocatePoolWithTag(NonPagedPoolNx, SAMPLES * 4, "Sens")
    if Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    for i = 0, SAMPLES - 1 do
      Ring:set_u32(i * 4, 0)
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Ring, "Sens")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "10ms"
  UnloadDriver "sensor.sys"
end)
