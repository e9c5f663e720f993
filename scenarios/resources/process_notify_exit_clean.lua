-- process_notify_exit_clean: a process monitor registers a creation
-- callback and keeps a count of live applications. Windows calls the
-- routine with Create TRUE in the creator's context when a process is
-- created, and with Create FALSE in the context of its last thread when it
-- exits; the driver removes the routine before it unloads.
scenario {
  verifier = "/standard /driver procmon.sys",
  expect   = "clean",
}

driver "procmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Live, Created, Exited, Seen = 0, 0, 0, {}
    Notify = function(ParentId, ProcessId, Create)
      assert(KeGetCurrentIrql() == PASSIVE_LEVEL)
      if Create then
        Live, Created = Live + 1, Created + 1
        Seen[#Seen + 1] = string.format("+%x<%x", ProcessId, ParentId)
      else
        assert(PsGetCurrentProcessId() == ProcessId, "the exiting process's own thread")
        Live, Exited = Live - 1, Exited + 1
        Seen[#Seen + 1] = string.format("-%x", ProcessId)
      end
    end
    local status = PsSetCreateProcessNotifyRoutine(Notify, false)
    if not NT_SUCCESS(status) then
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      PsSetCreateProcessNotifyRoutine(Notify, true)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "procmon.sys"
  local app = CreateProcess "app.exe"
  RunInProcess(app, function() Sleep "1ms" end)          -- its only thread: it exits
  local other = CreateProcess "other.exe"
  local thread = StartInProcess(other, function() Sleep "5ms" end)
  KeWaitForSingleObject(thread, Executive, KernelMode, false, nil)
  ObDereferenceObject(thread)
  assert(Created == 2 and Exited == 2 and Live == 0, string.format("%d %d %d", Created, Exited, Live))
  assert(table.concat(Seen, " ") == "+100<4 -100 +104<4 -104", table.concat(Seen, " "))
  UnloadDriver "procmon.sys"
end)
