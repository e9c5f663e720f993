-- memcpy_overlap (clean twin): the entries move down with RtlMoveMemory, made for
-- overlapping ranges; a copy to a separate buffer uses RtlCopyMemory.
scenario {
  verifier = "/standard /driver ringlog.sys",
  expect   = "clean",
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
    RtlMoveMemory(Log, Log + ENTRY_BYTES, LOG_BYTES - ENTRY_BYTES)  -- right
    local Snapshot = ExAllocatePoolWithTag(NonPagedPoolNx, LOG_BYTES, "RLog")
    if Snapshot ~= nil then
      RtlCopyMemory(Snapshot, Log, LOG_BYTES)
      assert(Snapshot[0] == ENTRY_BYTES)
      ExFreePoolWithTag(Snapshot, "RLog")
    end
    assert(Log[0] == ENTRY_BYTES, "the second entry is first now")
    ExFreePoolWithTag(Log, "RLog")
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ringlog.sys"
  UnloadDriver "ringlog.sys"
end)
