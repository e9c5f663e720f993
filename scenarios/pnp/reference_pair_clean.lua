-- reference_pair_clean: the reference PnP driver pair (pnpref.sys, a
-- function driver, over pnpflt.sys, a lower filter: scenarios/pnp/drivers)
-- through a device's whole life under /standard /iolevel 2: arrival, I/O
-- through the device interface (a read pended on the cancel-safe queue and
-- completed by a write), a system sleep (S3: the S-IRP pended until the
-- D3 IRP its power policy owner requested completes) and wake (S0, D0), a
-- read pending when the device is surprise-removed (flushed), the handle
-- closed, IRP_MN_REMOVE_DEVICE, and both drivers unloaded by the PnP
-- manager with their last device. Clean on every seed (drvsim sweep).
scenario {
  verifier = "/standard /iolevel 2 /driver pnpref.sys pnpflt.sys",
  cpus = 2,
  devices = {
    { name = "ref", hardware_id = "ROOT\\PNPREF", driver = "pnpref.sys",
      lower_filters = { "pnpflt.sys" }, removable = true,
      resources = { { type = "port", start = 0x280, length = 16 } } },
  },
  expect = "clean",
}

driver "pnpref.sys" "drivers/pnpref.lua"
driver "pnpflt.sys" "drivers/pnpflt.lua"

run(function()
  assert(PlugDevice "ref" == STATUS_SUCCESS)
  local path = DeviceInterfaces("ref")[1]
  local h = assert(CreateFile(path))
  local s1, r1, e1 = ReadFile(h, 16, true)
  assert(s1 == STATUS_PENDING)
  local ws, n = WriteFile(h, "hello, device")
  assert(ws == STATUS_SUCCESS and n == 13)
  KeWaitForSingleObject(e1, Executive, KernelMode, false, nil)
  local rs, data = GetOverlappedResult(r1)
  assert(rs == STATUS_SUCCESS and data == "hello, device")
  -- Sleep and wake.
  assert(SetSystemPowerState(PowerSystemSleeping3) == STATUS_SUCCESS)
  assert(SetSystemPowerState(PowerSystemWorking) == STATUS_SUCCESS)
  -- A read waits when the device is pulled out.
  local s2, r2, e2 = ReadFile(h, 16, true)
  assert(s2 == STATUS_PENDING)
  assert(SurpriseRemoveDevice "ref" == STATUS_SUCCESS)
  KeWaitForSingleObject(e2, Executive, KernelMode, false, nil)
  assert(GetOverlappedResult(r2) == STATUS_NO_SUCH_DEVICE)
  assert(CloseHandle(h) == STATUS_SUCCESS)
  assert(RemoveDevice "ref" == STATUS_SUCCESS)
end)
