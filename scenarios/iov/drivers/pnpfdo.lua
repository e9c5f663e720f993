-- pnpfdo.sys: the function driver the I/O verification scenarios test, over
-- pnpbus.sys's PDO (drivers/pnpbus.lua, declared first). A scenario loads it
-- under its own image name and writes what it is about (the bug, or its
-- fix) as hooks in the global table PnpFdo, set before the driver line:
--
--   PnpFdo = { Pnp = function(DeviceObject, Irp, Minor) ... end }
--   driver "qstopok.sys" "drivers/pnpfdo.lua"
--
-- The file takes PnpFdo when it loads and clears it. Without hooks, the
-- driver does everything right. DriverEntry does AddDevice's work: a device
-- (the global Fdo) attached over the PDO (the device below it, the global
-- Lower, is the top of the stack it joins), the I/O and DO_POWER_PAGABLE
-- flags of the device below copied and DO_DEVICE_INITIALIZING cleared. Its
-- PnP routine sets STATUS_SUCCESS on the state changes the global Handled
-- marks and passes every IRP down; on IRP_MN_REMOVE_DEVICE the device
-- leaves its stack. Power and WMI IRPs go down untouched. The hooks, each
-- optional:
--
--   Flags(fdo, Lower)                 the device's Flags, instead of the copy
--   Attached(DriverObject, fdo)       the driver's own setup, after the flags;
--                                     returns nil (or STATUS_SUCCESS), or the
--                                     status DriverEntry fails with once the
--                                     device has left its stack
--   Pnp(DeviceObject, Irp, Minor)     first in the PnP routine: returns the
--                                     routine's status, or nil to go on
--   Power(DeviceObject, Irp)          the same, first in the power routine;
--                                     Power = false: no IRP_MJ_POWER routine
--   SystemControl(DeviceObject, Irp)  the same, first in the WMI routine
--   DeviceControl(DeviceObject, Irp)  its IRP_MJ_DEVICE_CONTROL routine
--   Unload(DriverObject)              its DriverUnload (else an empty one)
--
-- AskOwnStack (below) is the IRP such a driver sends down its own stack
-- while it starts, for Attached.
local Hooks = PnpFdo or {}
PnpFdo = nil
local Flags, Attached, Pnp, Power = Hooks.Flags, Hooks.Attached, Hooks.Pnp, Hooks.Power
local SystemControl, DeviceControl, Unload = Hooks.SystemControl, Hooks.DeviceControl,
                                             Hooks.Unload

-- The PnP IRPs the driver agrees to (STATUS_SUCCESS before passing them
-- down): a scenario's hook may change the table.
Handled = {
  [IRP_MN_START_DEVICE] = false,   -- the PDO starts the hardware; nothing to do above it
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_QUERY_STOP_DEVICE] = true, [IRP_MN_CANCEL_STOP_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}

-- AskOwnStack(Request): an IRP the driver allocates for the device below
-- (Lower.StackSize), Request.Major and Request.Minor (IRP_MJ_PNP,
-- IRP_MN_QUERY_CAPABILITIES), with a DEVICE_CAPABILITIES from its pool in
-- Parameters.DeviceCapabilities: Size, Version, Address and UINumber as
-- Request gives them, else 64, 1, 0xFFFFFFFF, 0xFFFFFFFF (what the PnP
-- manager wants). IoStatus.Status is STATUS_NOT_SUPPORTED, as a PnP IRP's
-- must be (Request.NotSupported = false leaves what IoAllocateIrp set). It
-- goes down with a completion routine that signals an event and keeps the
-- IRP, and the driver waits if it pends; Request.Send(Send), if given, is
-- called instead of Send, to do what it does around the sending. The
-- global Removable says what the stack answered; the IRP is freed with
-- Request.Free (IoFreeIrp), the structure with ExFreePoolWithTag. Returns
-- nil, or STATUS_INSUFFICIENT_RESOURCES.
function AskOwnStack(Request)
  local Caps = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Caps")
  if Caps == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  RtlZeroMemory(Caps, 64)
  Caps:set_u16(0, Request.Size or 64)
  Caps:set_u16(2, Request.Version or 1)
  Caps:set_u32(8, Request.Address or 0xFFFFFFFF)
  Caps:set_u32(12, Request.UINumber or 0xFFFFFFFF)
  local Irp = IoAllocateIrp(Lower.StackSize, false)
  if Request.NotSupported ~= false then
    Irp.IoStatus.Status = STATUS_NOT_SUPPORTED
  end
  local Next = IoGetNextIrpStackLocation(Irp)
  Next.MajorFunction = Request.Major or IRP_MJ_PNP
  Next.MinorFunction = Request.Minor or IRP_MN_QUERY_CAPABILITIES
  Next.Parameters.DeviceCapabilities.Capabilities = Caps
  local Done = KEVENT()
  KeInitializeEvent(Done, NotificationEvent, false)
  IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
    KeSetEvent(Context, IO_NO_INCREMENT, false)
    return STATUS_MORE_PROCESSING_REQUIRED
  end, Done, true, true, true)
  local function Send()
    if IoCallDriver(Lower, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
    end
  end
  if Request.Send ~= nil then
    Request.Send(Send)
  else
    Send()
  end
  Removable = Irp.IoStatus.Status == STATUS_SUCCESS and (Caps:u32(4) & 0x10) ~= 0
  if Request.Free ~= nil then
    Request.Free(Irp)
  else
    IoFreeIrp(Irp)
  end
  ExFreePoolWithTag(Caps, "Caps")
  return nil
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    -- AddDevice's work: a device attached over the PDO.
    local status, fdo = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(fdo, BusPdo)
    if Lower == nil then
      IoDeleteDevice(fdo)
      return STATUS_NO_SUCH_DEVICE
    end
    Fdo = fdo
    if Flags ~= nil then
      fdo.Flags = Flags(fdo, Lower)
    else
      fdo.Flags = (fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE)))
                  & ~DO_DEVICE_INITIALIZING
    end
    if Attached ~= nil then
      status = Attached(DriverObject, fdo)
      if status ~= nil and status ~= STATUS_SUCCESS then
        IoDetachDevice(Lower)
        IoDeleteDevice(fdo)
        return status
      end
    end
    -- PnP: each state change set to STATUS_SUCCESS and passed down; the
    -- device leaves its stack on IRP_MN_REMOVE_DEVICE.
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Pnp ~= nil then
        local status = Pnp(DeviceObject, Irp, Minor)
        if status ~= nil then
          return status
        end
      end
      if Minor == IRP_MN_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        return status
      end
      if Handled[Minor] then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    if Power ~= false then
      DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
        if Power ~= nil then
          local status = Power(DeviceObject, Irp)
          if status ~= nil then
            return status
          end
        end
        PoStartNextPowerIrp(Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return PoCallDriver(Lower, Irp)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = function(DeviceObject, Irp)
      if SystemControl ~= nil then
        local status = SystemControl(DeviceObject, Irp)
        if status ~= nil then
          return status
        end
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    if DeviceControl ~= nil then
      DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = DeviceControl
    end
    DriverObject.DriverUnload = Unload or function(DriverObject)
    end
    return STATUS_SUCCESS
  end,
}
