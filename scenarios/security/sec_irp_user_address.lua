-- sec_irp_user_address: relay.sys answers an application's status request by
-- asking its worker device, with an IRP it builds with
-- IoBuildDeviceIoControlRequest, and names the application's output buffer
-- as the IRP's: the IRP goes down with RequestorMode KernelMode and a
-- user-mode UserBuffer, which no driver below probes. Security checks (in
-- /standard) give 0xC4/0xE2 at IoCallDriver (P2 the IRP, P3 the address).
scenario {
  verifier = "/standard /driver relay.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xE2, p4 = 0, driver = "relay.sys" },
}

local TAG = "Rely"
local IOCTL_RELAY_STATUS = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x920, METHOD_BUFFERED, FILE_ANY_ACCESS)
local IOCTL_WORKER_STATUS = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x921, METHOD_BUFFERED, FILE_ANY_ACCESS)
local STATUS_BYTES = 8

-- Asks the worker device for its status into Out (STATUS_BYTES bytes).
local function AskWorker(Out)
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Irp = IoBuildDeviceIoControlRequest(IOCTL_WORKER_STATUS, Worker, nil, 0, Out,
                                            STATUS_BYTES, false, Event, Iosb)
  if Irp == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  local status = IoCallDriver(Worker, Irp)
  if status == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
    status = Iosb.Status
  end
  return status
end

-- IOCTL_RELAY_STATUS: the application's output buffer, by address
-- (struct { PVOID Buffer; ULONG Length; }).
local function RelayStatus(In)
  local Out, Length = In:ptr(0), In:u32(8)
  if Length < STATUS_BYTES then
    return STATUS_BUFFER_TOO_SMALL
  end
  -- BUG: the application's address becomes the UserBuffer of an IRP the
  -- driver sends with RequestorMode KernelMode: nothing below probes it.
  return AskWorker(Out)
end

driver "relay.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status
    status, Relay = IoCreateDevice(DriverObject, 0, "\\Device\\Relay", FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then return status end
    status, Worker = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      IoDeleteDevice(Relay)
      return status
    end
    Worker.Flags = Worker.Flags | DO_BUFFERED_IO
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local code = Stack.Parameters.DeviceIoControl.IoControlCode
      local status, information = STATUS_INVALID_DEVICE_REQUEST, 0
      if DeviceObject == Worker and code == IOCTL_WORKER_STATUS then
        Irp.AssociatedIrp.SystemBuffer:write(0, "READY\0\0\0")
        status, information = STATUS_SUCCESS, STATUS_BYTES
      elseif DeviceObject == Relay and code == IOCTL_RELAY_STATUS then
        status = RelayStatus(Irp.AssociatedIrp.SystemBuffer)
      end
      Irp.IoStatus.Status = status
      Irp.IoStatus.Information = information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Worker)
      IoDeleteDevice(Relay)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "relay.sys"
  RunInProcess(CreateProcess "monitor.exe", function()
    local Device = CreateFile "\\Device\\Relay"
    local Out = VirtualAlloc(4096)
    local status = DeviceIoControl(Device, IOCTL_RELAY_STATUS,
                                   string.pack("<I8I4I4", ULONG_PTR(Out), 4096, 0), 0)
    assert(status == STATUS_SUCCESS and Out:read(0, 5) == "READY")
    CloseHandle(Device)
  end)
  UnloadDriver "relay.sys"
end)
