-- startio_recursion: serial.sys (drivers/serial.lua) answers fast reads in
-- StartIo itself and starts the next packet from there. Forty fast reads
-- queue behind a slow one; when the slow one's DPC starts the next packet,
-- each StartIo calls IoStartNextPacket, which calls StartIo again, inside
-- it: the kernel stack fills (24 KB on x64) and the processor double-faults,
-- 0x7F with P1 = 8. IoSetStartIoAttributes(DeviceObject, TRUE, FALSE) is the
-- documented remedy (startio_recursion_clean.lua).
scenario {
  verifier = "/standard /driver serial.sys",
  cpus = 2,
  expect = { bugcheck = 0x7F, p1 = 0x8 },
}

SerialDeferred = false
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
