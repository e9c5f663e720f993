-- user_process: harness code playing an application. CreateProcess makes a
-- user process; RunInProcess runs a function on a new thread of it and waits
-- for it; StartInProcess starts one and hands back its referenced thread
-- object. Code on those threads is in the application's context, as a
-- request from the application would be in a driver. A process ends when its
-- last thread does, as on Windows: no thread can be started in it after that.
scenario { expect = "clean" }

run(function()
  local system = PsGetCurrentProcess()
  local app = CreateProcess "app.exe"
  assert(app ~= system)

  local seen
  RunInProcess(app, function()
    seen = { process = PsGetCurrentProcess(), id = PsGetCurrentProcessId() }
    Sleep "10ms"                       -- harness functions work here too
  end)
  assert(seen.process == app and seen.id == 0x100)
  assert(PsGetCurrentProcess() == system)
  -- app.exe's only thread has returned: app.exe has ended.

  -- Two applications at once; the harness waits for the second.
  local other = CreateProcess "other.exe"
  local done = 0
  local thread = StartInProcess(other, function()
    assert(PsGetCurrentProcessId() == 0x104)
    Sleep "5ms"
    done = done + 1
  end)
  RunInProcess(CreateProcess "third.exe", function() done = done + 1 end)
  KeWaitForSingleObject(thread, Executive, KernelMode, false, nil)
  ObDereferenceObject(thread)
  assert(done == 2)
end)
