-- isr_irql_changed (clean twin): the timer-chip driver lowers the IRQL
-- again before either return, so its ISR returns at the device IRQL. Clean
-- under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  cpus = 2,
  verifier = "/standard /driver tick.sys",
  expect = "clean",
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
      KeLowerIrql(OldIrql)                     -- right: on every path
      if low == 0 and high == 0 then
        Wraps = Wraps + 1
        return true
      end
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
  assert(Wraps == 1, "the wrap was seen")
end)
