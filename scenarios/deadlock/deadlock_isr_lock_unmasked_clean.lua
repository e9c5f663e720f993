-- deadlock_isr_lock_unmasked_clean: the serial driver of
-- deadlock_isr_lock_unmasked with the fix: the receive buffer is the
-- interrupt's to guard. The ISR runs under the interrupt spin lock already;
-- the read path takes it with KeSynchronizeExecution, which raises to the
-- device IRQL first, so the interrupt cannot arrive under it.
scenario {
  verifier = "/flags 0x20 /driver serx.sys",
  expect = "clean",
}

driver "serx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RxBytes = 0
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      RxBytes = RxBytes + 1
      return true
    end, nil, nil, 0x81, 5, 5, LevelSensitive, false, 0x1, false)

    -- The read path.
    KeSynchronizeExecution(InterruptObject, function(SynchronizeContext)
      RxBytes = 0
      return true
    end, nil)

    DriverObject.DriverUnload = function(DriverObject)
      IoDisconnectInterrupt(InterruptObject)
    end
    return status
  end,
}

run(function()
  LoadDriver "serx.sys"
  Interrupt(InterruptObject)
  Sleep "1ms"
  UnloadDriver "serx.sys"
end)
