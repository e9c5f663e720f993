-- startio_bykey_clean: serial.sys (drivers/serial.lua) queues its reads by
-- key (IoStartPacket with a Key: KeInsertByKeyDeviceQueue keeps the device
-- queue sorted, equal keys in arrival order) and serves them with
-- IoStartNextPacketByKey from the last key served: the first queued read
-- whose key is at least that one, else the queue's head (a one-way
-- elevator). The keys are the reads' lengths. Clean under /standard.
scenario {
  verifier = "/standard /driver serial.sys",
  cpus = 2,
  expect = "clean",
}

SerialByKey = true
driver "serial.sys" "drivers/serial.lua"

run(function()
  assert(LoadDriver "serial.sys" == STATUS_SUCCESS)
  local App = CreateProcess "term.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\\\.\\COM9")
    local requests = {}
    -- The 6 starts the device; the rest queue by length.
    for i, length in ipairs({ 6, 9, 3, 7, 4, 7, 2 }) do
      local status, request, event = ReadFile(Handle, length, true)
      requests[i] = { status = status, request = request, event = event }
    end
    for _, r in ipairs(requests) do
      if r.status == STATUS_PENDING then
        KeWaitForSingleObject(r.event, Executive, UserMode, false, nil)
      end
      assert(GetOverlappedResult(r.request) == STATUS_SUCCESS)
    end
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
  end)
  -- From 6 up (7, 7, 9), then from the head (2, 3, 4).
  assert(table.concat(SerialServed, " ") == "6 7 7 9 2 3 4", table.concat(SerialServed, " "))
  assert(UnloadDriver "serial.sys" == STATUS_SUCCESS)
end)
