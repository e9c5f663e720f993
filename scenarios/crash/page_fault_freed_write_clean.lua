-- page_fault_freed_write (clean twin): ringlog.sys writes its last record
-- before it frees the ring.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x50--page-fault-in-nonpaged-area.md
scenario {
  expect = "clean",
}

local RING_BYTES = 16 * 1024

driver "ringlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = ExAllocatePoolWithTag(NonPagedPoolNx, RING_BYTES, "Ring")
    if Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Used = 0
    local function Flush()
      Ring:set_u32(Used, 0xDEAD)              -- the "unloading" record
      Used = Used + 4
    end
    DriverObject.DriverUnload = function(DriverObject)
      Flush()                                 -- right: the last record first,
      ExFreePoolWithTag(Ring, "Ring")         -- then the ring
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ringlog.sys"
  UnloadDriver "ringlog.sys"
end)
