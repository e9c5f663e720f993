-- verify_start_overrun: "allocate n bytes, touch byte n" under Verify Start.
-- The sensor driver of special_pool_overrun_driver again, with GFlags'
-- placement set to underruns (the dialog's Verify Start, which governs
-- Driver Verifier's special pool too): the block starts its page, so the
-- store past its end lands on the page's pattern and does not fault. It is
-- found only when the block is freed: 0xC1 with P4 = 0x24, P2 the first
-- byte written past the block.
scenario {
  verifier = "/flags 0x1 /driver sensor.sys",
  gflags   = "underruns",
  expect   = { bugcheck = 0xC1, p4 = 0x24, driver = "sensor.sys" },
}

local SAMPLES = 16

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = ExAllocatePoolWithTag(NonPagedPoolNx, SAMPLES * 4, "Sens")
    if Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    for i = 0, SAMPLES do -- BUG: i == SAMPLES writes the ULONG after the ring
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
