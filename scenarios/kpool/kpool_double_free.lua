-- kpool_double_free: without the verifier, the kernel catches a buffer freed on an error path and again at unload (0xC2/0x07).
-- With the driver verified, the verifier's 0xC4/0x13 (pool_double_free) fires first.
scenario {
  -- P3 is the header contents, P4 the address of the block.
  expect = { bugcheck = 0xC2, p1 = 0x07, p2 = 0, driver = "fwload.sys" },
}

-- Pushes the firmware image to the device; this device rejects it.
local function DownloadFirmware(Image)
  return STATUS_UNSUCCESSFUL
end

driver "fwload.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    FirmwareImage = ExAllocatePoolWithTag(NonPagedPoolNx, 2048, "FwIm")
    if FirmwareImage == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = DownloadFirmware(FirmwareImage)
    if Status ~= STATUS_SUCCESS then
      -- Keep running without firmware; the image is no longer needed.
      -- BUG: FirmwareImage is not set to NULL after the free.
      ExFreePoolWithTag(FirmwareImage, "FwIm")
    end
    DriverObject.DriverUnload = function(DriverObject)
      if FirmwareImage ~= nil then
        ExFreePoolWithTag(FirmwareImage, "FwIm")   -- the second free
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fwload.sys"
  Sleep "10ms"
  UnloadDriver "fwload.sys"
end)
