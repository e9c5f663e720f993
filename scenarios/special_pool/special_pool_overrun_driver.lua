-- special_pool_overrun_driver: the classic "allocate n bytes, touch byte n".
-- A sensor driver keeps the last 16 samples (ULONGs) in a 64-byte ring and
-- clears it with a loop that runs one step too far (<= instead of <). With
-- special pool (/flags 0x1, Verify End) the block ends at the end of its
-- page, so the store to byte 64 hits the guard page at the instruction:
-- 0xD6, P1 the address touched, P2 1 (a write).
scenario {
  verifier = "/flags 0x1 /driver sensor.sys",
  expect   = { bugcheck = 0xD6, p2 = 1, driver = "sensor.sys" },
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
