-- special_pool_overrun_clean: the twin of special_pool_overrun. The caller
-- copies exactly the reply's 32 bytes; it never reaches the guard page.
scenario {
  verifier = "/flags 0x1 /driver echo.sys",
  expect   = "clean",
}

local REPLY_BYTES = 32

driver "echo.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Reply = ExAllocatePoolWithTag(NonPagedPoolNx, REPLY_BYTES, "Echo")
    if Reply == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Reply:write(0, string.rep("E", REPLY_BYTES))
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Reply, "Echo")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  local copy = Reply:read(0, REPLY_BYTES)
  assert(copy == string.rep("E", REPLY_BYTES))
  UnloadDriver "echo.sys"
end)
