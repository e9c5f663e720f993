-- io2_delete_device_twice: ctldev.sys deletes its control device when the
-- last tool closes it, and again in its unload routine, which does not
-- look whether that has happened. Level 2 I/O verification stops the
-- second IoDeleteDevice (0xC9, P1 = 0x240, a WDM DRIVER ERROR; P3 the
-- device object).
-- P2, the address in the driver's code where the error was detected, is
-- that of the routine that made the call (DriverUnload), as drvsim numbers them.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver ctldev.sys",
  expect = { bugcheck = 0xC9, p1 = 0x240, p2 = 0xFFFFF80240001040, driver = "ctldev.sys" },
}

driver "ctldev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\CtlDev",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ControlDevice = device
    status = IoCreateSymbolicLink("\\DosDevices\\CtlDev", "\\Device\\CtlDev")
    if status ~= STATUS_SUCCESS then
      IoDeleteDevice(device)
      return status
    end
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    local function Succeed(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = Succeed
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = Succeed
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = function(DeviceObject, Irp)
      Succeed(DeviceObject, Irp)
      DeleteControlDevice()   -- one tool at a time: the last one has closed it
      return STATUS_SUCCESS
    end

    -- The control device goes when the tool closes it, and at unload.
    function DeleteControlDevice()
      IoDeleteSymbolicLink("\\DosDevices\\CtlDev")
      IoDeleteDevice(ControlDevice)
    end
    DriverObject.DriverUnload = function(DriverObject)
      DeleteControlDevice()   -- BUG: deleted already when the last tool closed it
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctldev.sys"
  local App = CreateProcess "tool.exe"
  RunInProcess(App, function()
    local Handle = CreateFile "\\\\.\\CtlDev"
    assert(Handle ~= nil, "open")
    CloseHandle(Handle)
  end)
  UnloadDriver "ctldev.sys"
end)
