-- special_pool_free_unallocated: a double free in special pool. usbcam.sys is
-- not verified, but GFlags asks for special pool for its tag ("+spp Ucam",
-- which applies to every driver). Its start-up error path frees the frame
-- buffer and the unload routine frees it again. The first free unmapped the
-- page, so the second finds no allocation there: 0xC1 with P4 = 0x20, P1 the
-- address freed.
scenario {
  gflags = "+spp Ucam",
  expect = { bugcheck = 0xC1, p4 = 0x20, driver = "usbcam.sys" },
}

driver "usbcam.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Frame = ExAllocatePoolWithTag(NonPagedPoolNx, 640, "Ucam")
    if Frame == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Probe = false -- the camera did not answer: give the buffer back
    if not Probe then
      ExFreePoolWithTag(Frame, "Ucam") -- BUG: Frame is not set to nil
    end
    DriverObject.DriverUnload = function(DriverObject)
      if Frame ~= nil then
        ExFreePoolWithTag(Frame, "Ucam")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "usbcam.sys"
  Sleep "10ms"
  UnloadDriver "usbcam.sys"
end)
