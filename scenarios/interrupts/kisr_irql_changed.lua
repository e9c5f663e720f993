-- kisr_irql_changed: a timer-chip driver whose ISR raises to HIGH_LEVEL to
-- read a pair of counter registers without another interrupt in between,
-- and on the "counter wrapped" path returns early without lowering the
-- IRQL again. The interrupt dispatcher finds the processor at HIGH_LEVEL
-- instead of the device IRQL when the ISR returns: IRQL_UNEXPECTED_VALUE
-- (0xC8, P1 = current << 16 | expected << 8 | 3, P2 the ServiceRoutine, P3
-- the KINTERRUPT). The kernel makes this check, verifier or not.
scenario {
  cpus = 2,
  expect = { bugcheck = 0xC8, p1 = 0x0F0703, driver = "tick.sys" },
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
