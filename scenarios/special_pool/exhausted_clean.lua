-- exhausted_clean: one driver exhausts special pool. A NIC driver keeps 80
-- receive descriptors of 128 bytes on a machine with 1 MB of memory, whose
-- special pool holds a quarter of it: 64 pages, so 64 allocations. The
-- other 16 quietly come from normal pool and succeed, as on Windows; the
-- counters show it (AllocationsSucceededSpecialPool 64 of 80 succeeded) and
-- the run ends with Driver Verifier's warning that fewer than 95% came from
-- special pool. Freed pages are reused oldest first once the never-used
-- ones are gone, so after the driver frees its descriptors, new ones are
-- special again.
scenario {
  verifier = "/flags 0x1 /driver rxring.sys",
  memory   = "1MB",
  expect   = "clean",
}

local DESCRIPTORS, DESCRIPTOR_BYTES = 80, 128

driver "rxring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = {}
    for i = 1, DESCRIPTORS do
      Ring[i] = ExAllocatePoolWithTag(NonPagedPoolNx, DESCRIPTOR_BYTES, "RxDs")
      if Ring[i] == nil then
        return STATUS_INSUFFICIENT_RESOURCES
      end
      RtlZeroMemory(Ring[i], DESCRIPTOR_BYTES)
    end
    DriverObject.DriverUnload = function(DriverObject)
      for i = 1, #Ring do
        ExFreePoolWithTag(Ring[i], "RxDs")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "rxring.sys"
  local q = Query()
  assert(q.AllocationsSucceeded == 80 and q.AllocationsSucceededSpecialPool == 64 and
         q.AllocationsFailed == 0,
         string.format("%d %d", q.AllocationsSucceeded, q.AllocationsSucceededSpecialPool))
  UnloadDriver "rxring.sys"
  LoadDriver "rxring.sys" -- the freed pages serve again
  q = Query()
  assert(q.AllocationsSucceeded == 160 and q.AllocationsSucceededSpecialPool == 128)
  UnloadDriver "rxring.sys"
end)
