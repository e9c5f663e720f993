-- wait_at_dispatch_timeout, clean twin: the bus is serialised by a lock that
-- may be held across a wait (a synchronization event, initially signalled:
-- one owner at a time, at PASSIVE_LEVEL), so giving the controller 1 ms with
-- KeDelayExecutionThread is legal; unload stops both client threads and
-- frees the controller block.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  verifier = "/standard /driver i2cbus.sys",
  expect   = "clean",
}

local TRANSFER_TIME = -10000 * 1   -- the controller needs up to 1 ms per transfer

driver "i2cbus.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    BusFree, Stop = KEVENT(), KEVENT()
    KeInitializeEvent(BusFree, SynchronizationEvent, true)   -- a passive-level bus lock
    KeInitializeEvent(Stop, NotificationEvent, false)
    Controller = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "I2cC")   -- address, data, status
    if Controller == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Controller, 8)
    Transfers = 0

    local function Transfer(Address, Data)
      KeWaitForSingleObject(BusFree, Executive, KernelMode, false, nil)
      assert(Controller[2] == 0, "one transfer at a time")
      Controller[0], Controller[1], Controller[2] = Address, Data, 1   -- start
      KeDelayExecutionThread(KernelMode, false, TRANSFER_TIME)
      Controller[2] = 0                                                 -- done
      Transfers = Transfers + 1
      KeSetEvent(BusFree, 0, false)
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
  assert(Transfers >= 10, "both clients used the bus")
end)
