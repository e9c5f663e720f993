-- alertable_wait_alerted_clean: low resources simulation (Vista and later)
-- also ends alertable waits of applications' threads at once with
-- STATUS_ALERTED, a simulated alert (low-resources-simulation.md). waiter.sys
-- waits alertably for its device in the caller's thread and hands an alert
-- back as the request's status, as it must; a wait in the System process is
-- never alerted so. (The wait has no pool tag: only a /faults without a
-- PoolTags filter selects it.)
scenario {
  verifier = "/flags 0x4 /faults 10000 \"\" \"\" 0 /driver waiter.sys",
  expect   = "clean",
}

local IOCTL_WAITER_WAIT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x930, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "waiter.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ready = KEVENT()
    KeInitializeEvent(Ready, NotificationEvent, false)
    -- In the System process: not alerted, the timeout passes.
    local status = KeWaitForSingleObject(Ready, Executive, KernelMode, true, -10000)
    assert(status == STATUS_TIMEOUT, "a System thread's wait is not alerted")
    local Device
    status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\Waiter", FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then return status end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      -- The caller's thread waits, alertably, for at most 10 ms.
      local status = KeWaitForSingleObject(Ready, Executive, UserMode, true, -100000)
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject) IoDeleteDevice(Device) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "waiter.sys"
  RunInProcess(CreateProcess "watch.exe", function()
    local Device = CreateFile "\\Device\\Waiter"
    assert(DeviceIoControl(Device, IOCTL_WAITER_WAIT, "", 0) == STATUS_ALERTED, "alerted")
    CloseHandle(Device)
  end)
  assert(Query().AllocationsFailedDeliberately == 1)
  UnloadDriver "waiter.sys"
end)
