-- counters_page_or_more_clean: special pool's counters leave out allocations
-- of a page or more. A capture driver keeps an 8 KB frame buffer and a
-- 64-byte descriptor, under special pool and pool tracking (/flags 0x9).
-- Special pool cannot serve the frame (a page or more has pages of its
-- own), so it is counted in none of AllocationsAttempted,
-- AllocationsSucceeded and AllocationsSucceededSpecialPool (special-pool.md:
-- "These counters do not track allocations whose size is one page or
-- larger, since the special pool is not applicable to them"); special pool
-- served 1 of 1, so no "fewer than 95%" warning. Pool tracking does not
-- track the frame either, it counts it in UnTrackedPool, and tracks the
-- descriptor, in special pool, in the driver's counters
-- (monitoring-global-counters.md, monitoring-individual-counters.md).
scenario {
  verifier = "/flags 0x9 /driver framecap.sys",
  expect   = "clean",
}

local FRAME_BYTES, DESCRIPTOR_BYTES = 8 * 1024, 64

driver "framecap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Frame = ExAllocatePoolWithTag(NonPagedPoolNx, FRAME_BYTES, "FcFr")
    Descriptor = ExAllocatePoolWithTag(NonPagedPoolNx, DESCRIPTOR_BYTES, "FcDs")
    if Frame == nil or Descriptor == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Descriptor, "FcDs")
      ExFreePoolWithTag(Frame, "FcFr")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "framecap.sys"
  local q = Query()
  local d = q.drivers["framecap.sys"]
  assert(q.AllocationsAttempted == 1, "attempted: the descriptor only")
  assert(q.AllocationsSucceeded == 1, "succeeded: the descriptor only")
  assert(q.AllocationsSucceededSpecialPool == 1, "the descriptor is in special pool")
  assert(q.AllocationsFailed == 0, "nothing failed")
  assert(q.UnTrackedPool == 1, "the frame is not tracked, only counted")
  assert(d.CurrentNonPagedPoolAllocations == 1, "the descriptor is tracked")
  assert(d.NonPagedPoolUsageInBytes == DESCRIPTOR_BYTES, "its bytes, not the frame's")
  UnloadDriver "framecap.sys"
end)
