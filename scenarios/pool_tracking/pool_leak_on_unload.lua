-- pool_leak_on_unload: a filter keeps a context per open and forgets one at
-- unload; pool tracking (0x8) names the leaked block and the line that
-- allocated it (0xC4/0x62, P4 = allocations left).
scenario {
  verifier = "/flags 0x8 /driver ctxflt.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x62, p4 = 1, driver = "ctxflt.sys" },
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
      -- BUG: the loop stops one short (a C "< Count - 1" transliterated),
      -- so the last context stays allocated.
      for i = 1, #Contexts - 1 do
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
end)
