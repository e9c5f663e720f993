-- sync_object_session: a print driver keeps one context per user session
-- and allocates it from session pool (NonPagedPoolSessionNx), the KEVENT
-- its spooler thread waits on included. Session space is mapped only in
-- the processes of one session: the System process's threads and another
-- session's never see it. The automatic checks (Windows 7 and later) stop
-- the initialisation: 0xC4/0xDF, P2 the event.
scenario {
  verifier = "/standard /driver prnctx.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xDF, p3 = 0, p4 = 0, driver = "prnctx.sys" },
}

local CONTEXT_BYTES = 96

driver "prnctx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- BUG: session pool for an object a system thread signals: nonpaged
    -- pool (NonPagedPoolNx) is global.
    Context = ExAllocatePoolWithTag(NonPagedPoolSessionNx, CONTEXT_BYTES, "PrnC")
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    JobReady = KEVENT(Context + 16)
    KeInitializeEvent(JobReady, SynchronizationEvent, false)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Context, "PrnC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "prnctx.sys"
  UnloadDriver "prnctx.sys"
end)
