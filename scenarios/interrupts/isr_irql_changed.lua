-- isr_irql_changed: kisr_irql_changed's timer-chip driver, verified. Its
-- ISR raises to HIGH_LEVEL and on the "counter wrapped" path returns without
-- lowering the IRQL again. For a verified driver the interrupt dispatcher's
-- check is Driver Verifier's: 0xC4/0x111 (P2 the ISR's address, P3 the IRQL
-- it was called at, the device IRQL 7; P4 the IRQL it returned at,
-- HIGH_LEVEL), where the kernel alone raises 0xC8.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  cpus = 2,
  verifier = "/standard /driver tick.sys",
  expect = { bugcheck = 0xC4, p1 = 0x111, p3 = 7, p4 = HIGH_LEVEL, driver = "tick.sys" },
}

local LOW, HIGH = 0, 1                 -- counter register offsets
local DEVICE_IRQL = 7

driver "tick.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Registers = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "Tick")
    RtlZeroMemory(Registers, 8)
    Ticks, Wraps = 0, 0
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      local OldIrql = KeRaiseIrql(HIGH_LEVEL)
      local low, high = Registers[LOW], Registers[HIGH]
      if low == 0 and high == 0 then
        Wraps = Wraps + 1
        return true                            -- BUG: still at HIGH_LEVEL
      end
      KeLowerIrql(OldIrql)
      Ticks = high * 256 + low
      return true
    end, nil, nil, 0x62, DEVICE_IRQL, DEVICE_IRQL, Latched, false, 0x3, false)
    DriverObject.DriverUnload = function(DriverObject)
      IoDisconnectInterrupt(InterruptObject)
      ExFreePoolWithTag(Registers, "Tick")
    end
    return status
  end,
}

run(function()
  LoadDriver "tick.sys"
  for tick = 1, 300 do                         -- the counter wraps at 256
    Registers[LOW] = tick % 256
    Registers[HIGH] = 0
    Interrupt(InterruptObject)
    Sleep "1ms"
  end
  UnloadDriver "tick.sys"
end)
