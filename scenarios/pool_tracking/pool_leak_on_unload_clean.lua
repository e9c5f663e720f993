-- pool_leak_on_unload, clean twin: the filter frees every context at unload,
-- so pool tracking finds nothing outstanding.
scenario {
  verifier = "/flags 0x8 /driver ctxflt.sys",
  expect   = "clean",
}

local Contexts = {}

local function CreateContext(Id)
  local Context = ExAllocatePoolWithTag(PagedPool, 96, "CtxF")
  if Context == nil then
    return nil
  end
  Context[0] = Id
  Contexts[#Contexts + 1] = Context
  return Context
end

driver "ctxflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    CreateContext(1)
    CreateContext(2)
    CreateContext(3)
    DriverObject.DriverUnload = function(DriverObject)
      for i = 1, #Contexts do
        ExFreePoolWithTag(Contexts[i], "CtxF")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctxflt.sys"
  Sleep "250ms"
  UnloadDriver "ctxflt.sys"
  local counters = Query().drivers["ctxflt.sys"]
  assert(counters.PeakPagedPoolAllocations == 3, "peak of three contexts")
  assert(counters.CurrentPagedPoolAllocations == 0, "nothing left")
end)
