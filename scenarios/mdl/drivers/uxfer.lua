-- uxfer.sys: fills an application's buffer from a system worker thread.
-- IOCTL_UXFER_FILL carries the buffer's address and length (struct {
-- PVOID Buffer; ULONG Length; }); the dispatch routine notes the calling
-- process, describes the buffer with an MDL and hands it to a work item,
-- which locks the pages in that process's context
-- (MmProbeAndLockProcessPages) from the System process; the dispatch
-- routine waits for it, then maps the locked pages, fills them, unlocks
-- them and completes the request. (drvsim's system mapping of a user
-- buffer is its user address, valid in its own process only: the filling
-- is done back in the application's context.)
--   UxferBug = "irql": the work item locks at device IRQL, from the routine
--     it runs with the device's interrupt masked.
--   UxferBug = "twice": the work item locks the pages again on its retry
--     path, with the MDL still locked from the first attempt.
local FILL_DIRQL = 6

local function Lock(Job)
  local Locked = __try(function()
    if UxferBug == "irql" then
      -- BUG: probing can fault pages in: DISPATCH_LEVEL at most.
      local OldIrql = KeRaiseIrql(FILL_DIRQL)
      MmProbeAndLockProcessPages(Job.Mdl, Job.Process, UserMode, IoWriteAccess)
      KeLowerIrql(OldIrql)
    else
      MmProbeAndLockProcessPages(Job.Mdl, Job.Process, UserMode, IoWriteAccess)  -- right
    end
    return true
  end, function(Code)
    return false
  end)
  if not Locked then
    return STATUS_ACCESS_VIOLATION
  end
  if UxferBug == "twice" then
    -- BUG: a retry locks the MDL again instead of using the lock it holds.
    MmProbeAndLockProcessPages(Job.Mdl, Job.Process, UserMode, IoWriteAccess)
  end
  return STATUS_SUCCESS
end

local function Fill(Job)
  local Va = MmGetSystemAddressForMdlSafe(Job.Mdl, NormalPagePriority | MdlMappingNoExecute)
  local status = STATUS_INSUFFICIENT_RESOURCES
  if Va ~= nil then
    RtlFillMemory(Va, Job.Length, 0x2A)
    status = STATUS_SUCCESS
  end
  MmUnlockPages(Job.Mdl)
  return status
end

local function FillRequest(DeviceObject, In)
  local Buffer, Length = In:ptr(0), In:u32(8)
  if Length == 0 or Length > 65536 then
    return STATUS_INVALID_PARAMETER
  end
  local Job = { Length = Length, Process = IoGetCurrentProcess(), Done = KEVENT() }
  Job.Mdl = IoAllocateMdl(Buffer, Length, false, false, nil)
  if Job.Mdl == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  local Item = IoAllocateWorkItem(DeviceObject)
  if Item == nil then
    IoFreeMdl(Job.Mdl)
    return STATUS_INSUFFICIENT_RESOURCES
  end
  KeInitializeEvent(Job.Done, NotificationEvent, false)
  ObReferenceObject(Job.Process)
  IoQueueWorkItem(Item, function(DeviceObject, Context)
    Job.Status = Lock(Job)
    KeSetEvent(Job.Done, IO_NO_INCREMENT, false)
  end, DelayedWorkQueue, nil)
  KeWaitForSingleObject(Job.Done, Executive, KernelMode, false, nil)
  IoFreeWorkItem(Item)
  if Job.Status == STATUS_SUCCESS then
    Job.Status = Fill(Job)
  end
  ObDereferenceObject(Job.Process)
  IoFreeMdl(Job.Mdl)
  return Job.Status
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\UXfer",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      return status
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local status = STATUS_INVALID_DEVICE_REQUEST
      if Stack.Parameters.DeviceIoControl.IoControlCode == IOCTL_UXFER_FILL and
         Stack.Parameters.DeviceIoControl.InputBufferLength >= 16 then
        status = FillRequest(DeviceObject, Irp.AssociatedIrp.SystemBuffer)
      end
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}
