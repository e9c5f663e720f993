-- special_pool_overrun_slack: an overrun too small to reach the guard page.
-- A driver copies a 13-character volume label into a 13-byte buffer and
-- appends the NUL one byte past the end. On x64 the block's start is rounded
-- down to 16 bytes, so three bytes of slack follow it on the page and the
-- write lands there without a fault; the pattern check at free finds it:
-- 0xC1 with P4 = 0x24, P1 the block, P2 the byte written (block + 13).
scenario {
  verifier = "/flags 0x1 /driver vollbl.sys",
  expect   = { bugcheck = 0xC1, p4 = 0x24, driver = "vollbl.sys" },
}

local Label = "SYSTEM_BACKUP" -- 13 characters

driver "vollbl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Copy = ExAllocatePoolWithTag(PagedPool, #Label, "VolL")
    if Copy == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Copy:write(0, Label)
    Copy[#Label] = 0 -- BUG: no room was asked for the terminator
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Copy, "VolL")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "vollbl.sys"
  Sleep "10ms"
  UnloadDriver "vollbl.sys"
end)
