-- io2_completed_cancel_routine_set_clean: io2_completed_cancel_routine_set.lua with the cancel
-- routine cleared (IoSetCancelRoutine(Irp, NULL)) before completion goes on. Clean under /standard.
scenario {
  verifier = "/standard /driver park.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

ClearBeforeContinue = true

Agrees = {
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_REMOVE_DEVICE] = true,
}

driver "park.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, fdo = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_BUS_EXTENDER, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(fdo, BusPdo)
    Fdo = fdo
    fdo.Flags = (fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE)))
                & ~DO_DEVICE_INITIALIZING
    local function Cancel(DeviceObject, Irp)
      IoReleaseCancelSpinLock(Irp.CancelIrql)
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_QUERY_CAPABILITIES then
        IoCopyCurrentIrpStackLocationToNext(Irp)
        IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
          if Irp.PendingReturned then
            IoMarkIrpPending(Irp)
          end
          -- The device is busy: park the answer (a cancel routine for while it waits)...
          IoSetCancelRoutine(Irp, Cancel)
          -- ...then the busy state turns out to be over: completion goes on.
          if ClearBeforeContinue then
            IoSetCancelRoutine(Irp, nil)
          end
          return STATUS_CONTINUE_COMPLETION   -- BUG unless ClearBeforeContinue
        end, nil, true, true, true)
        return IoCallDriver(Lower, Irp)
      end
      if Agrees[Minor] then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      local status = IoCallDriver(Lower, Irp)
      if Minor == IRP_MN_REMOVE_DEVICE then
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
      end
      return status
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
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "park.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_CAPABILITIES, function(Stack)
    local Caps = ExAllocatePoolWithTag(PagedPool, 64, "Caps")
    Caps:set_u16(0, 64)            -- Size
    Caps:set_u16(2, 1)             -- Version
    Caps:set_u32(8, 0xFFFFFFFF)    -- Address
    Caps:set_u32(12, 0xFFFFFFFF)   -- UINumber
    Stack.Parameters.DeviceCapabilities.Capabilities = Caps
    CapsBuffer = Caps
  end)
  ExFreePool(CapsBuffer)
  SendPnp(Fdo, IRP_MN_QUERY_REMOVE_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "park.sys"
  UnloadDriver "pnpbus.sys"
end)
