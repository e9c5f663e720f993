-- pool_zero_size (clean twin): with no filters configured the driver allocates no table at all.
scenario {
  verifier = "/standard /driver fltcfg.sys",
  expect   = "clean",
}

local FILTER_ENTRY_SIZE = 24

-- Counts the values under Parameters\Filters: none are configured on this machine.
local function ReadFilterCount(RegistryPath)
  return 0
end

driver "fltcfg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Context = ExAllocatePoolWithTag(NonPagedPoolNx, 128, "FltC")
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local FilterCount = ReadFilterCount(RegistryPath)
    FilterTable = nil
    if FilterCount > 0 then                  -- right: an empty table is no table
      FilterTable = ExAllocatePoolWithTag(PagedPool, FilterCount * FILTER_ENTRY_SIZE, "FltT")
      if FilterTable == nil then
        ExFreePoolWithTag(Context, "FltC")
        return STATUS_INSUFFICIENT_RESOURCES
      end
    end
    DriverObject.DriverUnload = function(DriverObject)
      if FilterTable ~= nil then
        ExFreePoolWithTag(FilterTable, "FltT")
      end
      ExFreePoolWithTag(Context, "FltC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fltcfg.sys"
  Sleep "10ms"
  UnloadDriver "fltcfg.sys"
end)
