-- kpool_tag_zero: a driver's pool tag macro was left as 0, and the kernel rejects the allocation (0xC2/0x9B).
-- The verifier has no 0xC4 form of this check: verified or not, the kernel raises 0xC2/0x9B.
scenario {
  -- P4 is the caller's address (scenario code has none: 0).
  expect = { bugcheck = 0xC2, p1 = 0x9B, p2 = NonPagedPoolNx, p3 = 96, p4 = 0,
             driver = "usbcam.sys" },
}

local CAM_POOL_TAG = 0                       -- #define CAM_POOL_TAG 0  // TODO: pick a tag
local FRAME_HEADER_SIZE = 96

driver "usbcam.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- BUG: tag 0. Every allocation needs a real tag ('UCam').
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
