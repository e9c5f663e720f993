-- pool_free_paged_above_apc (clean twin): the old paged map is freed after the IRQL is back at PASSIVE_LEVEL.
scenario {
  verifier = "/standard /driver hidmap.sys",
  expect   = "clean",
}

-- Replaces the key map; the map pointer is swapped at DISPATCH_LEVEL so the
-- input DPC never sees a half-updated map.
local function SwapKeyMap(Ext, NewMap)
  local OldIrql = KeRaiseIrqlToDpcLevel()
  local OldMap = Ext.KeyMap
  Ext.KeyMap = NewMap
  KeLowerIrql(OldIrql)
  ExFreePoolWithTag(OldMap, "HidM")          -- right: paged pool is freed at PASSIVE_LEVEL
end

driver "hidmap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = { KeyMap = ExAllocatePoolWithTag(PagedPool, 1024, "HidM") }
    if Ext.KeyMap == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local NewMap = ExAllocatePoolWithTag(PagedPool, 1024, "HidM")
    if NewMap == nil then
      ExFreePoolWithTag(Ext.KeyMap, "HidM")
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
