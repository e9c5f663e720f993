-- wait_at_dispatch_timeout: an I2C bus driver serialises transfers with a
-- spin lock and, with the lock held, gives the controller 1 ms to finish a
-- transfer with KeDelayExecutionThread. Any wait at DISPATCH_LEVEL other
-- than a zero-timeout poll is illegal (the processor cannot be given away
-- while it holds a spin lock): 0xC4/0x122 (P2 the IRQL, DISPATCH_LEVEL;
-- P3 0, a delay waits on no object; P4 the interval, -1 ms relative).
-- (drvsim gives the IRQL and the timeout's value where Windows gives their
-- addresses: README, "Parameters that differ from Windows".)
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlKeApcLte1 (0x2000F) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver i2cbus.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x122, p2 = DISPATCH_LEVEL, p3 = 0, p4 = -10000 * 1,
               driver = "i2cbus.sys" },
}

local TRANSFER_TIME = -10000 * 1   -- the controller needs up to 1 ms per transfer

driver "i2cbus.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    BusLock, Stop = KSPIN_LOCK(), KEVENT()
    KeInitializeSpinLock(BusLock)
    KeInitializeEvent(Stop, NotificationEvent, false)
    Controller = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "I2cC")   -- address, data, status
    if Controller == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Controller, 8)
    Transfers = 0

    local function Transfer(Address, Data)
      local OldIrql = KeAcquireSpinLock(BusLock)
      Controller[0], Controller[1], Controller[2] = Address, Data, 1   -- start
      -- BUG: waits at DISPATCH_LEVEL, with the bus lock held.
      KeDelayExecutionThread(KernelMode, false, TRANSFER_TIME)
      Controller[2] = 0                                                 -- done
      Transfers = Transfers + 1
      KeReleaseSpinLock(BusLock, OldIrql)
    end

    -- Two clients of the bus: a thermal sensor at 0x48 and an EEPROM at 0x50.
    Clients = {}
    for _, Address in ipairs({ 0x48, 0x50 }) do
      local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
        while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 10) == STATUS_TIMEOUT do
          Transfer(Address, math.random(0, 255))
        end
        PsTerminateSystemThread(STATUS_SUCCESS)
      end, nil)
      if status == STATUS_SUCCESS then
        local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
        ZwClose(handle)
        Clients[#Clients + 1] = object
      end
    end

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      for _, Client in ipairs(Clients) do
        KeWaitForSingleObject(Client, Executive, KernelMode, false, nil)
        ObDereferenceObject(Client)
      end
      ExFreePoolWithTag(Controller, "I2cC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "i2cbus.sys"
  Sleep "100ms"
  UnloadDriver "i2cbus.sys"
end)
