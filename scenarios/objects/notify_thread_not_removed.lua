-- notify_thread_not_removed: procmon.sys forgets
-- PsRemoveCreateThreadNotifyRoutine in its unload routine (BUG). Windows does
-- not check at unload ("a driver must remove any callbacks it registers
-- before it unloads"); the next thread calls the routine in the unloaded
-- image: 0xCE.
scenario {
  verifier = "/standard /driver procmon.sys",
  expect = { bugcheck = 0xCE, driver = "procmon.sys" },
}

ProcMonForget = "thread"
driver "procmon.sys" "drivers/procmon.lua"

run(function()
  LoadDriver "procmon.sys"
  UnloadDriver "procmon.sys"
  RunInProcess(CreateProcess "later.exe", function() end)
end)
