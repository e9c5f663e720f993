-- checked_assert: a checked build of a driver that keeps a small ring of
-- pending requests. Push asserts that the ring has room, as its author
-- meant every caller to check first; DriverEntry primes the ring with one
-- entry too many. In a free build nothing is checked and the ninth entry
-- silently overwrites the first. The checked build's ASSERT calls RtlAssert,
-- which prints the failed expression and breaks; with no kernel debugger
-- attached the breakpoint (STATUS_BREAKPOINT) is an exception nobody
-- handles, on a system thread: SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E,
-- P1 = 0x80000003).
scenario {
  build = "checked",
  expect = { bugcheck = 0x7E, p1 = 0x80000003, driver = "ring.sys" },
}

local Capacity = 8

local function Push(Ring, Value)
  ASSERT(Ring.Count < Capacity)
  Ring.Slots[(Ring.Head + Ring.Count) % Capacity] = Value
  Ring.Count = Ring.Count + 1
end

driver "ring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = { Head = 0, Count = 0, Slots = {} }
    for Request = 0, Capacity do             -- BUG: Capacity + 1 entries
      Push(Ring, Request)
    end
    KdPrint("ring.sys: %d requests primed\n", Ring.Count)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ring.sys"
  UnloadDriver "ring.sys"
end)
