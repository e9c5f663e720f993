-- pool_free_paged_above_apc: a driver frees a paged buffer while at DISPATCH_LEVEL (0xC4/0x11).
scenario {
  verifier = "/standard /driver hidmap.sys",
  -- P4 is the address of the block.
  expect   = { bugcheck = 0xC4, p1 = 0x11, p2 = DISPATCH_LEVEL, p3 = PagedPool,
               driver = "hidmap.sys" },
}

-- Replaces the key map; the map pointer is swapped at DISPATCH_LEVEL so the
-- input DPC never sees a half-updated map.
local function SwapKeyMap(Ext, NewMap)
  local OldIrql = KeRaiseIrqlToDpcLevel()
  local OldMap = Ext.KeyMap
  Ext.KeyMap = NewMap
  -- BUG: the old map is paged pool, freed at DISPATCH_LEVEL. Free it after
  -- KeLowerIrql.
  ExFreePoolWithTag(OldMap, "HidM")
  KeLowerIrql(OldIrql)
end

driver "hidmap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = { KeyMap = ExAllocatePoolWithTag(PagedPool, 1024, "HidM") }
    local NewMap = ExAllocatePoolWithTag(PagedPool, 1024, "HidM")
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
