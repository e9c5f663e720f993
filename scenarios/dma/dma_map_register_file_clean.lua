-- dma_map_register_file_clean: the twin of dma_map_register_file: the
-- driver frees every register it kept before asking for 3; and a request
-- that finds too few map registers free waits for them, as on Windows: the
-- ExecutionRoutine runs when FreeMapRegisters frees them. Clean under
-- /flags 0x80.
scenario {
  verifier = "/flags 0x80 /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

local function Keep(Ops, Adapter, Fdo, Count)
  local Kept
  assert(Ops.AllocateAdapterChannel(Adapter, Fdo, Count, function(DeviceObject, Irp, Base, Context)
    Kept = Base
    return DeallocateObjectKeepRegisters
  end, nil) == STATUS_SUCCESS)
  return Kept
end

function DmaTest(Pdo, Fdo)
  local Adapter, Ops, MapRegisters = GetAdapter(Pdo, 0x4000)
  assert(MapRegisters == 5)
  AtDispatch(function()
    local First = Keep(Ops, Adapter, Fdo, 1)
    local Second = Keep(Ops, Adapter, Fdo, 2)
    Ops.FreeMapRegisters(Adapter, First, 1)
    Ops.FreeMapRegisters(Adapter, Second, 2)
    local Third = Keep(Ops, Adapter, Fdo, 3)
    -- 2 free, 3 asked: the request waits.
    local Ran = false
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 3, function(DeviceObject, Irp, Base, Context)
      Ran = true
      return DeallocateObject
    end, nil) == STATUS_SUCCESS)
    assert(not Ran, "it waits for map registers")
    Ops.FreeMapRegisters(Adapter, Third, 3)
    assert(Ran, "FreeMapRegisters ran it")
  end)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
