-- mdl_map_not_locked: a driver describes a nonpaged command buffer with
-- IoAllocateMdl and asks for its system address without filling the MDL in
-- (no MmBuildMdlForNonPagedPool, no MmProbeAndLockPages), so the mapping
-- request names pages that are not locked (0xC4/0xB3, P3 = the MDL's flags,
-- P4 = the missing one, MDL_PAGES_LOCKED).
scenario {
  verifier = "/standard /driver cmdq.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xB3, p3 = MDL_ALLOCATED_FIXED_SIZE,
               p4 = MDL_PAGES_LOCKED, driver = "cmdq.sys" },
}

local COMMAND_BYTES = 512

driver "cmdq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Queue = {}
    Queue.Commands = ExAllocatePoolWithTag(NonPagedPoolNx, COMMAND_BYTES, "CmdQ")
    if Queue.Commands == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Queue.Mdl = IoAllocateMdl(Queue.Commands, COMMAND_BYTES, false, false, nil)
    if Queue.Mdl == nil then
      ExFreePoolWithTag(Queue.Commands, "CmdQ")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    -- BUG: the MDL's page array is still empty: call
    -- MmBuildMdlForNonPagedPool(Queue.Mdl) before using it.
    local Va = MmGetSystemAddressForMdlSafe(Queue.Mdl, NormalPagePriority)
    if Va == nil then
      IoFreeMdl(Queue.Mdl)
      ExFreePoolWithTag(Queue.Commands, "CmdQ")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Va, COMMAND_BYTES)
    DriverObject.DriverUnload = function(DriverObject)
      IoFreeMdl(Queue.Mdl)
      ExFreePoolWithTag(Queue.Commands, "CmdQ")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cmdq.sys"
  Sleep "100ms"
  UnloadDriver "cmdq.sys"
end)
