-- special_pool_freed_driver_clean: the twin of special_pool_freed_driver. The
-- filter reads the status it logs before it frees the context.
scenario {
  verifier = "/flags 0x1 /driver dskflt.sys",
  expect   = "clean",
}

-- struct REQUEST_CONTEXT { ULONG Sector; ULONG Length; NTSTATUS Status; }
local SECTOR, LENGTH, STATUS = 0, 4, 8

local function CompleteRequest(Ctx)
  LastStatus = Ctx:u32(STATUS)
  ExFreePoolWithTag(Ctx, "DskR")
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
