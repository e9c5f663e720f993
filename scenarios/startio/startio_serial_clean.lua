-- startio_serial_clean: serial.sys (drivers/serial.lua), a classic StartIo
-- driver: reads go through IoStartPacket with a cancel routine; the first
-- finds the device idle and StartIo runs at once, the others wait in the
-- device object's DeviceQueue. One queued read is cancelled (CancelIoEx:
-- its cancel routine takes it out with KeRemoveEntryDeviceQueue); the
-- current one cannot be (StartIo cleared its cancel routine). Each DPC
-- completes the current read and starts the next (IoStartNextPacket). A
-- fast read, answered in StartIo itself, starts the next from there. Clean
-- under /standard, on two processors.
scenario {
  verifier = "/standard /driver serial.sys",
  cpus = 2,
  expect = "clean",
}

driver "serial.sys" "drivers/serial.lua"

run(function()
  assert(LoadDriver "serial.sys" == STATUS_SUCCESS)
  local App = CreateProcess "term.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\\\.\\COM9")
    local requests = {}
    for i = 1, 5 do
      local status, request, event = ReadFile(Handle, i == 4 and 1 or 4, true)
      assert(status == STATUS_PENDING or status == STATUS_SUCCESS)
      requests[i] = { status = status, request = request, event = event }
    end
    assert(not CancelIoEx(requests[1].request), "the current read is no longer cancelable")
    assert(CancelIoEx(requests[3].request), "a queued read is")
    for i, r in ipairs(requests) do
      if r.status == STATUS_PENDING then
        KeWaitForSingleObject(r.event, Executive, UserMode, false, nil)
      end
      local status, data = GetOverlappedResult(r.request)
      if i == 3 then
        assert(status == STATUS_CANCELLED)
      else
        assert(status == STATUS_SUCCESS and #data == 1)
      end
    end
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
  end)
  assert(#SerialServed == 4, "four reads served, one cancelled")
  assert(SerialDevice.CurrentIrp == nil and SerialDevice.DeviceQueue.Busy == 0, "idle again")
  assert(UnloadDriver "serial.sys" == STATUS_SUCCESS)
end)
