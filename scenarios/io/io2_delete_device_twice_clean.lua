-- io2_delete_device_twice_clean: ctldev.sys deletes its control device
-- when the last tool closes it, and its unload routine deletes it only if
-- that has not happened. Clean.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver ctldev.sys",
  expect = "clean",
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
      ControlDevice = nil
    end
    DriverObject.DriverUnload = function(DriverObject)
      if ControlDevice ~= nil then
        DeleteControlDevice()
      end
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
