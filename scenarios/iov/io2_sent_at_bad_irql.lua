-- io2_sent_at_bad_irql: capirql.sys sends IRP_MN_QUERY_CAPABILITIES while it holds its spin lock,
-- at DISPATCH_LEVEL. PnP IRPs are sent at PASSIVE_LEVEL. I/O verification checks the IRQL when the
-- IRP is sent (0xC9, P1 = 0x23A, a WDM DRIVER ERROR; P3 the IRP, P4 the IRQL).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver capirql.sys",
  expect = { bugcheck = 0xC9, p1 = 0x23A, driver = "capirql.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

Handled = {
  [IRP_MN_START_DEVICE] = false,   -- the PDO starts the hardware; nothing to do above it
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_QUERY_STOP_DEVICE] = true, [IRP_MN_CANCEL_STOP_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}

driver "capirql.sys" {
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
    fdo.Flags = (fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE)))
                & ~DO_DEVICE_INITIALIZING
    -- What the device can do: IRP_MN_QUERY_CAPABILITIES down its own stack,
    -- a DEVICE_CAPABILITIES the stack fills.
    local Caps = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Caps")
    if Caps == nil then
      IoDetachDevice(Lower)
      IoDeleteDevice(fdo)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Caps, 64)
    Caps:set_u16(0, 64)          -- Size
    Caps:set_u16(2, 1)           -- Version
    Caps:set_u32(8, 0xFFFFFFFF)  -- Address
    Caps:set_u32(12, 0xFFFFFFFF) -- UINumber
    local Irp = IoAllocateIrp(Lower.StackSize, false)
    Irp.IoStatus.Status = STATUS_NOT_SUPPORTED
    local Next = IoGetNextIrpStackLocation(Irp)
    Next.MajorFunction = IRP_MJ_PNP
    Next.MinorFunction = IRP_MN_QUERY_CAPABILITIES
    Next.Parameters.DeviceCapabilities.Capabilities = Caps
    local Done = KEVENT()
    KeInitializeEvent(Done, NotificationEvent, false)
    IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
      KeSetEvent(Context, IO_NO_INCREMENT, false)
      return STATUS_MORE_PROCESSING_REQUIRED
    end, Done, true, true, true)
    local Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    local OldIrql = KeAcquireSpinLock(Lock)   -- BUG: sends at DISPATCH_LEVEL
    if IoCallDriver(Lower, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
    end
    KeReleaseSpinLock(Lock, OldIrql)
    Removable = Irp.IoStatus.Status == STATUS_SUCCESS and (Caps:u32(4) & 0x10) ~= 0
    IoFreeIrp(Irp)
    ExFreePoolWithTag(Caps, "Caps")
    -- PnP: each state change set to STATUS_SUCCESS and passed down; the
    -- device leaves its stack on IRP_MN_REMOVE_DEVICE.
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
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
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      PoStartNextPowerIrp(Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return PoCallDriver(Lower, Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = function(DeviceObject, Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverUnload = function(DriverObject)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "capirql.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "capirql.sys"
  UnloadDriver "pnpbus.sys"
end)
