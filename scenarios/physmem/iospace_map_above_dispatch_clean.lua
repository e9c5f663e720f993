-- iospace_map_above_dispatch (clean twin): the window is mapped at PASSIVE_LEVEL in
-- DriverEntry and unmapped at PASSIVE_LEVEL in DriverUnload; the register
-- keeps what the driver writes.
scenario {
  verifier = "/standard /driver regs.sys",
  expect   = "clean",
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
