-- pool_header_damaged_tracked (clean twin): a driver keeps its settings in a 32-byte
-- block and its ring buffer in the block allocated right after it, in the
-- same pool page. Settings grew to 48 bytes in version 2; this driver
-- copies only the 32 bytes its block holds, so the ring buffer's header is
-- intact when DriverUnload frees it.
scenario {
  verifier = "/flags 0x8 /driver ringcfg.sys",
  expect   = "clean",
}

local SETTINGS_V1_SIZE, SETTINGS_V2_SIZE = 32, 48

driver "ringcfg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Settings = ExAllocatePoolWithTag(NonPagedPoolNx, SETTINGS_V1_SIZE, "RgCf")
    Ring = ExAllocatePoolWithTag(NonPagedPoolNx, 256, "RgBf")
    if Settings == nil or Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    assert(Ring - Settings == SETTINGS_V1_SIZE + 16, "the blocks share a page, back to back")

    local Defaults = ExAllocatePoolWithTag(NonPagedPoolNx, SETTINGS_V2_SIZE, "RgDf")
    RtlFillMemory(Defaults, SETTINGS_V2_SIZE, 0x5A)
    RtlCopyMemory(Settings, Defaults, SETTINGS_V1_SIZE) -- the part this block holds
    ExFreePoolWithTag(Defaults, "RgDf")

    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Ring, "RgBf")
      ExFreePoolWithTag(Settings, "RgCf")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ringcfg.sys"
  Sleep "10ms"
  UnloadDriver "ringcfg.sys"
end)
