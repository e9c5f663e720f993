-- io2_pending_event_signaled_clean: pollflt.sys, fixed: KeClearEvent before each poll. Clean under
-- /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
  expect = "clean",
}

driver "slowdev.sys" "drivers/slowdev.lua"

PollFlt = { Polls = "built" }
driver "pollflt.sys" "drivers/pollflt.lua"

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
