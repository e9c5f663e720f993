-- mdl_map_not_locked (clean twin): MmBuildMdlForNonPagedPool fills the MDL in
-- for the nonpaged command buffer; its system address is then the buffer's
-- own, and the MDL is freed without unlocking anything.
scenario {
  verifier = "/standard /driver cmdq.sys",
  expect   = "clean",
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
    MmBuildMdlForNonPagedPool(Queue.Mdl)                      -- right
    local Va = MmGetSystemAddressForMdlSafe(Queue.Mdl, NormalPagePriority)
    if Va == nil then
      IoFreeMdl(Queue.Mdl)
      ExFreePoolWithTag(Queue.Commands, "CmdQ")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    assert(Va == Queue.Commands, "nonpaged pool is its own system address")
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
