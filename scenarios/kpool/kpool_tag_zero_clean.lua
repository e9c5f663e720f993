-- kpool_tag_zero (clean twin): the driver's pool tag is a real four-letter tag (no verifier).
scenario {
  expect = "clean",
}

local CAM_POOL_TAG = "UCam"                  -- right: #define CAM_POOL_TAG 'maCU'
local FRAME_HEADER_SIZE = 96

driver "usbcam.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    FrameHeader = ExAllocatePoolWithTag(NonPagedPoolNx, FRAME_HEADER_SIZE, CAM_POOL_TAG)
    if FrameHeader == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(FrameHeader, CAM_POOL_TAG)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "usbcam.sys"
  Sleep "10ms"
  UnloadDriver "usbcam.sys"
end)
