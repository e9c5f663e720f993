-- Benchmark: what a device arrival and its removal cost. A function driver
-- over a lower filter (both passing what they do not own down) arrives and
-- is removed PNP_CYCLES times (default 1,000): per cycle the root bus's
-- enumeration queries, two AddDevice calls, START_DEVICE and the three
-- queries after it, QUERY_REMOVE and REMOVE_DEVICE (11 IRPs), and the two
-- drivers' loads and unloads (the PnP manager unloads them with their last
-- device). Unverified, so that the figure is the PnP manager's.
scenario { verifier = "/flags 0x0 /driver none.sys", expect = "clean",
  devices = { { name = "d", hardware_id = "ROOT\\BENCH", driver = "fdo.sys",
                lower_filters = { "flt.sys" } } } }

local function stack_driver(function_driver)
  return {
    DriverEntry = function(DriverObject, RegistryPath)
      local function PassDown(DeviceObject, Irp)
        local Lower = DeviceObject.DeviceExtension:ptr(0)
        local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
        if function_driver and (Minor == IRP_MN_START_DEVICE or Minor == IRP_MN_QUERY_REMOVE_DEVICE
            or Minor == IRP_MN_REMOVE_DEVICE) then
          Irp.IoStatus.Status = STATUS_SUCCESS
        end
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        if Minor == IRP_MN_REMOVE_DEVICE then
          IoDetachDevice(Lower)
          IoDeleteDevice(DeviceObject)
        end
        return status
      end
      DriverObject.MajorFunction[IRP_MJ_PNP] = PassDown
      DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
        local status, Fdo = IoCreateDevice(DriverObject, 8, nil, FILE_DEVICE_UNKNOWN, 0, false)
        if status ~= STATUS_SUCCESS then return status end
        Fdo.DeviceExtension:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
        Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
        return STATUS_SUCCESS
      end
      DriverObject.DriverUnload = function(DriverObject) end
      return STATUS_SUCCESS
    end,
  }
end

driver "flt.sys" (stack_driver(false))
driver "fdo.sys" (stack_driver(true))

run(function()
  for _ = 1, PNP_CYCLES or 1000 do
    assert(PlugDevice "d" == STATUS_SUCCESS)
    assert(RemoveDevice "d" == STATUS_SUCCESS)
  end
end)
