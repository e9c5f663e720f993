-- cancel_queue_clean: Microsoft's cancel sample (drivers/cancel.lua) used
-- as its test application does: three overlapped reads on one handle, the
-- second cancelled (CancelIoEx: the queue's cancel routine), the third left
-- for CloseHandle's IRP_MJ_CLEANUP to cancel; a read on the second device.
-- The queue links IRPs through Tail.Overlay.ListEntry and takes them back
-- with CONTAINING_RECORD(entry, IRP, "Tail.Overlay.ListEntry"); the unload
-- walks DriverObject.DeviceObject and NextDevice. Done right: clean, under
-- /standard and I/O verification.
scenario {
  verifier = "/standard /flags 0x10 /driver cancel.sys",
  cpus = 2,
  expect = "clean",
}

driver "cancel.sys" "drivers/cancel.lua"

run(function()
  assert(LoadDriver "cancel.sys" == STATUS_SUCCESS)
  local App = CreateProcess "canceltest.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\\\.\\CancelSamp0")
    local s1, r1, e1 = ReadFile(Handle, 4, true)
    local s2, r2, e2 = ReadFile(Handle, 4, true)
    local s3, r3, e3 = ReadFile(Handle, 4, true)
    assert(s1 == STATUS_PENDING and s2 == STATUS_PENDING and s3 == STATUS_PENDING)
    assert(CancelIoEx(r2), "the queue's cancel routine ran")
    KeWaitForSingleObject(e2, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(r2) == STATUS_CANCELLED)
    KeWaitForSingleObject(e1, Executive, UserMode, false, nil)
    local status, data = GetOverlappedResult(r1)
    assert(status == STATUS_SUCCESS and string.unpack("<I4", data) == 1, "polled")
    -- The third is current now; a fourth queues behind it, then the close
    -- cancels what is still queued.
    local s4, r4, e4 = ReadFile(Handle, 4, true)
    assert(s4 == STATUS_PENDING)
    KeWaitForSingleObject(e3, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(r3) == STATUS_SUCCESS)
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
    KeWaitForSingleObject(e4, Executive, UserMode, false, nil)
    local s = GetOverlappedResult(r4)
    assert(s == STATUS_SUCCESS or s == STATUS_CANCELLED, "the fourth read ended")

    local Other = assert(CreateFile "\\\\.\\CancelSamp1")
    assert(ReadFile(Other, 2) == STATUS_BUFFER_TOO_SMALL)
    assert(ReadFile(Other, 4) == STATUS_SUCCESS)
    assert(CloseHandle(Other) == STATUS_SUCCESS)
  end)
  assert(UnloadDriver "cancel.sys" == STATUS_SUCCESS)
end)
