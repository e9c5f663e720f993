-- special_pool_free_bad_irql_clean: the twin of special_pool_free_bad_irql.
-- The old map is freed after KeLowerIrql, at PASSIVE_LEVEL.
scenario {
  gflags = "+spp HidM",
  expect = "clean",
}

local function SwapKeyMap(Ext, NewMap)
  local OldIrql = KeRaiseIrqlToDpcLevel()
  local OldMap = Ext.KeyMap
  Ext.KeyMap = NewMap
  KeLowerIrql(OldIrql)
  ExFreePoolWithTag(OldMap, "HidM")
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
