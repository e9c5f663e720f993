-- IrqlRtlPassive, clean twin: oneshot.sys notes under its spin lock
-- that the marker must go, and deletes the value after releasing the lock,
-- at PASSIVE_LEVEL. The harness sees the value gone. Clean.
-- Source: windows-driver-docs-pr/devtest/wdm-irqlrtlpassive.md
scenario {
  verifier = "/standard /driver oneshot.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\oneshot\\Parameters"] = {
      FirstRun = 1,
    },
  },
  expect = "clean",
}

driver "oneshot.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    local old = KeAcquireSpinLock(Lock)
    local delete = true
    KeReleaseSpinLock(Lock, old)
    if delete then
      local status = RtlDeleteRegistryValue(RTL_REGISTRY_SERVICES, "oneshot\\Parameters",
                                            "FirstRun")
      assert(status == STATUS_SUCCESS)
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  local path = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\oneshot\\Parameters"
  assert(RegistryGet(path, "FirstRun") == 1)
  LoadDriver "oneshot.sys"
  assert(RegistryGet(path, "FirstRun") == nil)
  UnloadDriver "oneshot.sys"
end)
