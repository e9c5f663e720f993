-- release_twice_clean: csamp.sys releases the handle's remove lock once on CsampRead's
-- buffer-too-small path. Clean under /standard.
scenario {
  verifier = "/standard /driver csamp.sys",
  cpus = 2,
  expect = "clean",
}

CsampVariant = "clean"
driver "csamp.sys" "drivers/csamp.lua"

run(function()
  assert(LoadDriver "csamp.sys" == STATUS_SUCCESS)
  local App = CreateProcess "canclapp.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\\\.\\CancelSamp")
    assert(ReadFile(Handle, 2) == STATUS_BUFFER_TOO_SMALL)
    local s1, r1, e1 = ReadFile(Handle, 4, true)
    local s2, r2, e2 = ReadFile(Handle, 4, true)
    assert(s1 == STATUS_PENDING and s2 == STATUS_PENDING)
    KeWaitForSingleObject(e1, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(r1) == STATUS_SUCCESS)
    assert(CloseHandle(Handle) == STATUS_SUCCESS)
    KeWaitForSingleObject(e2, Executive, UserMode, false, nil)
  end)
  assert(UnloadDriver "csamp.sys" == STATUS_SUCCESS)
end)
