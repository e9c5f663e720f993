-- special_pool_overrun_slack_clean: the twin of special_pool_overrun_slack.
-- The driver asks for the label's length plus one, for the terminator.
scenario {
  verifier = "/flags 0x1 /driver vollbl.sys",
  expect   = "clean",
}

local Label = "SYSTEM_BACKUP" -- 13 characters

driver "vollbl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Copy = ExAllocatePoolWithTag(PagedPool, #Label + 1, "VolL")
    if Copy == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Copy:write(0, Label)
    Copy[#Label] = 0
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
