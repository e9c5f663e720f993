-- unload_interrupt_connected: a driver whose DriverUnload frees its
-- buffers but forgets IoDisconnectInterrupt. Windows does not check this at
-- unload: the KINTERRUPT stays connected, pointing at the ServiceRoutine in
-- the unloaded image. The next interrupt from the device runs code that is
-- gone: DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE).
scenario {
  cpus = 2,
  expect = { bugcheck = 0xCE, driver = "nic.sys" },
}

driver "nic.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Frames = 0
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      Frames = Frames + 1
      return true
    end, nil, nil, 0x71, 6, 6, LevelSensitive, false, 0x3, false)
    DriverObject.DriverUnload = function(DriverObject)
      -- BUG: IoDisconnectInterrupt(InterruptObject) is missing
    end
    return status
  end,
}

run(function()
  LoadDriver "nic.sys"
  Interrupt(InterruptObject)
  Sleep "1ms"
  UnloadDriver "nic.sys"
  Interrupt(InterruptObject)                   -- the device receives one more frame
  Sleep "1ms"
end)
