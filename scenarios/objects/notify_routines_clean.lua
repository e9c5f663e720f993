-- notify_routines_clean: procmon.sys registers a load image, a thread and
-- a process notify routine. A second driver's load is heard as a system
-- image (ProcessId 0, SystemModeImage); an application's creation as its
-- executable's image, then the process (its PS_CREATE_NOTIFY_INFO with
-- the parent); its thread's start and exit on that thread; the process's
-- exit in its last thread. A registration made twice is refused
-- (STATUS_INVALID_PARAMETER) and removing what is not registered is
-- STATUS_PROCEDURE_NOT_FOUND, as on Windows. Unloading removes them all:
-- later processes and drivers are not heard. Clean under /standard.
scenario {
  verifier = "/standard /driver procmon.sys",
  expect = "clean",
}

driver "procmon.sys" "drivers/procmon.lua"
driver "other.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local twice = PsSetCreateThreadNotifyRoutine(Twice)
    assert(NT_SUCCESS(twice))
    assert(PsSetCreateThreadNotifyRoutine(Twice) == STATUS_INVALID_PARAMETER)
    assert(PsRemoveCreateThreadNotifyRoutine(Twice) == STATUS_SUCCESS)
    assert(PsRemoveCreateThreadNotifyRoutine(Twice) == STATUS_PROCEDURE_NOT_FOUND)
    assert(PsRemoveLoadImageNotifyRoutine(Twice) == STATUS_PROCEDURE_NOT_FOUND)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}
function Twice(ProcessId, ThreadId, Create) end

run(function()
  LoadDriver "procmon.sys"
  LoadDriver "other.sys"
  local App = CreateProcess "app.exe"
  RunInProcess(App, function() end)
  local expected = {
    "image 0 system 1 size 0x1000",
    "image 256 system 0 size 0x10000",
    "process 256 create parent 4",
    "thread 256 create",
    "thread 256 exit",
    "process 256 exit",
  }
  assert(#Log == #expected, "six notifications, got " .. #Log)
  for i = 1, #expected do
    assert(Log[i] == expected[i], Log[i] .. " ~= " .. expected[i])
  end
  UnloadDriver "other.sys"
  UnloadDriver "procmon.sys"
  RunInProcess(CreateProcess "later.exe", function() end)
  assert(#Log == #expected, "not heard after unload")
end)
