-- special_pool_overrun: code that is no driver's reads past a special pool
-- block. echo.sys answers a query with a 32-byte reply in pool and hands the
-- pointer to its caller; the caller (the test body, standing in for the
-- kernel component that consumes the reply) copies 33 bytes, one too many.
-- Verify End puts the reply against the guard page, and the read of byte 32
-- faults at once. No driver's code made the access: 0xCD, P1 the address
-- read, P2 0 (a read).
scenario {
  verifier = "/flags 0x1 /driver echo.sys",
  expect   = { bugcheck = 0xCD, p2 = 0 },
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
  local copy = Reply:read(0, REPLY_BYTES + 1) -- BUG: the reply is REPLY_BYTES long
  UnloadDriver "echo.sys"
end)
