-- iosubs_clean: the I/O manager's request routines a file system or a
-- class driver calls, used as they do. cdfs-like.sys's read marks itself
-- the top-level IRP (IoGetTopLevelIrp / IoSetTopLevelIrp) while it works,
-- finds the requesting process (IoGetRequestorProcess: the application
-- that read) and its bitness (IoIs32bitProcess: no WOW64 process here),
-- the request's priority (IoGetIoPriorityHint: normal), whether it is
-- synchronous (IoIsOperationSynchronous), how much kernel
-- stack is left (IoGetRemainingStackSize), and turns a media change into
-- STATUS_VERIFY_REQUIRED for the thread to verify (IoIsErrorUserInduced,
-- IoSetHardErrorOrVerifyDevice, IoGetDeviceToVerify). Its power path
-- passes a power IRP to its lower device with PoCallDriver, which
-- completes it after PoStartNextPowerIrp (a no-op from Windows Vista on):
-- IRP_MN_POWER_SEQUENCE, the one power IRP a driver allocates itself
-- (the others come from PoRequestPowerIrp).
-- Clean under /standard.
scenario {
  verifier = "/standard /driver cdfs-like.sys",
  expect = "clean",
}

driver "cdfs-like.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\CdRomFs",
                                          FILE_DEVICE_CD_ROM_FILE_SYSTEM, 0, false)
    assert(status == STATUS_SUCCESS)
    local _, lower = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    lower.Flags = lower.Flags & ~DO_DEVICE_INITIALIZING
    FsDevice, LowerDevice, MediaChanged = device, lower, true

    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]

    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      assert(IoGetTopLevelIrp() == nil, "a fresh system service")
      IoSetTopLevelIrp(Irp)
      assert(IoGetTopLevelIrp() == Irp)
      assert(IoGetRequestorProcess(Irp) == PsGetCurrentProcess(), "the application's")
      assert(not IoIs32bitProcess(Irp))
      assert(IoGetIoPriorityHint(Irp) == IoPriorityNormal)
      -- drvsim's I/O manager does not mark applications' handles
      -- synchronous (FO_SYNCHRONOUS_IO) yet; a synchronous API request
      -- says so in the IRP's Flags.
      assert(not IoIsOperationSynchronous(Irp))
      Irp.Flags = Irp.Flags | IRP_SYNCHRONOUS_API
      assert(IoIsOperationSynchronous(Irp))
      Irp.Flags = Irp.Flags & ~IRP_SYNCHRONOUS_API
      -- One routine deep (the dispatch routine): 24 KB less two levels of
      -- 768 bytes (ke.h's frame costs).
      assert(IoGetRemainingStackSize() == 0x6000 - 2 * 768)
      local status = STATUS_SUCCESS
      if MediaChanged then
        MediaChanged = false
        status = STATUS_VERIFY_REQUIRED
        assert(IoIsErrorUserInduced(status) and not IoIsErrorUserInduced(STATUS_INVALID_PARAMETER))
        IoSetHardErrorOrVerifyDevice(Irp, DeviceObject)
        assert(IoGetDeviceToVerify(Irp.Tail.Overlay.Thread) == DeviceObject)
      else
        Irp.AssociatedIrp.SystemBuffer:set_u8(0, 0x43)
        Irp.IoStatus.Information = 1
      end
      IoSetTopLevelIrp(nil)
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end

    -- The lower device's power dispatch, and the upper's path down to it.
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      assert(DeviceObject == LowerDevice)
      PoStartNextPowerIrp(Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    local Irp = IoAllocateIrp(1, false)
    local Stack = IoGetNextIrpStackLocation(Irp)
    Stack.MajorFunction = IRP_MJ_POWER
    Stack.MinorFunction = IRP_MN_POWER_SEQUENCE
    Irp.IoStatus.Status = STATUS_NOT_SUPPORTED
    local Done = KEVENT()
    KeInitializeEvent(Done, NotificationEvent, false)
    IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
      KeSetEvent(Context, IO_NO_INCREMENT, false)
      return STATUS_MORE_PROCESSING_REQUIRED
    end, Done, true, true, true)
    if PoCallDriver(lower, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
    end
    assert(Irp.IoStatus.Status == STATUS_SUCCESS)
    IoFreeIrp(Irp)
    KeFlushIoBuffers(nil, true, false) -- nothing to do on x64

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(LowerDevice)
      IoDeleteDevice(FsDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "cdfs-like.sys" == STATUS_SUCCESS)
  local App = CreateProcess "reader.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\Device\\CdRomFs")
    assert(ReadFile(Handle, 1) == STATUS_VERIFY_REQUIRED, "the volume must be verified first")
    local status, data = ReadFile(Handle, 1)
    assert(status == STATUS_SUCCESS and data == "C")
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
  end)
  assert(UnloadDriver "cdfs-like.sys" == STATUS_SUCCESS)
end)
