-- IrqlRtlPassive: oneshot.sys keeps a "first run" marker value and
-- deletes it when its first request completes, from the completion path,
-- which holds its spin lock: RtlDeleteRegistryValue at DISPATCH_LEVEL.
-- DDI compliance checking (in /standard): IrqlRtlPassive, 0xC4/0x2001E.
-- Source: windows-driver-docs-pr/devtest/wdm-irqlrtlpassive.md
scenario {
  verifier = "/standard /driver oneshot.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\oneshot\\Parameters"] = {
      FirstRun = 1,
    },
  },
  expect = { bugcheck = 0xC4, p1 = 0x2001E, driver = "oneshot.sys" },
}

driver "oneshot.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    local old = KeAcquireSpinLock(Lock)
    -- The bug: the registry routine under the spin lock.
    RtlDeleteRegistryValue(RTL_REGISTRY_SERVICES, "oneshot\\Parameters", "FirstRun")
    KeReleaseSpinLock(Lock, old)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "oneshot.sys"
  UnloadDriver "oneshot.sys"
end)
