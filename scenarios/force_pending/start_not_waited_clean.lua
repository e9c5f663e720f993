-- start_not_waited_clean: force pending I/O (/flags 0x200) makes the IoCallDriver
-- calls of syncfwd.sys return STATUS_PENDING where the root bus completes
-- IRP_MN_START_DEVICE (and the rest) at once, and completes them 1 ms later
-- from a DPC. syncfwd.sys forwards START with a completion routine that
-- signals an event and returns STATUS_MORE_PROCESSING_REQUIRED, and waits on
-- the event when IoCallDriver says STATUS_PENDING, as the WDM pattern asks:
-- clean on every seed, and under `drvsim explore-faults` with every
-- IoCallDriver site forced in turn.
-- Source: windows-driver-docs-pr/devtest/force-pending-i-o-requests.md
scenario {
  verifier = "/standard /flags 0x200 /driver syncfwd.sys",
  devices = {
    { name = "dev", hardware_id = "ROOT\\SYNCFWD", driver = "syncfwd.sys" },
  },
  expect = "clean",
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
        local status = IoCallDriver(Lower, Irp)
        if status == STATUS_PENDING then
          KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
          status = Irp.IoStatus.Status
        end
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
