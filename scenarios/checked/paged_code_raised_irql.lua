-- paged_code_raised_irql: a checked build of a driver with a pageable
-- configuration routine (PAGED_CODE() as its first statement). LoadConfig
-- calls it while holding the device spin lock, at DISPATCH_LEVEL. In a free
-- build this works until the day the page is out; the checked build's
-- PAGED_CODE is NT_ASSERT(KeGetCurrentIrql() <= APC_LEVEL), an int 2c that,
-- with no debugger attached, raises STATUS_ASSERTION_FAILURE; unhandled on
-- a system thread: SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E, P1 =
-- 0xC0000420).
scenario {
  build = "checked",
  expect = { bugcheck = 0x7E, p1 = 0xC0000420, driver = "cfg.sys" },
}

local function ReadDefaults(Config)
  PAGED_CODE()
  Config.Retries = 3
  Config.TimeoutMs = 500
end

driver "cfg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    Config = {}
    local OldIrql = KeAcquireSpinLock(Lock)
    ReadDefaults(Config)                      -- BUG: pageable code at DISPATCH_LEVEL
    KeReleaseSpinLock(Lock, OldIrql)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfg.sys"
  UnloadDriver "cfg.sys"
end)
