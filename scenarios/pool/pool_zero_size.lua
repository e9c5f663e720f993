-- pool_zero_size: a driver sizes a table from a registry count that can be zero and asks the pool for 0 bytes (0xC4/0x00).
scenario {
  verifier = "/standard /driver fltcfg.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x00, p2 = PASSIVE_LEVEL, p3 = PagedPool, p4 = 0,
               driver = "fltcfg.sys" },
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
    -- BUG: no check for FilterCount == 0: the table is allocated with a size
    -- of 0 * FILTER_ENTRY_SIZE bytes.
    FilterTable = ExAllocatePoolWithTag(PagedPool, FilterCount * FILTER_ENTRY_SIZE, "FltT")
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
