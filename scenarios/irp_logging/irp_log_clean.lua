-- irp_log_clean: IRP logging (/flags 0x400; verifier.exe turns I/O
-- verification on with it) keeps, for each device object of a verified
-- driver, a record of the last twenty IRPs it was sent: once the 21st is
-- recorded it replaces the first (irp-logging.md), so the record holds the
-- twenty most recent in slot order. notepad.exe opens logged.sys' device,
-- writes and reads it, and asks for its length 22 times: 26 IRPs reach
-- \Device\Logged (CREATE, WRITE, READ, 22 IOCTLs, CLEANUP; CLOSE comes after
-- the look). IrpLog shows the record as the harness sees it; the JSON
-- report (--json) has it under "irp_log". Nothing is wrong: clean.
-- Source: windows-driver-docs-pr/devtest/irp-logging.md
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

run(function()
  LoadDriver "logged.sys"
  local App = CreateProcess "notepad.exe"
  local Thread
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\\\.\\Logged")
    assert(WriteFile(Handle, "hello") == STATUS_SUCCESS)
    assert(ReadFile(Handle, 16) == STATUS_SUCCESS)
    for i = 1, 22 do
      assert(DeviceIoControl(Handle, IOCTL_LOGGED_LENGTH, nil, 4) == STATUS_SUCCESS)
    end
    local entries, total = IrpLog "\\Device\\Logged"
    -- CREATE, WRITE, READ and 22 IOCTLs: 25, of which the record keeps 20.
    assert(total == 25, "25 logged, got " .. total)
    assert(#entries == 20, "twenty per device")
    -- The 21st to 25th IRPs replaced slots 1 to 5: slot 5 holds the newest,
    -- slot 6 the oldest kept (the 6th IRP, the 3rd IOCTL).
    for slot = 1, 20 do
      local e = entries[slot]
      assert(e.major == IRP_MJ_DEVICE_CONTROL, "only IOCTLs are left")
      assert(e.ioctl == IOCTL_LOGGED_LENGTH and e.input_length == 0 and e.output_length == 4)
      assert(e.minor == 0 and e.thread > 0 and e.time > 0)
    end
    assert(entries[5].seq == 25 and entries[6].seq == 6, "slot order, as Windows keeps it")
    assert(entries[5].time >= entries[4].time)
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
  end)
  local entries, total = IrpLog "\\Device\\Logged"
  assert(total == 27 and #entries == 20, "CLEANUP and CLOSE came after")
  assert(entries[7].major == IRP_MJ_CLOSE and entries[6].major == IRP_MJ_CLEANUP)
  UnloadDriver "logged.sys"
  -- The record outlives the device, as Windows' lives until reboot.
  assert(select(2, IrpLog(LoggedDevice)) == 27, "kept after the unload")
end)
