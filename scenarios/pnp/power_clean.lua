-- power_clean: the power manager's system transitions as two devices see
-- them. "a" (arrived first) and "b" are stacks of pwr.sys, which logs each
-- S-IRP and passes it down (not a policy owner), registers for idle
-- detection and marks itself busy. Going to S3 the power manager queries
-- then sets, "b" before "a" (the reverse of arrival); waking, S0 is set in
-- arrival order with no query. Device "b" vetoes the hibernation query: the
-- queried devices get S0 back and SetSystemPowerState returns the veto.
-- Shutdown sets S5 with no query. A policy owner's D-IRP (PoRequestPowerIrp)
-- and its callback are in the reference pair (reference_pair_clean).
scenario {
  verifier = "/standard /driver pwr.sys",
  devices = {
    { name = "a", hardware_id = "ROOT\\PWRA", driver = "pwr.sys" },
    { name = "b", hardware_id = "ROOT\\PWRB", driver = "pwr.sys" },
  },
  expect = "clean",
}

Log = {}

driver "pwr.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      local E = DeviceObject.DeviceExtension
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local P = Stack.Parameters.Power
      local who = E:u8(16) == 1 and "a" or "b"
      Log[#Log + 1] = string.format("%s %s S%d", who,
        Stack.MinorFunction == IRP_MN_QUERY_POWER and "query" or "set", P.State.SystemState - 1)
      if Stack.MinorFunction == IRP_MN_QUERY_POWER and who == "b"
          and P.State.SystemState == PowerSystemHibernate then
        PoStartNextPowerIrp(Irp)
        Irp.IoStatus.Status = STATUS_UNSUCCESSFUL -- vetoes hibernation
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return STATUS_UNSUCCESSFUL
      end
      PoSetDeviceBusy(E:ptr(8))
      Irp.IoStatus.Status = STATUS_SUCCESS
      PoStartNextPowerIrp(Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return PoCallDriver(E:ptr(0), Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local E = DeviceObject.DeviceExtension
      local Lower = E:ptr(0)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_REMOVE_DEVICE then
        PoRegisterDeviceForIdleDetection(DeviceObject, 0, 0, PowerDeviceD3) -- unregisters
        Irp.IoStatus.Status = STATUS_SUCCESS
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        return status
      end
      if Minor == IRP_MN_START_DEVICE or Minor == IRP_MN_QUERY_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 24, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      local E = Fdo.DeviceExtension
      E:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      E:set_ptr(8, PoRegisterDeviceForIdleDetection(Fdo, 60, 10, PowerDeviceD3))
      assert(E:ptr(8) ~= nil)
      Devices = (Devices or 0) + 1
      E:set_u8(16, Devices)
      assert(PoSetPowerState(Fdo, DevicePowerState, PowerDeviceD0) == PowerDeviceD0)
      Fdo.Flags = Fdo.Flags | DO_POWER_PAGABLE
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

local function expect(list)
  assert(#Log == #list, table.concat(Log, ", "))
  for i, v in ipairs(list) do assert(Log[i] == v, table.concat(Log, ", ")) end
  Log = {}
end

run(function()
  assert(PlugDevice "a" == STATUS_SUCCESS)
  assert(PlugDevice "b" == STATUS_SUCCESS)
  assert(SetSystemPowerState(PowerSystemSleeping3) == STATUS_SUCCESS)
  expect { "b query S3", "a query S3", "b set S3", "a set S3" }
  assert(SetSystemPowerState(PowerSystemWorking) == STATUS_SUCCESS)
  expect { "a set S0", "b set S0" }
  assert(SetSystemPowerState(PowerSystemHibernate) == STATUS_UNSUCCESSFUL)
  expect { "b query S4", "b set S0" }
  assert(SetSystemPowerState(PowerSystemShutdown) == STATUS_SUCCESS)
  expect { "b set S5", "a set S5" }
  assert(RemoveDevice "a" == STATUS_SUCCESS)
  assert(RemoveDevice "b" == STATUS_SUCCESS)
end)
