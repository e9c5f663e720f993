-- io_free_irp_on_thread_clean: lenclient.sys asks echo.sys how much its
-- buffer holds with IoBuildDeviceIoControlRequest, and caches the answer.
-- It looks at its cache before it builds a request, so every request it
-- builds is sent, and the I/O manager frees it when it completes. Clean.
scenario {
  verifier = "/standard /driver lenclient.sys",
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"

driver "lenclient.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Output, Cached = ExAllocatePoolWithTag(NonPagedPoolNx, 4, "LenC"), nil
    if Output == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    QueryLength = function()
      if Cached ~= nil then
        return STATUS_SUCCESS
      end
      local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
      KeInitializeEvent(Event, NotificationEvent, false)
      local Irp = IoBuildDeviceIoControlRequest(IOCTL_ECHO_GET_LENGTH, EchoDevice, nil, 0,
                                                Output, 4, false, Event, Iosb)
      if Irp == nil then
        return STATUS_INSUFFICIENT_RESOURCES
      end
      if IoCallDriver(EchoDevice, Irp) == STATUS_PENDING then
        KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
      end
      Cached = Output:u32(0)
      return Iosb.Status
    end
    QueryLength()
    QueryLength()
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Output, "LenC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "lenclient.sys"
  UnloadDriver "lenclient.sys"
end)
