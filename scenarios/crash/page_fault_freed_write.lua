-- page_fault_freed_write: a driver keeps a 16 KB ring buffer (pool of more
-- than a page: its own pages). Unload frees the ring, then the driver's
-- flush, run after it, appends one record to it. The pages went back when
-- the block was freed: a write to freed system memory at PASSIVE_LEVEL is
-- 0x50 PAGE_FAULT_IN_NONPAGED_AREA with P2 = 2 (a write, x64 and x86 since
-- Windows 10 1507; 1 before, and on ARM) and P4 = 0
-- (NONPAGED_BUGCHECK_FREED_PTE: the page was mapped once). P3, the
-- instruction, is not modelled (0).
-- Source: windows-driver-docs-pr/debugger/bug-check-0x50--page-fault-in-nonpaged-area.md
scenario {
  expect = { bugcheck = 0x50, p2 = 2, p3 = 0, p4 = 0, driver = "ringlog.sys" },
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
      ExFreePoolWithTag(Ring, "Ring")
      -- BUG: the flush runs after the free; it should run before it.
      Flush()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ringlog.sys"
  UnloadDriver "ringlog.sys"
end)
