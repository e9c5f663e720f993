-- irp_allocation_injected_clean: low resources simulation fails IRP
-- allocations too (IoAllocateIrp since Vista, every IRP-allocating routine
-- since Windows 7). A driver that checks each one survives: with every
-- eligible call failed, its IoAllocateIrp and IoBuildDeviceIoControlRequest
-- return NULL, both counted as deliberate.
scenario {
  verifier = "/flags 0x4 /faults 10000 * \"\" 0 /driver irpnull.sys",
  expect   = "clean",
}

driver "irpnull.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\IrpNull",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      return status
    end
    assert(IoAllocateIrp(2, false) == nil)
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    assert(IoBuildDeviceIoControlRequest(0x222000, Device, nil, 0, nil, 0, false, Event, Iosb) == nil)
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "irpnull.sys"
  assert(Query().AllocationsFailedDeliberately == 2)
  UnloadDriver "irpnull.sys"
end)
