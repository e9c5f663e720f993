-- evsig.sys: an application hands it an event (its handle, in a buffered
-- IOCTL) that the driver signals when work is done, the way drivers notify
-- user mode without pending an IRP. The handle is referenced as the
-- request's RequestorMode asks (UserMode from an application): the
-- object manager checks it is an event of the caller's own table that
-- grants EVENT_MODIFY_STATE. The scenario's global EvSigBug, when true,
-- makes it pass KernelMode instead of Irp.RequestorMode (the bug).
local IOCTL_EVSIG_REGISTER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\EvSig",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then return status end
    IoCreateSymbolicLink("\\DosDevices\\EvSig", "\\Device\\EvSig")
    local function Complete(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      Irp.IoStatus.Information = 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = Complete
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = Complete
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local status = STATUS_INVALID_DEVICE_REQUEST
      if Stack.Parameters.DeviceIoControl.IoControlCode == IOCTL_EVSIG_REGISTER and
         Stack.Parameters.DeviceIoControl.InputBufferLength >= 8 then
        local Handle = Irp.AssociatedIrp.SystemBuffer:u64(0)
        local AccessMode = EvSigBug and KernelMode or Irp.RequestorMode
        local Event
        status, Event = ObReferenceObjectByHandle(Handle, EVENT_MODIFY_STATE,
                                                  ExEventObjectType:ptr(0), AccessMode)
        if NT_SUCCESS(status) then
          KeSetEvent(Event, IO_NO_INCREMENT, false)
          ObDereferenceObject(Event)
        end
      end
      Irp.IoStatus.Status = status
      Irp.IoStatus.Information = 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteSymbolicLink("\\DosDevices\\EvSig")
      IoDeleteDevice(DriverObject.DeviceObject)
    end
    return STATUS_SUCCESS
  end,
}
