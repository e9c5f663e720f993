-- special_pool_freed_driver: use after free. A disk filter completes a
-- request: it frees the request's context, then reads the context's status
-- field to log it. In normal pool the read would usually return the old
-- value and go unnoticed; special pool unmaps the page at free, so the read
-- faults at once: 0xD5, P1 the address read, P2 0 (a read).
scenario {
  verifier = "/flags 0x1 /driver dskflt.sys",
  expect   = { bugcheck = 0xD5, p2 = 0, driver = "dskflt.sys" },
}

-- struct REQUEST_CONTEXT { ULONG Sector; ULONG Length; NTSTATUS Status; }
local SECTOR, LENGTH, STATUS = 0, 4, 8

local function CompleteRequest(Ctx)
  ExFreePoolWithTag(Ctx, "DskR")
  LastStatus = Ctx:u32(STATUS) -- BUG: the context was freed on the line above
end

driver "dskflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 12, "DskR")
    if Ctx == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Ctx:set_u32(SECTOR, 2048)
    Ctx:set_u32(LENGTH, 512)
    Ctx:set_u32(STATUS, STATUS_SUCCESS)
    CompleteRequest(Ctx)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "dskflt.sys"
  Sleep "10ms"
  UnloadDriver "dskflt.sys"
end)
