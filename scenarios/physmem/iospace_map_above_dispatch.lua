-- iospace_map_above_dispatch: a driver maps its device's register window with every
-- interrupt masked; MmMapIoSpace may be called at DISPATCH_LEVEL at most
-- (0xC4/0x73, P2 the IRQL, P3 the physical address, P4 the length).
scenario {
  verifier = "/standard /driver regs.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x73, p2 = HIGH_LEVEL, p3 = 0xFED00000, p4 = 0x400,
               driver = "regs.sys" },
}

local REGS_PHYSICAL = 0xFED00000
local REGS_BYTES = 0x400
local CONTROL = 0x10                    -- a register: writing 1 resets the device

driver "regs.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Device = {}
    -- Registers are mapped with every interrupt masked, so that no ISR
    -- of the device sees a half-mapped window.
    local OldIrql = KeRaiseIrql(HIGH_LEVEL)
    -- BUG: MmMapIoSpace at HIGH_LEVEL: map at PASSIVE_LEVEL.
    Device.Regs = MmMapIoSpace(REGS_PHYSICAL, REGS_BYTES, MmNonCached)
    KeLowerIrql(OldIrql)
    if Device.Regs == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Device.Regs[CONTROL] = 1
    assert(Device.Regs[CONTROL] == 1, "the register keeps what was written")
    DriverObject.DriverUnload = function(DriverObject)
      Device.Regs[CONTROL] = 0
      MmUnmapIoSpace(Device.Regs, REGS_BYTES)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "regs.sys"
  Sleep "1ms"
  UnloadDriver "regs.sys"
end)
