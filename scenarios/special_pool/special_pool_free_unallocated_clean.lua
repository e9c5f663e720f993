-- special_pool_free_unallocated_clean: the twin of special_pool_free_unallocated.
-- The error path clears the pointer after the free, so the unload routine
-- frees nothing twice.
scenario {
  gflags = "+spp Ucam",
  expect = "clean",
}

driver "usbcam.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Frame = ExAllocatePoolWithTag(NonPagedPoolNx, 640, "Ucam")
    if Frame == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Probe = false -- the camera did not answer: give the buffer back
    if not Probe then
      ExFreePoolWithTag(Frame, "Ucam")
      Frame = nil
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
