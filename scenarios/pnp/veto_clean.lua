-- veto_clean: the PnP manager's answers to drivers that say no. The
-- function driver vetoes the first IRP_MN_QUERY_REMOVE_DEVICE (an open
-- transaction): RemoveDevice returns its status after
-- IRP_MN_CANCEL_REMOVE_DEVICE; it vetoes a QUERY_STOP the same way
-- (CANCEL_STOP follows). It then reports itself failed
-- (IoInvalidateDeviceState, PNP_DEVICE_FAILED from
-- IRP_MN_QUERY_PNP_DEVICE_STATE): the PnP manager's worker stops and
-- removes it. A second device's start fails (STATUS_DEVICE_NOT_READY): the
-- PnP manager sends IRP_MN_REMOVE_DEVICE and PlugDevice returns the failure.
-- A third device's AddDevice fails: nothing attached, no IRP to the stack.
scenario {
  verifier = "/standard /driver veto.sys",
  devices = {
    { name = "a", hardware_id = "ROOT\\VETO", driver = "veto.sys" },
    { name = "b", hardware_id = "ROOT\\VETOSTART", driver = "veto.sys" },
    { name = "c", hardware_id = "ROOT\\VETOADD", driver = "veto.sys" },
  },
  expect = "clean",
}

Log = {}

driver "veto.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local E = DeviceObject.DeviceExtension
      local Lower, Pdo = E:ptr(0), E:ptr(8)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      Log[#Log + 1] = Minor
      local function Fail(Status)
        Irp.IoStatus.Status = Status
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return Status
      end
      if Minor == IRP_MN_START_DEVICE and E:u32(16) == 1 then
        return Fail(STATUS_DEVICE_NOT_READY)
      elseif (Minor == IRP_MN_QUERY_REMOVE_DEVICE or Minor == IRP_MN_QUERY_STOP_DEVICE)
          and E:u32(20) == 0 then
        E:set_u32(20, 1)
        return Fail(STATUS_DEVICE_BUSY)
      elseif Minor == IRP_MN_QUERY_PNP_DEVICE_STATE and E:u32(24) == 1 then
        Irp.IoStatus.Information = PNP_DEVICE_FAILED
        Irp.IoStatus.Status = STATUS_SUCCESS
      elseif Minor == IRP_MN_START_DEVICE or Minor == IRP_MN_QUERY_REMOVE_DEVICE
          or Minor == IRP_MN_CANCEL_REMOVE_DEVICE or Minor == IRP_MN_QUERY_STOP_DEVICE
          or Minor == IRP_MN_CANCEL_STOP_DEVICE or Minor == IRP_MN_STOP_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
      elseif Minor == IRP_MN_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        return status
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local Buffer = ExAllocatePoolWithTag(PagedPool, 64, "Veto")
      IoGetDeviceProperty(Pdo, DevicePropertyHardwareID, 64, Buffer)
      local last = Buffer:u16(2 * 9) -- ROOT\VETO? : the character after "ROOT\VETO"
      ExFreePoolWithTag(Buffer, "Veto")
      if last == string.byte("A") then
        return STATUS_INSUFFICIENT_RESOURCES -- ROOT\VETOADD
      end
      local status, Fdo = IoCreateDevice(DriverObject, 32, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      local E = Fdo.DeviceExtension
      E:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      E:set_ptr(8, Pdo)
      E:set_u32(16, last == string.byte("S") and 1 or 0)
      Fdo.Flags = Fdo.Flags | (Pdo.Flags & DO_POWER_PAGABLE) -- inherited from the device below
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      if last ~= string.byte("S") then VetoDevice = Fdo end
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(PlugDevice "a" == STATUS_SUCCESS)
  assert(RemoveDevice "a" == STATUS_DEVICE_BUSY)
  assert(Log[#Log] == IRP_MN_CANCEL_REMOVE_DEVICE)
  assert(StopDevice "a" == STATUS_SUCCESS) -- vetoed once only: QUERY_STOP succeeds now
  -- The device reports a failure: the worker stops and removes it.
  VetoDevice.DeviceExtension:set_u32(24, 1)
  local n = #Log
  local E = VetoDevice.DeviceExtension
  IoInvalidateDeviceState(E:ptr(8))
  ProcessDeviceEvents()
  assert(Log[n + 1] == IRP_MN_QUERY_PNP_DEVICE_STATE and Log[n + 2] == IRP_MN_STOP_DEVICE
         and Log[n + 3] == IRP_MN_REMOVE_DEVICE)
  assert(RemoveDevice "a" == STATUS_INVALID_DEVICE_STATE) -- it is gone already
  n = #Log
  assert(PlugDevice "b" == STATUS_DEVICE_NOT_READY)
  assert(Log[n + 1] == IRP_MN_START_DEVICE and Log[n + 2] == IRP_MN_REMOVE_DEVICE and #Log == n + 2)
  n = #Log
  assert(PlugDevice "c" == STATUS_INSUFFICIENT_RESOURCES)
  assert(#Log == n)
end)
