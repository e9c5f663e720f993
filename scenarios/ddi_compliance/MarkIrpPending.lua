-- MarkIrpPending: rngdev.sys hands out random bytes its hardware collects;
-- a read waits for a timer DPC that delivers the next batch. The read path
-- marks the IRP pending first thing. BUG: when the hardware reports a
-- failure it completes the read at once and returns that status instead of
-- STATUS_PENDING, although the IRP is marked pending. Windows checks this
-- only statically (SDV's MarkIrpPending rule: a dispatch routine that
-- called IoMarkIrpPending returns STATUS_PENDING); drvsim checks it at run
-- time, as the dispatch routine returns: 0xC4, P1 its private code
-- (0xD0020006).
scenario {
  verifier = "/sdv /driver rngdev.sys",
  expect = { bugcheck = 0xC4, p1 = 0xD0020006, driver = "rngdev.sys" },
}

driver "rngdev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\RngDev", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    RngDevice, RngLock, RngTimer, RngDpc, RngWaiting = device, KSPIN_LOCK(), KTIMER(), KDPC(), nil
    RngFailed = false
    KeInitializeSpinLock(RngLock)
    KeInitializeTimer(RngTimer)
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    -- The hardware's batch is ready 10 ms after a read starts.
    KeInitializeDpc(RngDpc, function(Dpc, Context, Argument1, Argument2)
      KeAcquireSpinLockAtDpcLevel(RngLock)
      local Irp = RngWaiting
      RngWaiting = nil
      KeReleaseSpinLockFromDpcLevel(RngLock)
      if Irp ~= nil then
        local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Read.Length
        RtlFillMemory(Irp.AssociatedIrp.SystemBuffer, Length, 0x5A)
        Complete(Irp, STATUS_SUCCESS, Length)
      end
    end, nil)
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]

    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      IoMarkIrpPending(Irp)
      local OldIrql = KeAcquireSpinLock(RngLock)
      if RngFailed or RngWaiting ~= nil then
        KeReleaseSpinLock(RngLock, OldIrql)
        return Complete(Irp, STATUS_DEVICE_NOT_READY, 0)   -- BUG: marked pending, not returned so
      end
      RngWaiting = Irp
      KeReleaseSpinLock(RngLock, OldIrql)
      KeSetTimer(RngTimer, -10000 * 10, RngDpc)
      return STATUS_PENDING
    end

    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(RngTimer)
      KeFlushQueuedDpcs()
      IoDeleteDevice(RngDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "rngdev.sys"
  local Handle = assert(CreateFile "\\Device\\RngDev")
  local Status, Data = ReadFile(Handle, 8)
  assert(Status == STATUS_SUCCESS and #Data == 8)
  RngFailed = true                            -- the hardware's self-test fails
  ReadFile(Handle, 8)
  CloseHandle(Handle)
  UnloadDriver "rngdev.sys"
end)
