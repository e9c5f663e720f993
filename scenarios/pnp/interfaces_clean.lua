-- interfaces_clean: what a function driver asks the PnP manager about its
-- device, and how applications reach it. In AddDevice the driver reads its
-- PDO's properties (IoGetDeviceProperty: hardware ID, enumerator, PDO name,
-- a buffer too small first), opens its hardware key (IoOpenDeviceRegistryKey
-- PLUGPLAY_REGKEY_DEVICE) to read a setting the scenario seeds, and
-- registers a device interface; it enables the interface at START and
-- disables it at SURPRISE_REMOVAL. The application opens the device through
-- the interface and is still holding its handle when the device is pulled
-- out: IRP_MN_REMOVE_DEVICE waits until the handle is closed, then
-- RemoveDevice sends it, the PDO goes and the driver unloads. A second
-- device of the same hardware ID is instance 0001. Clean under /standard.
scenario {
  verifier = "/standard /driver ifc.sys",
  devices = {
    { name = "a", hardware_id = "ROOT\\IFC", driver = "ifc.sys", removable = true },
    { name = "b", hardware_id = "ROOT\\IFC", driver = "ifc.sys" },
  },
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Enum\\ROOT\\IFC\\0000\\Device Parameters"] = {
      Depth = 4,
    },
  },
  expect = "clean",
}

State = { links = {}, depth = {} }

driver "ifc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Interface = GUID "{6B29FC40-CA47-1067-B31D-00DD010662DA}"
    local function Complete(Irp, Status, Info)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Info or 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    local function Ext(DeviceObject) return DeviceObject.DeviceExtension end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(D, Irp) return Complete(Irp, STATUS_SUCCESS) end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local E = Ext(DeviceObject)
      local Lower, Link = E:ptr(0), UNICODE_STRING(E + 8)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_START_DEVICE then
        IoSetDeviceInterfaceState(Link, true)
        assert(IoSetDeviceInterfaceState(Link, true) == STATUS_OBJECT_NAME_EXISTS)
        Irp.IoStatus.Status = STATUS_SUCCESS
      elseif Minor == IRP_MN_SURPRISE_REMOVAL then
        assert(IoSetDeviceInterfaceState(Link, false) == STATUS_SUCCESS)
        Irp.IoStatus.Status = STATUS_SUCCESS
      elseif Minor == IRP_MN_QUERY_REMOVE_DEVICE or Minor == IRP_MN_QUERY_STOP_DEVICE
          or Minor == IRP_MN_STOP_DEVICE or Minor == IRP_MN_CANCEL_REMOVE_DEVICE
          or Minor == IRP_MN_CANCEL_STOP_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
      elseif Minor == IRP_MN_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        RtlFreeUnicodeString(Link)
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        return status
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      -- Properties: the size first, then the value.
      local status, needed = IoGetDeviceProperty(Pdo, DevicePropertyHardwareID, 0, nil)
      assert(status == STATUS_BUFFER_TOO_SMALL and needed == 2 * (#"ROOT\\IFC" + 2))
      local Buffer = ExAllocatePoolWithTag(PagedPool, 128, "Ifc ")
      status = IoGetDeviceProperty(Pdo, DevicePropertyEnumeratorName, 128, Buffer)
      assert(status == STATUS_SUCCESS and Buffer:u16(0) == string.byte("R"))
      local status2, n = IoGetDeviceProperty(Pdo, DevicePropertyRemovalPolicy, 4, Buffer)
      State.policy = State.policy or Buffer:u32(0)
      ExFreePoolWithTag(Buffer, "Ifc ")
      -- The hardware key's Device Parameters.
      local s, Key = IoOpenDeviceRegistryKey(Pdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ)
      assert(s == STATUS_SUCCESS)
      local Info = ExAllocatePoolWithTag(PagedPool, 32, "Ifc ")
      if ZwQueryValueKey(Key, "Depth", KeyValuePartialInformation, Info, 32) == STATUS_SUCCESS then
        State.depth[#State.depth + 1] = KEY_VALUE_PARTIAL_INFORMATION(Info).Data:u32(0)
      else
        State.depth[#State.depth + 1] = 0
      end
      ExFreePoolWithTag(Info, "Ifc ")
      ZwClose(Key)
      local status3, Fdo = IoCreateDevice(DriverObject, 8 + 16, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status3 ~= STATUS_SUCCESS then return status3 end
      local E = Fdo.DeviceExtension
      E:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      status3 = IoRegisterDeviceInterface(Pdo, Interface, nil, UNICODE_STRING(E + 8))
      assert(status3 == STATUS_SUCCESS)
      Fdo.Flags = Fdo.Flags | DO_BUFFERED_IO | DO_POWER_PAGABLE
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) State.unloaded = true end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(PlugDevice "a" == STATUS_SUCCESS)
  assert(PlugDevice "b" == STATUS_SUCCESS)
  assert(State.depth[1] == 4 and State.depth[2] == 0)
  assert(State.policy == 3) -- removable: RemovalPolicyExpectSurpriseRemoval
  local paths = DeviceInterfaces "a"
  assert(#paths == 1 and paths[1] ==
         "\\\\.\\ROOT#IFC#0000#{6b29fc40-ca47-1067-b31d-00dd010662da}", paths[1])
  assert(DeviceInterfaces("b")[1] ==
         "\\\\.\\ROOT#IFC#0001#{6b29fc40-ca47-1067-b31d-00dd010662da}")
  local h, status = CreateFile(paths[1])
  assert(status == STATUS_SUCCESS)
  -- Pulled out with the handle open: REMOVE_DEVICE waits for it.
  assert(SurpriseRemoveDevice "a" == STATUS_SUCCESS)
  assert(#DeviceInterfaces "a" == 0)
  assert(RemoveDevice "a" == STATUS_DEVICE_BUSY)
  CloseHandle(h)
  assert(RemoveDevice "a" == STATUS_SUCCESS)
  assert(PlugDevice "a" == STATUS_SUCCESS) -- it comes back: a new PDO
  assert(RemoveDevice "a" == STATUS_SUCCESS)
  assert(not State.unloaded)
  assert(RemoveDevice "b" == STATUS_SUCCESS)
  assert(State.unloaded) -- its last device went
end)
