-- io2_forward_queued_irp_clean: pollflt.sys, fixed: it leaves its poll to slowdev.sys, which holds
-- it until the hardware answers, and waits for the completion. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
  expect = "clean",
}

driver "slowdev.sys" "drivers/slowdev.lua"

driver "pollflt.sys" "drivers/pollflt.lua"

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
