-- special_pool_free_bad_irql: paged special pool freed at DISPATCH_LEVEL.
-- hidmap.sys is not verified; GFlags puts its tag in special pool ("+spp
-- HidM"). It swaps its key map at DISPATCH_LEVEL and frees the old one
-- before lowering the IRQL. Special pool checks the IRQL of the free: 0xC1
-- with P4 = 0x31, P1 the IRQL, P2 the pool type, P3 the address freed.
scenario {
  gflags = "+spp HidM",
  expect = { bugcheck = 0xC1, p1 = DISPATCH_LEVEL, p2 = PagedPool, p4 = 0x31,
             driver = "hidmap.sys" },
}

local function SwapKeyMap(Ext, NewMap)
  local OldIrql = KeRaiseIrqlToDpcLevel()
  local OldMap = Ext.KeyMap
  Ext.KeyMap = NewMap
  ExFreePoolWithTag(OldMap, "HidM") -- BUG: paged pool freed at DISPATCH_LEVEL
  KeLowerIrql(OldIrql)
end

driver "hidmap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = { KeyMap = ExAllocatePoolWithTag(PagedPool, 512, "HidM") }
    local NewMap = ExAllocatePoolWithTag(PagedPool, 512, "HidM")
    if Ext.KeyMap == nil or NewMap == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    SwapKeyMap(Ext, NewMap)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Ext.KeyMap, "HidM")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "hidmap.sys"
  Sleep "10ms"
  UnloadDriver "hidmap.sys"
end)
