-- The table form of scenario{ verifier }: the same settings as
-- "/flags 0x8 /driver tbl.sys /faults 100 \"Leak Tmp?\" \"\" 3", written as a
-- table. Pool tracking is on, so the leak is caught at unload (0xC4/0x62);
-- low resources simulation is on but fails nothing before its 3 minutes.
scenario {
  verifier = {
    flags   = 0x8,
    drivers = { "tbl.sys" },
    faults  = { probability = 100, tags = { "Leak", "Tmp?" }, delay = 3 },
  },
  expect = { bugcheck = 0xC4, p1 = 0x62, p4 = 1, driver = "tbl.sys" },
}

driver "tbl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Kept = ExAllocatePoolWithTag(PagedPool, 32, "Leak")
    DriverObject.DriverUnload = function(DriverObject) end -- the leak
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "tbl.sys"
  local counters = Query().drivers["tbl.sys"]
  assert(counters.CurrentPagedPoolAllocations == 1, "pool tracking is on")
  UnloadDriver "tbl.sys"
end)
