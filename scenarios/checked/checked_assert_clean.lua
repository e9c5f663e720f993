-- checked_assert_clean: the same ring driver, checked build, primed with
-- exactly Capacity entries: every ASSERT holds, and KdPrint (printed only
-- in a checked build) reports the count in the debug output.
scenario { build = "checked", expect = "clean" }

local Capacity = 8

local function Push(Ring, Value)
  ASSERT(Ring.Count < Capacity)
  Ring.Slots[(Ring.Head + Ring.Count) % Capacity] = Value
  Ring.Count = Ring.Count + 1
end

driver "ring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = { Head = 0, Count = 0, Slots = {} }
    for Request = 0, Capacity - 1 do
      Push(Ring, Request)
    end
    ASSERTMSG("ring.sys: the ring must be full after priming ", Ring.Count == Capacity)
    KdPrint("ring.sys: %d requests primed (DBG=%d)\n", Ring.Count, DBG)
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "ring.sys: loaded from %wZ\n", RegistryPath)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ring.sys"
  UnloadDriver "ring.sys"
end)
