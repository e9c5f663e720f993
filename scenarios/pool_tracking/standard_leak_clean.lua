-- standard_leak, clean twin: the firmware loader frees its download request
-- at unload, so /standard, special pool and pool tracking together, finds
-- nothing outstanding (debugging-memory-leaks---driver-verifier-detected-
-- violation--c4---0x62.md; monitoring-individual-counters.md for the
-- counters: allocations below a page are tracked wherever they live).
scenario {
  verifier = "/standard /driver fwload.sys",
  expect   = "clean",
}

local IMAGE_SIZE, REQUEST_SIZE, STATUS_SIZE = 16 * 1024, 48, 200

driver "fwload.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Image = ExAllocatePoolWithTag(NonPagedPoolNx, IMAGE_SIZE, "FwIm")
    Request = ExAllocatePoolWithTag(PagedPool, REQUEST_SIZE, "FwRq")
    local Status = ExAllocatePoolWithTag(NonPagedPoolNx, STATUS_SIZE, "FwSt")
    if Image == nil or Request == nil or Status == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlFillMemory(Image, IMAGE_SIZE, 0x90)
    RtlFillMemory(Request, REQUEST_SIZE, 0)
    ExFreePoolWithTag(Image, "FwIm")
    ExFreePoolWithTag(Status, "FwSt")
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Request, "FwRq")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fwload.sys"
  UnloadDriver "fwload.sys"
  local q = Query()
  local d = q.drivers["fwload.sys"]
  assert(q.AllocationsSucceededSpecialPool == 2, "both small blocks in special pool")
  assert(d.PeakPagedPoolAllocations == 1 and d.PeakNonPagedPoolAllocations == 1,
         "both small blocks were tracked")
  assert(d.CurrentPagedPoolAllocations == 0 and d.PagedPoolUsageInBytes == 0, "nothing left")
  assert(q.UnTrackedPool == 1, "the image is counted as not tracked")
end)
