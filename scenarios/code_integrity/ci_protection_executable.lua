-- ci_protection_executable: the register driver maps its window with
-- MmMapIoSpaceEx and PAGE_EXECUTE_READWRITE: device memory the processor
-- could execute. Code integrity checks give 0xC4/0x2001 (P3 the
-- protection asked for).
scenario {
  verifier = "/flags 0x20209BB /driver regs.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2001, p3 = PAGE_EXECUTE_READWRITE | PAGE_NOCACHE, p4 = 0,
               driver = "regs.sys" },
}

local REGS_PHYSICAL = 0xFED00000
local REGS_BYTES = 0x400
local CONTROL = 0x10                    -- a register: writing 1 resets the device

driver "regs.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Device = {}
    -- BUG: registers are data: PAGE_READWRITE | PAGE_NOCACHE.
    Device.Regs = MmMapIoSpaceEx(REGS_PHYSICAL, REGS_BYTES, PAGE_EXECUTE_READWRITE | PAGE_NOCACHE)
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
