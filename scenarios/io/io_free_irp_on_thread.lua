-- io_free_irp_on_thread: lenclient.sys asks echo.sys how much its buffer
-- holds with IoBuildDeviceIoControlRequest, and caches the answer. It
-- builds the request before looking at its cache; on a cache hit it throws
-- the request away with IoFreeIrp. A request from
-- IoBuildDeviceIoControlRequest is queued to the calling thread and belongs
-- to the I/O manager, which frees it when it completes: I/O verification
-- stops the free (0xC9, P1 = 2, P2 the IRP).
scenario {
  verifier = "/standard /driver lenclient.sys",
  expect = { bugcheck = 0xC9, p1 = 0x2, driver = "lenclient.sys" },
}

driver "echo.sys" "drivers/echo.lua"

driver "lenclient.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Output, Cached = ExAllocatePoolWithTag(NonPagedPoolNx, 4, "LenC"), nil
    if Output == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    QueryLength = function()
      local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
      KeInitializeEvent(Event, NotificationEvent, false)
      local Irp = IoBuildDeviceIoControlRequest(IOCTL_ECHO_GET_LENGTH, EchoDevice, nil, 0,
                                                Output, 4, false, Event, Iosb)
      if Irp == nil then
        return STATUS_INSUFFICIENT_RESOURCES
      end
      if Cached ~= nil then
        IoFreeIrp(Irp)                     -- BUG: the I/O manager owns this IRP
        return STATUS_SUCCESS
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
