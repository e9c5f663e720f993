-- io2_copied_no_completion_clean: io2_copied_no_completion.lua with every IRP passed down with
-- IoSkipCurrentIrpStackLocation: no warning. Clean under /standard.
scenario {
  verifier = "/standard /driver copyflt.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

Copy = false

local Agrees = {
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_REMOVE_DEVICE] = true,
}

driver "copyflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_BUS_EXTENDER, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(filter, BusPdo)
    Filter = filter
    filter.Flags = (filter.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE)))
                   & ~DO_DEVICE_INITIALIZING
    local function PassDown(Irp)
      if Copy then
        IoCopyCurrentIrpStackLocationToNext(Irp)   -- BUG (a warning): no completion routine follows
      else
        IoSkipCurrentIrpStackLocation(Irp)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Agrees[Minor] then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      PassDown(Irp)
      local status = IoCallDriver(Lower, Irp)
      if Minor == IRP_MN_REMOVE_DEVICE then
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
      end
      return status
    end
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      PoStartNextPowerIrp(Irp)
      PassDown(Irp)
      return PoCallDriver(Lower, Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = function(DeviceObject, Irp)
      PassDown(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "copyflt.sys"
  SendPnp(Filter, IRP_MN_START_DEVICE)
  SendPnp(Filter, IRP_MN_QUERY_REMOVE_DEVICE)
  SendPnp(Filter, IRP_MN_REMOVE_DEVICE)
  local w = Warnings()
  if Copy then
    assert(#w == 3 and w.total == 3, #w)
    for i = 1, 3 do
      assert(w[i].rule == "io2_copied_no_completion" and w[i].p1 == 0x21C)
      assert(w[i].driver == "copyflt.sys")
    end
  else
    assert(#w == 0 and w.total == 0)
  end
  UnloadDriver "copyflt.sys"
  UnloadDriver "pnpbus.sys"
end)
