-- standard_leak: /standard, the settings a driver is verified with first,
-- finds a pool leak at unload as pool tracking alone does. Special pool
-- (in /standard) gives each allocation below a page a page of its own, and
-- pool tracking tracks it there all the same: Microsoft's worked 0xC4/0x62
-- (debugging-memory-leaks---driver-verifier-detected-violation--c4---0x62.md)
-- is a /standard run whose leaked blocks are in special pool. Only
-- allocations of a page or more go untracked, counted in UnTrackedPool
-- (monitoring-global-counters.md, monitoring-individual-counters.md).
--
-- A firmware loader reads its 16 KB image into pool, builds a 48-byte
-- download request and a 200-byte status block, downloads, and frees the
-- image and the status block; the request is freed on the error path only.
scenario {
  verifier = "/standard /driver fwload.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x62, p4 = 1, driver = "fwload.sys" },
}

local IMAGE_SIZE, REQUEST_SIZE, STATUS_SIZE = 16 * 1024, 48, 200

driver "fwload.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Image = ExAllocatePoolWithTag(NonPagedPoolNx, IMAGE_SIZE, "FwIm")
    local Request = ExAllocatePoolWithTag(PagedPool, REQUEST_SIZE, "FwRq")
    local Status = ExAllocatePoolWithTag(NonPagedPoolNx, STATUS_SIZE, "FwSt")
    if Image == nil or Request == nil or Status == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlFillMemory(Image, IMAGE_SIZE, 0x90)
    RtlFillMemory(Request, REQUEST_SIZE, 0)
    ExFreePoolWithTag(Image, "FwIm")
    ExFreePoolWithTag(Status, "FwSt")
    -- BUG: the request is freed only when the download fails.
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fwload.sys"
  local q = Query()
  local d = q.drivers["fwload.sys"]
  -- The request and the status block were in special pool, and tracked.
  assert(q.AllocationsSucceededSpecialPool == 2, "both small blocks in special pool")
  assert(d.CurrentPagedPoolAllocations == 1 and d.PagedPoolUsageInBytes == REQUEST_SIZE,
         "the request is tracked")
  assert(d.PeakNonPagedPoolAllocations == 1 and d.PeakNonPagedPoolUsageInBytes == STATUS_SIZE,
         "the status block was tracked; the image, a page or more, was not")
  assert(d.CurrentNonPagedPoolAllocations == 0, "the status block is freed")
  assert(q.UnTrackedPool == 1, "the image is counted as not tracked")
  UnloadDriver "fwload.sys"
end)
