-- struct_views: T() declares a structure, T(p) views a pointer as one (a C
-- cast), FIELD_OFFSET and CONTAINING_RECORD give wdm.h's x86 layout, and
-- the driver object reads as in C: DriverObject.DeviceObject heads the
-- device list (newest first), DeviceObject.NextDevice follows it,
-- DeviceObject.DriverObject leads back. struct_views.lua is the x64 twin.
scenario { arch = "x86", expect = "clean" }

driver "views.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    assert(FIELD_OFFSET(IRP, "Tail.Overlay.ListEntry") == 0x58)
    assert(FIELD_OFFSET("IRP", "Tail.Overlay.DriverContext[2]") == 0x48)
    assert(FIELD_OFFSET(IRP, "IoStatus.Information") == 0x1C)
    assert(FIELD_OFFSET(IO_STACK_LOCATION, "Parameters.DeviceIoControl.IoControlCode") == 0xC)
    assert(FIELD_OFFSET(DEVICE_OBJECT, "NextDevice") == 0xC)
    assert(FIELD_OFFSET(DRIVER_OBJECT, "DeviceObject") == 0x4)
    assert(FIELD_OFFSET(DRIVER_OBJECT, "DriverName.Buffer") == 0x20)
    assert(FIELD_OFFSET(FILE_OBJECT, "FsContext") == 0xC)

    local _, first = IoCreateDevice(DriverObject, 0x20, "\\Device\\View1", FILE_DEVICE_UNKNOWN, 0,
                                    false)
    local _, second = IoCreateDevice(DriverObject, 0x20, "\\Device\\View2", FILE_DEVICE_UNKNOWN, 0,
                                     false)
    assert(DriverObject.DeviceObject == second and second.NextDevice == first)
    assert(first.NextDevice == nil and first.DriverObject == DriverObject)
    assert(second.DriverObject.DeviceObject == second)
    assert(DriverObject.Type == 4 and DriverObject.Size == 0xA8)
    assert(DriverObject.DriverName == "\\Driver\\views")
    local name = UNICODE_STRING(DriverObject + FIELD_OFFSET(DRIVER_OBJECT, "DriverName"))
    assert(name.Length == 2 * #"\\Driver\\views" and name.Buffer:u16(0) == 0x5C)

    -- A device pointer kept in pool as a raw pointer, viewed again.
    local slot = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "View")
    slot:set_ptr(0, first)
    local again = DEVICE_OBJECT(slot:ptr(0))
    assert(again == first and again.DeviceExtension == first.DeviceExtension)
    assert(DEVICE_OBJECT(nil) == nil)
    ExFreePoolWithTag(slot, "View")

    -- T() is storage; T(p) a view of it.
    local entry = LIST_ENTRY()
    InitializeListHead(entry)
    assert(LIST_ENTRY(entry + 0).Flink == entry)
    assert(CONTAINING_RECORD(entry.Blink, "LIST_ENTRY", "Flink") == entry)

    DriverObject.DriverUnload = function(DriverObject)
      local deleted = 0
      local device = DriverObject.DeviceObject
      while device do
        local nextDevice = device.NextDevice
        IoDeleteDevice(device)
        deleted = deleted + 1
        device = nextDevice
      end
      assert(deleted == 2 and DriverObject.DeviceObject == nil)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "views.sys" == STATUS_SUCCESS)
  assert(UnloadDriver "views.sys" == STATUS_SUCCESS)
end)
