-- pool_header_damaged_tracked: a driver keeps its settings in a 32-byte
-- block and its ring buffer in the block allocated right after it, in the
-- same pool page. Version 2 of the settings grew to 48 bytes, but the copy
-- into the old block was not updated: the 16 extra bytes land on the ring
-- buffer's POOL_HEADER. DriverUnload frees the ring first; pool tracking
-- checks the header of the block being freed: 0xC4/0x53 (P2 the ring,
-- P3 its header). Without the verifier the kernel finds the same damage as
-- BAD_POOL_HEADER (0x19).
scenario {
  verifier = "/flags 0x8 /driver ringcfg.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x53, driver = "ringcfg.sys" },
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
    RtlCopyMemory(Settings, Defaults, SETTINGS_V2_SIZE) -- BUG: the block holds V1 only
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
