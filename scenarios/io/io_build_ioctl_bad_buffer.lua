-- io_build_ioctl_bad_buffer: logger.sys stages log records in an 8 KB buffer,
-- sends each to its log device (as a buffered IOCTL) and keeps a pointer to
-- the last one for a retry. Its flush path frees the staging buffer but
-- keeps that pointer; the retry builds a request on freed memory, whose
-- pages are gone. I/O verification checks the buffer when the request is
-- built (0xC9, P1 = 9, P2 the device, P3 the IOCTL code, P4 the exception status,
-- STATUS_ACCESS_VIOLATION). Without it the I/O manager's copy faults.
scenario {
  verifier = "/standard /driver logger.sys",
  expect = { bugcheck = 0xC9, p1 = 0x9, p3 = 0x222000, p4 = 0xC0000005, driver = "logger.sys" },
}

driver "echo.sys" "drivers/echo.lua"

-- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
IOCTL_LOG_RECORD = 0x222000

driver "logger.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Staging, LastRecord = ExAllocatePoolWithTag(NonPagedPoolNx, 0x2000, "LogS"), nil
    if Staging == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local function Send(Buffer, Length)
      local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
      KeInitializeEvent(Event, NotificationEvent, false)
      local Irp = IoBuildDeviceIoControlRequest(IOCTL_LOG_RECORD, EchoDevice, Buffer, Length,
                                                nil, 0, false, Event, Iosb)
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
      -- BUG: LastRecord still points into the freed buffer
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
