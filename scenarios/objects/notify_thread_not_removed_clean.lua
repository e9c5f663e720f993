-- notify_thread_not_removed_clean: the twin of
-- notify_thread_not_removed.lua: procmon.sys removes its thread notify
-- routine at unload, and the later application is not heard. Clean.
scenario {
  verifier = "/standard /driver procmon.sys",
  expect = "clean",
}

ProcMonForget = nil
driver "procmon.sys" "drivers/procmon.lua"

run(function()
  LoadDriver "procmon.sys"
  UnloadDriver "procmon.sys"
  RunInProcess(CreateProcess "later.exe", function() end)
end)
