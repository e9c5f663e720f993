-- IrqlKeRaiseLower: hwmon.sys samples its sensor block at DISPATCH_LEVEL
-- (KeRaiseIrqlToDpcLevel) so that no DPC on this processor interleaves with
-- the read. BUG: when the sensor is not ready, the helper lowers the IRQL
-- on its error path and then falls through to the common exit, which
-- lowers it again. The second KeLowerIrql goes to the IRQL the processor
-- is already at, which Windows allows, so Driver Verifier says nothing; SDV's
-- IrqlKeRaiseLower rule wants each KeLowerIrql to undo a KeRaiseIrql, and
-- drvsim checks it at run time: 0xC4, P1 its private code (0xD0020001).
scenario {
  verifier = "/sdv /driver hwmon.sys",
  expect = { bugcheck = 0xC4, p1 = 0xD0020001, driver = "hwmon.sys" },
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
        KeLowerIrql(OldIrql)                  -- BUG: the exit below lowers it too
      else
        Value = SensorValue
      end
      KeLowerIrql(OldIrql)
      return Value
    end

    Samples[1] = ReadSensor()                 -- not ready yet: nil
    Samples[2] = ReadSensor()
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "hwmon.sys"
  UnloadDriver "hwmon.sys"
end)
