-- iospace_unmap_above_apc: the register driver quiesces its device and drops its
-- register window while holding a spin lock: MmUnmapIoSpace may be called
-- at APC_LEVEL at most (0xC4/0x7B, P2 the IRQL, P3 the address, P4 the
-- length).
scenario {
  verifier = "/standard /driver regs.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x7B, p2 = DISPATCH_LEVEL, p4 = 0x400, driver = "regs.sys" },
}

local REGS_PHYSICAL = 0xFED00000
local REGS_BYTES = 0x400
local CONTROL = 0x10                    -- a register: writing 1 resets the device

driver "regs.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Device = {}
    Device.Regs = MmMapIoSpace(REGS_PHYSICAL, REGS_BYTES, MmNonCached)
    if Device.Regs == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Device.Regs[CONTROL] = 1
    assert(Device.Regs[CONTROL] == 1, "the register keeps what was written")
    DriverObject.DriverUnload = function(DriverObject)
      -- Quiesce the device and drop its window under a spin lock.
      local Lock = KSPIN_LOCK()
      KeInitializeSpinLock(Lock)
      local OldIrql = KeAcquireSpinLock(Lock)
      Device.Regs[CONTROL] = 0
      -- BUG: MmUnmapIoSpace at DISPATCH_LEVEL: unmap after the release.
      MmUnmapIoSpace(Device.Regs, REGS_BYTES)
      KeReleaseSpinLock(Lock, OldIrql)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "regs.sys"
  Sleep "1ms"
  UnloadDriver "regs.sys"
end)
