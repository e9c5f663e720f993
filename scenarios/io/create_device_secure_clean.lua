-- A legacy driver's control device created with IoCreateDeviceSecure
-- (wdmsec.lib) and one of wdmsec.h's SDDL strings, so that only System and
-- Administrators can open it; an application opens it through its symbolic
-- link. A string outside wdmsec's SDDL subset (no "D:P", an owner, an
-- inheritance flag) is STATUS_INVALID_PARAMETER and creates nothing.
scenario { verifier = "/standard /driver ctl.sys", expect = "clean" }

driver "ctl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDeviceSecure(DriverObject, 0, "\\Device\\CtlSecure",
      FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false, SDDL_DEVOBJ_SYS_ALL_ADM_ALL, nil)
    assert(status == STATUS_SUCCESS and Device ~= nil)
    for _, bad in ipairs({ "D:(A;;GA;;;SY)", "O:BAD:P(A;;GA;;;SY)", "D:P(A;CI;GA;;;SY)",
                           "D:P(A;;GA;;;XX)", "D:P(A;;GA;;;SY" }) do
      local s, d = IoCreateDeviceSecure(DriverObject, 0, "\\Device\\CtlBad", FILE_DEVICE_UNKNOWN,
                                        0, false, bad, nil)
      assert(s == STATUS_INVALID_PARAMETER and d == nil, bad)
    end
    assert(IoCreateSymbolicLink("\\DosDevices\\CtlSecure", "\\Device\\CtlSecure") == STATUS_SUCCESS)
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteSymbolicLink("\\DosDevices\\CtlSecure")
      IoDeleteDevice(DriverObject.DeviceObject)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctl.sys"
  local h, status = CreateFile("\\\\.\\CtlSecure")
  assert(h ~= nil, string.format("open: 0x%X", status or 0))
  CloseHandle(h)
  UnloadDriver "ctl.sys"
end)
