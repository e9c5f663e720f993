-- startio_recursion_clean: serial.sys (drivers/serial.lua) as in
-- startio_recursion.lua, with IoSetStartIoAttributes(DeviceObject, TRUE,
-- FALSE): an IoStartNextPacket inside StartIo is deferred until StartIo
-- returns, so the forty fast reads are served one after another at one
-- StartIo deep. Clean under /standard.
scenario {
  verifier = "/standard /driver serial.sys",
  cpus = 2,
  expect = "clean",
}

SerialDeferred = true
driver "serial.sys" "drivers/serial.lua"

run(function()
  assert(LoadDriver "serial.sys" == STATUS_SUCCESS)
  local App = CreateProcess "term.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\\\.\\COM9")
    local requests = {}
    for i = 1, 41 do
      local status, request, event = ReadFile(Handle, i == 1 and 4 or 1, true)
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
  assert(#SerialServed == 41)
  assert(SerialDevice.DeviceExtension:u32(0x88) == 1, "StartIo never ran inside itself")
  assert(UnloadDriver "serial.sys" == STATUS_SUCCESS)
end)
