-- power_request_at_dispatch: a power policy owner requests device power
-- IRPs from a DPC, at DISPATCH_LEVEL, as one does from an S-IRP's
-- completion routine when the S-IRP completed at DISPATCH_LEVEL (on
-- Windows that is routine: a bus driver completing from its DPC, or
-- Driver Verifier's forced pending I/O). Device "pg" is a stack of
-- pwrq.sys over the root enumerator's PDO, pageable (DO_POWER_PAGABLE) as
-- its PDO is. The power manager does not send the D-IRPs from the DPC: it
-- queues each to a system worker thread, which sends it at PASSIVE_LEVEL,
-- so the DispatchPower routine (which may page) runs where the flag
-- promises and its forward with PoCallDriver is no 0xC9/0x23A. Each
-- request returns STATUS_PENDING and its callback runs once the worker has
-- sent it. (A stack with no pageable device may get its power IRPs at
-- DISPATCH_LEVEL on Windows; drvsim's PDOs are all pageable.)
scenario {
  verifier = "/standard /iolevel 2 /driver pwrq.sys",
  devices = {
    { name = "pg", hardware_id = "ROOT\\PWRQPG", driver = "pwrq.sys" },
  },
  expect = "clean",
}

-- DEVICE_EXTENSION: Lower 0x0, Pdo 0x8.
Log = {}
Target = PowerDeviceD3

-- PREQUEST_POWER_COMPLETE: the D-IRP is back up.
local function DIrpDone(DeviceObject, MinorFunction, PowerState, Context, IoStatus)
  Log[#Log + 1] = string.format("done D%d 0x%X", PowerState - 1, IoStatus.Status)
  KeSetEvent(Done, IO_NO_INCREMENT, false)
end

driver "pwrq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Dpc, Done = KDPC(), KEVENT()
    KeInitializeEvent(Done, NotificationEvent, false)
    KeInitializeDpc(Dpc, function(Dpc, Context, Argument1, Argument2)
      local status = PoRequestPowerIrp(Fdo.DeviceExtension:ptr(8), IRP_MN_SET_POWER, Target,
                                       DIrpDone, Fdo, nil)
      local Irql = KeGetCurrentIrql() -- a DDI: the worker may run meanwhile
      Log[#Log + 1] = string.format("requested D%d at %d: 0x%X", Target - 1, Irql, status)
    end, nil)
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      local E = DeviceObject.DeviceExtension
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      if Stack.MinorFunction == IRP_MN_SET_POWER and
         Stack.Parameters.Power.Type == DevicePowerState then
        local State = Stack.Parameters.Power.State.DeviceState
        local Irql, Thread = KeGetCurrentIrql(), PsGetCurrentThreadId()
        Log[#Log + 1] = string.format("D%d at %d on %s", State - 1, Irql,
                                      Thread == Harness and "the harness thread" or "another thread")
        PoSetPowerState(DeviceObject, DevicePowerState, State)
      end
      PoStartNextPowerIrp(Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return PoCallDriver(E:ptr(0), Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local E = DeviceObject.DeviceExtension
      local Lower = E:ptr(0)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_REMOVE_DEVICE then
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
      local status, Device = IoCreateDevice(DriverObject, 16, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      local E = Device.DeviceExtension
      local Lower = IoAttachDeviceToDeviceStack(Device, Pdo)
      if Lower == nil then
        IoDeleteDevice(Device)
        return STATUS_NO_SUCH_DEVICE
      end
      E:set_ptr(0, Lower)
      E:set_ptr(8, Pdo)
      Fdo = Device
      Device.Flags = Device.Flags | DO_POWER_PAGABLE -- its DispatchPower may page
      Device.Flags = Device.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  Harness = PsGetCurrentThreadId()
  assert(PlugDevice "pg" == STATUS_SUCCESS)
  for _, State in ipairs { PowerDeviceD3, PowerDeviceD0 } do
    Target = State
    KeClearEvent(Done)
    assert(KeInsertQueueDpc(Dpc, nil, nil))
    KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
  end
  -- Each request returned STATUS_PENDING at DISPATCH_LEVEL; each IRP went
  -- down at PASSIVE_LEVEL on a system worker thread (on two processors it
  -- may run before the DPC logs its request), then its callback ran.
  local text = table.concat(Log, ", ")
  local function seen(entry)
    for i, v in ipairs(Log) do
      if v == entry then return i end
    end
    error(entry .. " missing from: " .. text)
  end
  for _, D in ipairs { 3, 0 } do
    seen(string.format("requested D%d at 2: 0x103", D))
    assert(seen(string.format("D%d at 0 on another thread", D)) <
           seen(string.format("done D%d 0x0", D)), text)
  end
  assert(#Log == 6, text)
  assert(RemoveDevice "pg" == STATUS_SUCCESS)
end)
