-- systematic_clean: systematic low resources simulation (/flags 0x40000;
-- systematic-low-resource-simulation.md). Instead of failing allocations
-- at random after 7 minutes, the verifier fails the first call from each
-- stack of the driver, from boot, and lets every later call from the same
-- stack through, so every allocation path meets one failure on the first
-- run, whatever the seed. A stack is every line of the calling routine's
-- frames, not only the innermost: cache.sys allocates through one helper
-- (one innermost line) reached three ways (Fill from two lines of
-- DriverEntry, and DriverEntry itself) and once directly, with one retry
-- from the same line: four stacks, four failures however often it loops,
-- and it checks every result. Loaded a second time, its stacks are the
-- same ones (Windows recognises a stack after a reload at another base;
-- drvsim's stacks are scenario lines): no new failure.
scenario {
  verifier = "/flags 0x40000 /driver cache.sys",
  expect = "clean",
}

local TAG = "Cach"

local function Alloc(Bytes)
  return ExAllocatePool2(POOL_FLAG_NON_PAGED, Bytes, TAG) -- may fail: callers check
end

local function Fill(Count)
  for i = 1, Count do
    local Block = Alloc(64)
    if Block ~= nil then
      RtlFillMemory(Block, 64, i)
      ExFreePoolWithTag(Block, TAG)
    end
  end
end

driver "cache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Table
    for Try = 1, 2 do -- one retry: the second call comes from the same stack
      Table = ExAllocatePool2(POOL_FLAG_NON_PAGED, 256, TAG) -- stack 1
      if Table ~= nil then break end
    end
    if Table == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Fill(10)                                               -- stack 2
    local Header = Alloc(32)                               -- stack 3
    if Header ~= nil then
      ExFreePoolWithTag(Header, TAG)
    end
    Fill(5)                                                -- stack 4
    ExFreePoolWithTag(Table, TAG)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cache.sys"
  local q = Query()
  assert(q.AllocationsFailedDeliberately == 4, "one per stack: " .. q.AllocationsFailedDeliberately)
  assert(q.AllocationsSucceeded == 1 + 9 + 0 + 4, "the rest succeeded")
  UnloadDriver "cache.sys"
  LoadDriver "cache.sys"
  q = Query()
  assert(q.AllocationsFailedDeliberately == 4, "the same stacks after a reload")
  assert(q.AllocationsSucceeded == 14 + 1 + 10 + 1 + 5, "nothing failed the second time")
  UnloadDriver "cache.sys"
end)
