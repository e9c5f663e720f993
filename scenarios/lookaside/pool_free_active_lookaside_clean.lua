-- pool_free_active_lookaside, clean twin: the RAID driver deletes each
-- array's stripe-buffer lookaside list (which frees the buffers it holds)
-- before it frees the array's context block.
scenario {
  verifier = "/flags 0x800 /driver raidx.sys",
  expect   = "clean",
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
  ExDeleteNPagedLookasideList(Array + STRIPES)
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
