-- leak_on_unload: a driver forgets to free its buffer in DriverUnload (the CONTRACT's first example).
scenario {
  name     = "leak at unload",                     -- default: the file name
  verifier = "/flags 0x8 /driver leaky.sys",      -- verifier.exe syntax, or a table
  gflags   = nil,                                  -- e.g. "+spp Leak"
  cpus     = 2,  arch = "x64",  memory = "4GB",    -- defaults; arch "x64" | "x86"
  build    = "free",                               -- "free" | "checked"
  seed     = 1,
  limit    = "1h",                                 -- simulated-time bound: outcome "timeout"
  expect   = { bugcheck = 0xC4, p1 = 0x62, driver = "leaky.sys" },  -- or "clean" (default)
}

driver "leaky.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Leak")
    DriverObject.DriverUnload = function(DriverObject) end   -- forgets ExFreePool(Buffer)
    return STATUS_SUCCESS
  end,
}

run(function()                     -- the test body: a System thread at PASSIVE_LEVEL
  LoadDriver "leaky.sys"
  Sleep "10s"
  UnloadDriver "leaky.sys"
end)
