-- pollflt.sys: a filter over slowdev.sys (drivers/slowdev.lua, declared and
-- loaded first) that polls the device when it attaches, in DriverEntry (its
-- AddDevice's work), and leaves the stack when it unloads. Its device is
-- the global Filter, the device below it the global Lower. A scenario says
-- how it polls, and writes its bug or its fix, in the global table PollFlt,
-- set before the driver line (the file takes it when it loads and clears
-- it):
--
--   Polls = "own"     (the default) one poll, in an IRP of its own (the
--                     global PollIrp, from IoAllocateIrp) whose completion
--                     routine signals the global PollDone and keeps it; the
--                     driver waits for it and frees it
--   Sent(PollIrp)     "own": after the IRP is sent, before the wait
--   Polls = "built"   two polls, in IRPs IoBuildDeviceIoControlRequest
--                     builds, with one event, waited for when they pend
--   Clear(Event)      "built": before each poll is built (KeClearEvent)
--   Built(Irp)        "built": after each is built, before it is sent
local Hooks = PollFlt or {}
PollFlt = nil
local Polls, Sent, Clear, Built = Hooks.Polls or "own", Hooks.Sent, Hooks.Clear, Hooks.Built
assert(Polls == "own" or Polls == "built", "PollFlt.Polls is \"own\" or \"built\"")

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(filter, SlowDevice)
    if Lower == nil then
      IoDeleteDevice(filter)
      return STATUS_NO_SUCH_DEVICE
    end
    Filter = filter
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    if Polls == "own" then
      -- Its own poll of the device: an IRP of its own, sent down and waited for.
      PollDone = KEVENT()
      KeInitializeEvent(PollDone, NotificationEvent, false)
      PollIrp = IoAllocateIrp(Lower.StackSize, false)
      local Next = IoGetNextIrpStackLocation(PollIrp)
      Next.MajorFunction = IRP_MJ_DEVICE_CONTROL
      Next.Parameters.DeviceIoControl.IoControlCode = IOCTL_SLOW_POLL
      -- IoSetCompletionRoutineEx: the routine may still be running, after it
      -- sets PollDone, on another processor when the driver is unloaded; the
      -- Ex form keeps the driver loaded until it returns (0xCE otherwise).
      local status = IoSetCompletionRoutineEx(filter, PollIrp, function(DeviceObject, Irp, Context)
        KeSetEvent(PollDone, IO_NO_INCREMENT, false)
        return STATUS_MORE_PROCESSING_REQUIRED
      end, nil, true, true, true)
      if status ~= STATUS_SUCCESS then
        IoFreeIrp(PollIrp)
        IoDetachDevice(Lower)
        IoDeleteDevice(filter)
        return status
      end
      IoCallDriver(Lower, PollIrp)
      if Sent ~= nil then
        Sent(PollIrp)
      end
      KeWaitForSingleObject(PollDone, Executive, KernelMode, false, nil)
      IoFreeIrp(PollIrp)
    else
      -- Two polls of the device, with one event, waited for.
      local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
      KeInitializeEvent(Event, NotificationEvent, false)
      for Poll = 1, 2 do
        if Clear ~= nil then
          Clear(Event)
        else
          KeClearEvent(Event)
        end
        local Irp = IoBuildDeviceIoControlRequest(IOCTL_SLOW_POLL, Lower, nil, 0, nil, 0, false,
                                                  Event, Iosb)
        if Irp == nil then
          IoDetachDevice(Lower)
          IoDeleteDevice(filter)
          return STATUS_INSUFFICIENT_RESOURCES
        end
        if Built ~= nil then
          Built(Irp)
        end
        if IoCallDriver(Lower, Irp) == STATUS_PENDING then
          KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
        end
      end
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(Lower)
      IoDeleteDevice(Filter)
    end
    return STATUS_SUCCESS
  end,
}
