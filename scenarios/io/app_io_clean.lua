-- app_io_clean: applications use echo.sys (under echofilt.sys) through
-- the Win32-style harness calls. notepad.exe opens "\\.\Echo" (CreateFile:
-- IRP_MJ_CREATE through the \DosDevices link, to the top of the stack),
-- writes, reads back, asks for the length (a buffered IOCTL), then parks an
-- overlapped IOCTL_ECHO_WAIT that a second application's write releases,
-- and a second wait that it cancels (CancelIoEx). CloseHandle sends
-- IRP_MJ_CLEANUP and IRP_MJ_CLOSE. The dispatch routines run in the
-- application's context. Everything is done right: clean.
scenario {
  verifier = "/standard /driver echo.sys echofilt.sys",
  cpus = 2,
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"
driver "echofilt.sys" "drivers/echofilt.lua"

run(function()
  LoadDriver "echo.sys"
  LoadDriver "echofilt.sys"
  local Notepad, Writer = CreateProcess "notepad.exe", CreateProcess "writer.exe"
  RunInProcess(Notepad, function()
    local Handle, status = CreateFile "\\\\.\\Echo"
    assert(Handle ~= nil and status == STATUS_SUCCESS, "open")
    local written
    status, written = WriteFile(Handle, "hello, application")
    assert(status == STATUS_SUCCESS and written == 18, "write")
    local data
    status, data = ReadFile(Handle, 64)
    assert(status == STATUS_SUCCESS and data == "hello, application", "read")
    assert(BytesRead == 18, "the filter counted the read")
    status, data = DeviceIoControl(Handle, IOCTL_ECHO_GET_LENGTH, nil, 4)
    assert(status == STATUS_SUCCESS and string.unpack("<I4", data) == 18, "length")

    -- An overlapped wait, released by another application's write.
    local Request, Event
    status, Request, Event = DeviceIoControl(Handle, IOCTL_ECHO_WAIT, nil, 0, true)
    assert(status == STATUS_PENDING, "the wait pends")
    RunInProcess(Writer, function()
      local Other = CreateFile "\\Device\\Echo"
      WriteFile(Other, "wake up")
      CloseHandle(Other)
    end)
    KeWaitForSingleObject(Event, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(Request) == STATUS_SUCCESS, "released")

    -- A second wait, cancelled.
    status, Request, Event = DeviceIoControl(Handle, IOCTL_ECHO_WAIT, nil, 0, true)
    assert(status == STATUS_PENDING)
    assert(CancelIoEx(Request), "the cancel routine ran")
    KeWaitForSingleObject(Event, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(Request) == STATUS_CANCELLED, "cancelled")

    assert(CloseHandle(Handle) == STATUS_SUCCESS, "close")
  end)
  assert(CreateFile "\\\\.\\Nothing" == nil, "no such device")
  UnloadDriver "echofilt.sys"
  UnloadDriver "echo.sys"
end)
