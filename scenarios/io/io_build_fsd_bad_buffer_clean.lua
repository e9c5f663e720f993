-- io_build_fsd_bad_buffer_clean: logger.sys stages log records in an 8 KB buffer,
-- sends each to its log device (IoBuildSynchronousFsdRequest) and keeps the last one for a
-- retry. Its flush path frees the staging buffer and forgets the last
-- record with it, so nothing is sent from freed memory. Clean.
scenario {
  verifier = "/standard /driver logger.sys",
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"

driver "logger.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Staging, LastRecord = ExAllocatePoolWithTag(NonPagedPoolNx, 0x2000, "LogS"), nil
    if Staging == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local function Send(Buffer, Length)
      local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
      KeInitializeEvent(Event, NotificationEvent, false)
      local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_WRITE, EchoDevice, Buffer, Length, nil,
                                               Event, Iosb)
      if Irp == nil then
        return STATUS_INSUFFICIENT_RESOURCES
      end
      if IoCallDriver(EchoDevice, Irp) == STATUS_PENDING then
        KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
      end
      return Iosb.Status
    end
    -- A record is staged, sent, and kept as the last one for a retry.
    local function WriteRecord(Text)
      Staging:write(0, Text)
      LastRecord, LastLength = Staging, #Text
      return Send(Staging, #Text)
    end
    local function Flush()
      ExFreePoolWithTag(Staging, "LogS")
      Staging = nil
      LastRecord = nil
    end
    WriteRecord("driver started")
    Flush()
    if LastRecord ~= nil then
      Send(LastRecord, LastLength)   -- retry the last record
    end
    DriverObject.DriverUnload = function(DriverObject)
      if Staging ~= nil then
        Flush()
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "logger.sys"
  UnloadDriver "logger.sys"
end)
