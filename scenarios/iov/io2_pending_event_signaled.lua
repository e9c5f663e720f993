-- io2_pending_event_signaled: pollflt.sys polls slowdev.sys twice with IRPs from
-- IoBuildDeviceIoControlRequest and one notification event, which it never clears: the second poll
-- goes down with the event already signalled, slowdev.sys holds it (STATUS_PENDING), and the wait
-- returns at once, before the poll completes. I/O verification checks the event when the request
-- comes back pending (0xC9, P1 = 0x307, a WDM DRIVER ERROR; P3 the IRP, P4 the event).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x307, driver = "pollflt.sys" },
}

driver "slowdev.sys" "drivers/slowdev.lua"

PollFlt = {
  Polls = "built",
  Clear = function(Event)
    -- BUG: the event stays signalled from the first poll
  end,
}
driver "pollflt.sys" "drivers/pollflt.lua"

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
