-- irp_log_reload: IRP logging's record belongs to the device object. logged.sys
-- (irp_log_clean's driver) is loaded, sent five IRPs, unloaded, and loaded
-- again: its new \Device\Logged is a new device object, at the address the
-- first one had (the pool hands the freed block out again), and its record
-- starts empty, as on Windows, where the record lives in the device
-- object's verifier extension. The first device's record stays, as until
-- reboot, and `--json` lists both. Nothing is wrong: clean.
scenario {
  verifier = "/standard /flags 0x400 /driver logged.sys",
  expect = "clean",
}

local function CTL_CODE(DeviceType, Function, Method, Access)
  return (DeviceType << 16) | (Access << 14) | (Function << 2) | Method
end
local IOCTL_LOGGED_LENGTH = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

-- logged.sys: a buffered device that answers every request at once.
driver "logged.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\Logged",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then return status end
    LoggedDevice = Device
    status = IoCreateSymbolicLink("\\DosDevices\\Logged", "\\Device\\Logged")
    if status ~= STATUS_SUCCESS then
      IoDeleteDevice(Device)
      return status
    end
    Device.Flags = (Device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    local function Succeed(DeviceObject, Irp) return Complete(Irp, STATUS_SUCCESS, 0) end
    for _, mj in ipairs { IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_WRITE,
                          IRP_MJ_READ } do
      DriverObject.MajorFunction[mj] = Succeed
    end
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Params = Stack.Parameters.DeviceIoControl
      if Params.IoControlCode ~= IOCTL_LOGGED_LENGTH or Params.OutputBufferLength < 4 then
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
      end
      Irp.AssociatedIrp.SystemBuffer:set_u32(0, 5)
      return Complete(Irp, STATUS_SUCCESS, 4)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteSymbolicLink("\\DosDevices\\Logged")
      IoDeleteDevice(DriverObject.DeviceObject)
    end
    return STATUS_SUCCESS
  end,
}

local function Use(writes)
  RunInProcess(CreateProcess "notepad.exe", function()
    local Handle = assert(CreateFile "\\\\.\\Logged")
    for i = 1, writes do
      assert(WriteFile(Handle, "hello") == STATUS_SUCCESS)
    end
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
  end)
end

run(function()
  LoadDriver "logged.sys"
  local First = LoggedDevice
  Use(2) -- CREATE, two WRITEs, CLEANUP, CLOSE
  assert(select(2, IrpLog "\\Device\\Logged") == 5)
  UnloadDriver "logged.sys"
  LoadDriver "logged.sys"
  assert(LoggedDevice == First, "the new device object took the freed address")
  local entries, total = IrpLog "\\Device\\Logged"
  assert(total == 0 and #entries == 0, "a new device object's record starts empty")
  Use(1)
  entries, total = IrpLog(LoggedDevice)
  assert(total == 4 and #entries == 4, "its own four IRPs only, got " .. total)
  assert(entries[1].major == IRP_MJ_CREATE and entries[2].major == IRP_MJ_WRITE)
  UnloadDriver "logged.sys"
end)
