-- IrqlKeRaiseLower, clean twin: hwmon.sys's sensor read raises the IRQL
-- once and lowers it once on every path. Its timer DPC samples too, already
-- at DISPATCH_LEVEL: raising to DISPATCH_LEVEL there and lowering back to it
-- nest as the rule allows.
scenario {
  verifier = "/standard /sdv /driver hwmon.sys",
  expect = "clean",
}

driver "hwmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- The sensor block: a ready flag and a temperature, as the device
    -- presents them; it becomes ready after its first sample.
    SensorReady, SensorValue, Samples = false, 41, {}

    local function ReadSensor()
      local Value = nil
      local OldIrql = KeRaiseIrqlToDpcLevel()
      if not SensorReady then
        SensorReady = true
      else
        Value = SensorValue
      end
      KeLowerIrql(OldIrql)
      return Value
    end

    Samples[1] = ReadSensor()                 -- not ready yet: nil
    Samples[2] = ReadSensor()
    SampleTimer, SampleDpc = KTIMER(), KDPC()
    KeInitializeTimer(SampleTimer)
    KeInitializeDpc(SampleDpc, function(Dpc, Context, Argument1, Argument2)
      Samples[#Samples + 1] = ReadSensor()
    end, nil)
    KeSetTimerEx(SampleTimer, -10000 * 100, 100, SampleDpc)   -- every 100 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(SampleTimer)
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "hwmon.sys"
  Sleep "1s"
  UnloadDriver "hwmon.sys"
end)
