-- csamp_clean: Microsoft's cancel-safe queue sample (drivers/csamp.lua,
-- general/cancel/sys) used as its test application does: overlapped reads
-- on one handle queue on the IO_CSQ; one is cancelled (CancelIoEx: the I/O
-- manager's IopCsqCancelRoutine calls CsampRemoveIrp under the queue's
-- lock, then CsampCompleteCanceledIrp after it), the polling thread
-- completes the others in order; a read too small fails at once; the
-- handle's close runs its remove lock down and cancels what it still has
-- queued (IoCsqRemoveNextIrp with the file object as peek context). Clean
-- under /standard, on two processors.
scenario {
  verifier = "/standard /driver csamp.sys",
  cpus = 2,
  expect = "clean",
}

driver "csamp.sys" "drivers/csamp.lua"

run(function()
  assert(LoadDriver "csamp.sys" == STATUS_SUCCESS)
  local App = CreateProcess "canclapp.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\\\.\\CancelSamp")
    assert(ReadFile(Handle, 2) == STATUS_BUFFER_TOO_SMALL)
    local s1, r1, e1 = ReadFile(Handle, 4, true)
    local s2, r2, e2 = ReadFile(Handle, 4, true)
    local s3, r3, e3 = ReadFile(Handle, 4, true)
    assert(s1 == STATUS_PENDING and s2 == STATUS_PENDING and s3 == STATUS_PENDING)
    assert(CancelIoEx(r3), "the queue's cancel routine ran")
    KeWaitForSingleObject(e3, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(r3) == STATUS_CANCELLED)
    KeWaitForSingleObject(e1, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(r1) == STATUS_SUCCESS)
    KeWaitForSingleObject(e2, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(r2) == STATUS_SUCCESS)
    -- Two more, then the close: cleanup cancels the one still queued.
    local s4, r4, e4 = ReadFile(Handle, 4, true)
    local s5, r5, e5 = ReadFile(Handle, 4, true)
    assert(s4 == STATUS_PENDING and s5 == STATUS_PENDING)
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
    KeWaitForSingleObject(e4, Executive, UserMode, false, nil)
    KeWaitForSingleObject(e5, Executive, UserMode, false, nil)
    local t4, t5 = GetOverlappedResult(r4), GetOverlappedResult(r5)
    assert(t4 == STATUS_SUCCESS or t4 == STATUS_CANCELLED)
    assert(t5 == STATUS_SUCCESS or t5 == STATUS_CANCELLED, "the polling thread or cleanup")
  end)
  assert(UnloadDriver "csamp.sys" == STATUS_SUCCESS)
end)
