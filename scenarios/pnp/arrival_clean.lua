-- arrival_clean: a device on the root bus with a function driver and a
-- lower filter, through Windows' PnP flow: arrival (both drivers loaded,
-- AddDevice bottom up, IRP_MN_START_DEVICE with the resources, the queries
-- after start), the harness' queries (capabilities, IDs, text, relations),
-- a cancelled stop, a rebalance (QUERY_STOP, STOP, START), and an orderly
-- removal (QUERY_REMOVE, REMOVE) after which both drivers unload. Every
-- IRP the filter does not own goes down with IoSkipCurrentIrpStackLocation;
-- the function driver handles START on the way up (a completion routine
-- returning STATUS_MORE_PROCESSING_REQUIRED, then IoCompleteRequest), and
-- passes the rest down. Under /standard: clean.
scenario {
  verifier = "/standard /driver simple.sys lowflt.sys",
  devices = {
    { name = "dev", hardware_id = "ROOT\\SIMPLE", driver = "simple.sys",
      lower_filters = { "lowflt.sys" }, description = "A simple device",
      resources = {
        { type = "port", start = 0x300, length = 8 },
        { type = "interrupt", level = 5, vector = 0x35, affinity = 1 },
      } },
  },
  expect = "clean",
}

Seen = {}

driver "lowflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function PassDown(DeviceObject, Irp)
      local Ext = DeviceObject.DeviceExtension
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Ext:ptr(0), Irp)
    end
    for mj = 0, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[mj] = PassDown
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Ext = DeviceObject.DeviceExtension
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Minor = Stack.MinorFunction
      Seen[#Seen + 1] = Minor
      local Lower = Ext:ptr(0)
      IoSkipCurrentIrpStackLocation(Irp)
      local status = IoCallDriver(Lower, Irp)
      if Minor == IRP_MN_REMOVE_DEVICE then
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
      end
      return status
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 8, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      Fdo.DeviceExtension:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      Fdo.Flags = Fdo.Flags | DO_POWER_PAGABLE
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

driver "simple.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function Complete(Irp, Status)
      Irp.IoStatus.Status = Status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    local function PassDown(DeviceObject, Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(DeviceObject.DeviceExtension:ptr(0), Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Ext = DeviceObject.DeviceExtension
      local Lower = Ext:ptr(0)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Minor = Stack.MinorFunction
      if Minor == IRP_MN_START_DEVICE then
        -- Down first, then start on the way up.
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
        Seen.dbg = status
        if NT_SUCCESS(status) then
          local List = Stack.Parameters.StartDevice.AllocatedResources
          local Partial = List.List.PartialResourceList
          assert(Partial.Count == 2)
          local Port = Partial.PartialDescriptors
          assert(Port.Type == CmResourceTypePort and Port.u.Port.Start == 0x300)
          Seen.started = (Seen.started or 0) + 1
        end
        return Complete(Irp, status)
      elseif Minor == IRP_MN_QUERY_STOP_DEVICE or Minor == IRP_MN_QUERY_REMOVE_DEVICE
          or Minor == IRP_MN_STOP_DEVICE or Minor == IRP_MN_CANCEL_STOP_DEVICE
          or Minor == IRP_MN_CANCEL_REMOVE_DEVICE or Minor == IRP_MN_SURPRISE_REMOVAL then
        Irp.IoStatus.Status = STATUS_SUCCESS
        return PassDown(DeviceObject, Irp)
      elseif Minor == IRP_MN_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
        local status = PassDown(DeviceObject, Irp)
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        return status
      end
      return PassDown(DeviceObject, Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_POWER] = PassDown
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = PassDown
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 8, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      Fdo.DeviceExtension:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      Fdo.Flags = Fdo.Flags | DO_POWER_PAGABLE
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(Seen.started == 1, tostring(Seen.dbg))
  local status, caps = QueryDevice("dev", "capabilities")
  assert(status == STATUS_SUCCESS and caps.DeviceState[1] == 1, string.format("%x %s %s %s", status, tostring(caps.DeviceState[1]), tostring(caps.DeviceState[4]), tostring(caps.Removable)))
  assert(status == STATUS_SUCCESS and caps.DeviceState[PowerSystemWorking] == PowerDeviceD0)
  assert(caps.DeviceState[PowerSystemSleeping3] == PowerDeviceD3)
  local status2, id = QueryDevice("dev", "id", BusQueryHardwareIDs)
  assert(status2 == STATUS_SUCCESS and id == "ROOT\\SIMPLE", id)
  local status3, text = QueryDevice("dev", "text", DeviceTextDescription)
  assert(status3 == STATUS_SUCCESS and text == "A simple device")
  -- Nobody answers BusRelations or a location: the IRP comes back with the
  -- status the PnP manager set.
  assert(QueryDevice("dev", "relations", BusRelations) == STATUS_NOT_SUPPORTED)
  assert(QueryDevice("dev", "text", DeviceTextLocationInformation) == STATUS_NOT_SUPPORTED)
  assert(QueryDevice("dev", "relations", TargetDeviceRelation) == STATUS_SUCCESS)
  assert(StopDevice("dev", "cancel") == STATUS_SUCCESS)
  assert(StopDevice "dev" == STATUS_SUCCESS)
  assert(Seen.started == 2)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
  -- The filter saw the whole flow, in Windows' order.
  local expected = { IRP_MN_START_DEVICE, IRP_MN_QUERY_CAPABILITIES, IRP_MN_QUERY_PNP_DEVICE_STATE,
    IRP_MN_QUERY_DEVICE_RELATIONS, IRP_MN_QUERY_CAPABILITIES, IRP_MN_QUERY_ID,
    IRP_MN_QUERY_DEVICE_TEXT, IRP_MN_QUERY_DEVICE_RELATIONS, IRP_MN_QUERY_DEVICE_TEXT,
    IRP_MN_QUERY_DEVICE_RELATIONS, IRP_MN_QUERY_STOP_DEVICE, IRP_MN_CANCEL_STOP_DEVICE,
    IRP_MN_QUERY_STOP_DEVICE, IRP_MN_STOP_DEVICE, IRP_MN_START_DEVICE,
    IRP_MN_QUERY_REMOVE_DEVICE, IRP_MN_REMOVE_DEVICE }
  assert(#Seen == #expected, #Seen)
  for i, m in ipairs(expected) do assert(Seen[i] == m, i) end
end)
