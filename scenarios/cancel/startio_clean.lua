-- startio_clean: Microsoft's general/cancel/startio sample (drivers/startio.lua) used
-- as its test application does. The first read finds the device idle: its
-- CsampInsertIrp (IoCsqInitializeEx's insert, an IO_CSQ_INSERT_IRP_EX) refuses
-- it and makes it the CurrentIrp, IoCsqInsertIrpEx returns that failure and the
-- read starts at once; the next ones queue (IoCsqInsertIrpEx: STATUS_SUCCESS).
-- One queued read is cancelled (CancelIoEx: the queue's callbacks remove and
-- complete it); the polling DPC completes the current one and takes the next
-- with IoCsqRemoveNextIrp; the handle's cleanup cancels the rest. Clean under
-- /standard, on two processors.
scenario {
  verifier = "/standard /driver startio.sys",
  cpus = 2,
  expect = "clean",
}

StartioVariant = "clean"
driver "startio.sys" "drivers/startio.lua"

run(function()
  assert(LoadDriver "startio.sys" == STATUS_SUCCESS)
  local App = CreateProcess "canclapp.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\\\.\\CancelSampStartIo")
    assert(ReadFile(Handle, 2) == STATUS_BUFFER_TOO_SMALL)
    local s1, r1, e1 = ReadFile(Handle, 4, true)
    local s2, r2, e2 = ReadFile(Handle, 4, true)
    local s3, r3, e3 = ReadFile(Handle, 4, true)
    assert(s2 == STATUS_PENDING and s3 == STATUS_PENDING)
    assert(CancelIoEx(r2), "the queue's cancel routine ran")
    KeWaitForSingleObject(e2, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(r2) == STATUS_CANCELLED)
    if s1 == STATUS_PENDING then
      KeWaitForSingleObject(e1, Executive, UserMode, false, nil)
    end
    assert(GetOverlappedResult(r1) == STATUS_SUCCESS)
    KeWaitForSingleObject(e3, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(r3) == STATUS_SUCCESS)
    -- Three more: one current, two queued when the handle closes.
    local s4, r4, e4 = ReadFile(Handle, 4, true)
    local s5, r5, e5 = ReadFile(Handle, 4, true)
    local s6, r6, e6 = ReadFile(Handle, 4, true)
    assert(s5 == STATUS_PENDING and s6 == STATUS_PENDING)
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
    for _, e in ipairs({ e4, e5, e6 }) do
      KeWaitForSingleObject(e, Executive, UserMode, false, nil)
    end
    assert(GetOverlappedResult(r6) == STATUS_CANCELLED, "cleanup cancelled the last read")
  end)
  assert(UnloadDriver "startio.sys" == STATUS_SUCCESS)
end)
