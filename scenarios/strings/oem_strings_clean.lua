-- oem_strings_clean: a storage class driver's bookkeeping, as disk and
-- FAT-era drivers do it. It converts a short 8.3 name between Unicode and
-- the OEM code page (437: "É" is 0x90 there, "€" has no OEM character and
-- the counted conversion refuses it with STATUS_UNMAPPABLE_CHARACTER),
-- with counted strings (no terminating NUL, MaximumLength = Length) and
-- the N routines (truncation is STATUS_BUFFER_OVERFLOW, a warning); it
-- numbers its disk from IoGetConfigurationInformation's DiskCount and
-- counts itself in; and it completes work from its device object's own DPC
-- (IoInitializeDpcRequest, IoRequestDpc: the routine gets the device, the
-- IRP and the context). Clean, under /standard.
scenario {
  verifier = "/standard /driver oemdisk.sys",
  expect = "clean",
}

driver "oemdisk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- Unicode -> OEM, counted, allocated: "ÉTÉ.TXT".
    local Name = UNICODE_STRING()
    RtlInitUnicodeString(Name, "\u{C9}T\u{C9}.TXT")
    local Oem = STRING()
    assert(RtlUnicodeStringToCountedOemString(Oem, Name, true) == STATUS_SUCCESS)
    assert(Oem.Length == 7 and Oem.MaximumLength == 7)
    assert(Oem.Buffer:read(0, 7) == "\x90T\x90.TXT")
    -- ... and back.
    local Back = UNICODE_STRING()
    assert(RtlOemStringToCountedUnicodeString(Back, Oem, true) == STATUS_SUCCESS)
    assert(Back.Length == 14 and Back.MaximumLength == 14)
    assert(RtlEqualUnicodeString(Back, Name, false))
    RtlFreeUnicodeString(Back)
    RtlFreeOemString(Oem)
    assert(Oem.Buffer == nil and Oem.Length == 0)
    -- A character code page 437 does not have.
    RtlInitUnicodeString(Name, "5\u{20AC}")
    assert(RtlUnicodeStringToCountedOemString(Oem, Name, true) == STATUS_UNMAPPABLE_CHARACTER)
    -- The N routines: into a caller's buffer, truncated when it is short.
    local Wide = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "OemD")
    local Bytes = LONG()
    local Src = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "OemD")
    Src:write(0, "A\x81B")
    assert(RtlOemToUnicodeN(Wide, 16, Bytes, Src, 3) == STATUS_SUCCESS)
    assert(Bytes:u32(0) == 6 and Wide:u16(2) == 0xFC) -- 0x81 is "ü"
    assert(RtlOemToUnicodeN(Wide, 4, Bytes, Src, 3) == STATUS_BUFFER_OVERFLOW)
    assert(Bytes:u32(0) == 4)
    assert(RtlUnicodeToOemN(Src, 8, Bytes, Wide, 4) == STATUS_SUCCESS)
    assert(Bytes:u32(0) == 2 and Src:read(0, 2) == "A\x81")
    ExFreePoolWithTag(Src, "OemD")
    ExFreePoolWithTag(Wide, "OemD")

    -- Its disk number, from the configuration counts.
    local Config = IoGetConfigurationInformation()
    assert(Config:u32(32) == 40) -- Version: sizeof(CONFIGURATION_INFORMATION)
    DiskNumber = Config:u32(0)   -- DiskCount
    Config:set_u32(0, DiskNumber + 1)
    assert(IoGetConfigurationInformation():u32(0) == DiskNumber + 1)

    local status
    status, Device = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_DISK, 0, false)
    if status ~= STATUS_SUCCESS then return status end
    IoInitializeDpcRequest(Device, function(Dpc, DeviceObject, Irp, Context)
      assert(DeviceObject == Device and Irp == nil and Context == Device.DeviceExtension)
      assert(KeGetCurrentIrql() == DISPATCH_LEVEL)
      DpcRan = true
    end)
    DriverObject.DriverUnload = function(DriverObject)
      local Config = IoGetConfigurationInformation()
      Config:set_u32(0, Config:u32(0) - 1)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "oemdisk.sys" == STATUS_SUCCESS)
  assert(DiskNumber == 0)
  local old = KeRaiseIrql(DISPATCH_LEVEL)
  IoRequestDpc(Device, nil, Device.DeviceExtension)
  KeLowerIrql(old)
  Sleep "1ms"
  assert(DpcRan)
  UnloadDriver "oemdisk.sys"
end)
