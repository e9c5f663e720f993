-- memcpy_overlap: a logging driver drops the oldest entry of its log by
-- copying the rest down one entry with RtlCopyMemory: source and
-- destination overlap, which memcpy does not allow (0xC4/0xF0, P2 the
-- destination, P3 the source, P4 the length).
scenario {
  verifier = "/standard /driver ringlog.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xF0, p4 = 256 - 16, driver = "ringlog.sys" },
}

local LOG_BYTES = 256
local ENTRY_BYTES = 16

driver "ringlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Log = ExAllocatePoolWithTag(NonPagedPoolNx, LOG_BYTES, "RLog")
    if Log == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    for i = 0, LOG_BYTES - 1 do
      Log[i] = i % 251
    end
    -- Drop the oldest entry: everything moves down by one entry.
    -- BUG: overlapping ranges: RtlMoveMemory.
    RtlCopyMemory(Log, Log + ENTRY_BYTES, LOG_BYTES - ENTRY_BYTES)
    assert(Log[0] == ENTRY_BYTES, "the second entry is first now")
    ExFreePoolWithTag(Log, "RLog")
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ringlog.sys"
  UnloadDriver "ringlog.sys"
end)
