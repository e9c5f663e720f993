-- pool_double_free (clean twin): the error path clears the pointer after freeing it, so DriverUnload frees nothing twice.
scenario {
  verifier = "/standard /driver fwload.sys",
  expect   = "clean",
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
      ExFreePoolWithTag(FirmwareImage, "FwIm")
      FirmwareImage = nil                      -- right: forget the freed block
    end
    DriverObject.DriverUnload = function(DriverObject)
      if FirmwareImage ~= nil then
        ExFreePoolWithTag(FirmwareImage, "FwIm")
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
