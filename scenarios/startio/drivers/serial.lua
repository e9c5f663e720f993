-- serial.sys: a StartIo driver in the classic WDM shape (the pattern of
-- "Writing a StartIo Routine" and "Using the System's Cancel Spin Lock" in
-- the WDK documentation, as the DDK's serial and parallel drivers used it):
-- the read dispatch routine marks the IRP pending and hands it to
-- IoStartPacket with a cancel routine; the I/O manager queues it in the
-- device object's DeviceQueue, or calls StartIo at once when the device is
-- idle. StartIo takes the IRP out of cancellation under the cancel spin
-- lock and starts the "hardware", a timer; the timer's DPC completes the
-- IRP and starts the next packet (IoStartNextPacket, cancelable). The
-- cancel routine takes a queued IRP out of the device queue
-- (KeRemoveEntryDeviceQueue), or, for the current one, starts the next.
--
-- A read of 1 byte is a fast request, which the device answers at once:
-- StartIo completes it and starts the next packet itself, from inside
-- StartIo. Knobs, set by the scenario before loading:
--   SerialDeferred  IoSetStartIoAttributes(DeviceObject, TRUE, FALSE): the
--                   next StartIo waits until this one returns (no recursion)
--   SerialByKey     reads are queued by key (their length: shortest first)
--                   and the next is the first at or above the last length
--                   served, wrapping around (IoStartPacket with a Key,
--                   IoStartNextPacketByKey); SerialServed lists the lengths
--                   in the order StartIo got them

-- DEVICE_EXTENSION (x64): KTIMER Timer at 0, KDPC Dpc at 0x40, ULONG Key
-- at 0x80, ULONG LastKey at 0x84, ULONG MaxDepth at 0x88, ULONG Depth at
-- 0x8C, ULONG Served at 0x90; 0x98 bytes.
local TIMER, DPC, KEY, LAST_KEY, MAX_DEPTH, DEPTH, SERVED = 0x0, 0x40, 0x80, 0x84, 0x88, 0x8C, 0x90
local EXTENSION_SIZE = 0x98
local DEVICE_LATENCY = -10 * 1000 * 10 -- 10 ms, relative

local function Complete(Irp, status, information)
  Irp.IoStatus.Status = status
  Irp.IoStatus.Information = information
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
end

local function StartNext(DeviceObject)
  local ext = DeviceObject.DeviceExtension
  if SerialByKey then
    IoStartNextPacketByKey(DeviceObject, true, ext:u32(LAST_KEY))
  else
    IoStartNextPacket(DeviceObject, true)
  end
end

local function SerialCancel(DeviceObject, Irp)
  if Irp == DeviceObject.CurrentIrp then
    -- The current one: StartIo has not taken it yet; the next starts.
    IoReleaseCancelSpinLock(Irp.CancelIrql)
    StartNext(DeviceObject)
  else
    KeRemoveEntryDeviceQueue(DeviceObject.DeviceQueue, Irp.Tail.Overlay.DeviceQueueEntry)
    IoReleaseCancelSpinLock(Irp.CancelIrql)
  end
  Complete(Irp, STATUS_CANCELLED, 0)
end

local function SerialStartIo(DeviceObject, Irp)
  local ext = DeviceObject.DeviceExtension
  ext:set_u32(DEPTH, ext:u32(DEPTH) + 1)
  ext:set_u32(MAX_DEPTH, math.max(ext:u32(MAX_DEPTH), ext:u32(DEPTH)))
  local oldIrql = IoAcquireCancelSpinLock()
  if Irp ~= DeviceObject.CurrentIrp or Irp.Cancel ~= 0 then
    -- Cancelled before StartIo got it: its cancel routine completes it.
    IoReleaseCancelSpinLock(oldIrql)
  else
    IoSetCancelRoutine(Irp, nil)
    IoReleaseCancelSpinLock(oldIrql)
    local stack = IoGetCurrentIrpStackLocation(Irp)
    ext:set_u32(LAST_KEY, stack.Parameters.Read.Length)
    SerialServed[#SerialServed + 1] = stack.Parameters.Read.Length
    ext:set_u32(SERVED, ext:u32(SERVED) + 1)
    if stack.Parameters.Read.Length == 1 then
      -- A fast request: done now, and the next one starts from here.
      Irp.AssociatedIrp.SystemBuffer:set_u8(0, 0x5A)
      Complete(Irp, STATUS_SUCCESS, 1)
      StartNext(DeviceObject)
    else
      KeSetTimer(ext + TIMER, DEVICE_LATENCY, ext + DPC)
    end
  end
  ext:set_u32(DEPTH, ext:u32(DEPTH) - 1)
end

-- The device finished the current read.
local function SerialDpc(Dpc, Context, SystemArgument1, SystemArgument2)
  local DeviceObject = DEVICE_OBJECT(Context)
  local Irp = DeviceObject.CurrentIrp
  StartNext(DeviceObject)
  if Irp ~= nil then
    Irp.AssociatedIrp.SystemBuffer:set_u8(0, 0xA5)
    Complete(Irp, STATUS_SUCCESS, 1)
  end
end

local function SerialRead(DeviceObject, Irp)
  local ext = DeviceObject.DeviceExtension
  local stack = IoGetCurrentIrpStackLocation(Irp)
  if stack.Parameters.Read.Length == 0 then
    Complete(Irp, STATUS_SUCCESS, 0)
    return STATUS_SUCCESS
  end
  IoMarkIrpPending(Irp)
  if SerialByKey then
    ext:set_u32(KEY, stack.Parameters.Read.Length)
    IoStartPacket(DeviceObject, Irp, ext + KEY, SerialCancel)
  else
    IoStartPacket(DeviceObject, Irp, nil, SerialCancel)
  end
  return STATUS_PENDING
end

local function SerialCreateClose(DeviceObject, Irp)
  Complete(Irp, STATUS_SUCCESS, 0)
  return STATUS_SUCCESS
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, EXTENSION_SIZE, "\\Device\\Serial0",
                                          FILE_DEVICE_SERIAL_PORT, 0, true)
    if not NT_SUCCESS(status) then
      return status
    end
    status = IoCreateSymbolicLink("\\DosDevices\\COM9", "\\Device\\Serial0")
    if not NT_SUCCESS(status) then
      IoDeleteDevice(device)
      return status
    end
    SerialDevice, SerialServed = device, {}
    local ext = device.DeviceExtension
    KeInitializeTimer(ext + TIMER)
    KeInitializeDpc(ext + DPC, SerialDpc, device)
    if SerialDeferred then
      IoSetStartIoAttributes(device, true, false)
    end
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    DriverObject.MajorFunction[IRP_MJ_CREATE] = SerialCreateClose
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = SerialCreateClose
    DriverObject.MajorFunction[IRP_MJ_READ] = SerialRead
    DriverObject.DriverStartIo = SerialStartIo
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(ext + TIMER)
      KeFlushQueuedDpcs()
      IoDeleteSymbolicLink("\\DosDevices\\COM9")
      IoDeleteDevice(DriverObject.DeviceObject)
    end
    return STATUS_SUCCESS
  end,
}
