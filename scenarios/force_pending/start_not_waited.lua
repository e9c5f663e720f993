-- start_not_waited: syncfwd.sys forwards IRP_MN_START_DEVICE to the bus with a
-- completion routine that signals an event, and then reads Irp->IoStatus and
-- completes the IRP without waiting on the event: it assumes the bus
-- driver completes START at once, which the root bus does. Force pending I/O
-- (/flags 0x200) makes that IoCallDriver return STATUS_PENDING and holds the
-- completion below syncfwd.sys; the IoCompleteRequest that follows completes
-- an IRP the bus still holds pending (0xC9, P1 = 0x209, P4 the PDO). Seed 1
-- forces the START; `drvsim explore-faults` finds it whatever the seed (the
-- site of the IoCallDriver for START is the one that bug-checks).
-- Source: windows-driver-docs-pr/devtest/force-pending-i-o-requests.md
scenario {
  verifier = "/standard /flags 0x200 /driver syncfwd.sys",
  devices = {
    { name = "dev", hardware_id = "ROOT\\SYNCFWD", driver = "syncfwd.sys" },
  },
  expect = { bugcheck = 0xC9, p1 = 0x209, driver = "syncfwd.sys" },
}

driver "syncfwd.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Lower = DeviceObject.DeviceExtension:ptr(0)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_START_DEVICE then
        local Event = KEVENT()
        KeInitializeEvent(Event, NotificationEvent, false)
        IoCopyCurrentIrpStackLocationToNext(Irp)
        IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
          KeSetEvent(Event, IO_NO_INCREMENT, false)
          return STATUS_MORE_PROCESSING_REQUIRED
        end, nil, true, true, true)
        IoCallDriver(Lower, Irp)
        -- BUG: no wait when IoCallDriver returns STATUS_PENDING.
        local status = Irp.IoStatus.Status
        Irp.IoStatus.Status = status
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return status
      end
      if Minor == IRP_MN_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        return status
      end
      if Minor == IRP_MN_QUERY_REMOVE_DEVICE or Minor == IRP_MN_SURPRISE_REMOVAL then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 8, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      Fdo.DeviceExtension:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      Fdo.Flags = (Fdo.Flags | DO_POWER_PAGABLE) & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}
run(function()
  assert(PlugDevice("dev") == STATUS_SUCCESS)
  assert(RemoveDevice("dev") == STATUS_SUCCESS)
end)
