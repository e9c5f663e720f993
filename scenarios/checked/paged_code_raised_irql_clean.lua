-- paged_code_raised_irql_clean: the configuration driver reads its
-- defaults at PASSIVE_LEVEL into a local copy, then publishes them under
-- the spin lock: PAGED_CODE holds in the checked build.
scenario { build = "checked", expect = "clean" }

local function ReadDefaults(Config)
  PAGED_CODE()
  Config.Retries = 3
  Config.TimeoutMs = 500
end

driver "cfg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    local Defaults = {}
    ReadDefaults(Defaults)
    local OldIrql = KeAcquireSpinLock(Lock)
    Config = Defaults
    KeReleaseSpinLock(Lock, OldIrql)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfg.sys"
  UnloadDriver "cfg.sys"
end)
