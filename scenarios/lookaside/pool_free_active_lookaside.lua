-- pool_free_active_lookaside: a RAID driver keeps a lookaside list of
-- stripe buffers inside each array's context block, allocated from
-- nonpaged pool. Removing an array frees its context without deleting the
-- list first: the kernel's list of lookaside lists still runs through the
-- freed block. With miscellaneous checks, Driver Verifier stops the free
-- (0xC4/0xCC, P2 = the list, P3 = the block, P4 = its size).
scenario {
  verifier = "/flags 0x800 /driver raidx.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xCC, p4 = 0x100, driver = "raidx.sys" },
}

-- ARRAY_CONTEXT: the array number at 0, its NPAGED_LOOKASIDE_LIST at 0x40
-- (cache aligned), 0x100 bytes in all.
local NUMBER, STRIPES, CONTEXT_BYTES = 0x0, 0x40, 0x100
local STRIPE_BYTES = 512

local function AddArray(Number)
  local Array = ExAllocatePoolWithTag(NonPagedPoolNx, CONTEXT_BYTES, "RdAr")
  if Array == nil then
    return nil
  end
  Array:set_u32(NUMBER, Number)
  ExInitializeNPagedLookasideList(Array + STRIPES, nil, nil, POOL_NX_ALLOCATION, STRIPE_BYTES,
                                  "RdSt", 0)
  local Stripe = ExAllocateFromNPagedLookasideList(Array + STRIPES)
  if Stripe ~= nil then
    ExFreeToNPagedLookasideList(Array + STRIPES, Stripe)
  end
  return Array
end

local function RemoveArray(Array)
  -- BUG: ExDeleteNPagedLookasideList(Array + STRIPES) must come first.
  ExFreePoolWithTag(Array, "RdAr")
end

driver "raidx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Arrays = { AddArray(0), AddArray(1) }
    DriverObject.DriverUnload = function(DriverObject)
      for _, Array in ipairs(Arrays) do
        RemoveArray(Array)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "raidx.sys"
  Sleep "2s"
  UnloadDriver "raidx.sys"
end)
