-- ob_bad_kernel_handle_referenced, clean twin: the network monitor turns
-- its worker thread's handle into a referenced object pointer before closing
-- the handle, and at unload waits on that pointer and drops the reference.
-- Clean under /standard, bad handle detection included.
-- Sources: windows-driver-docs-pr/devtest/miscellaneous-checks.md,
-- windows-driver-docs-pr/debugger/bug-check-0x93--invalid-kernel-handle.md
scenario {
  verifier = "/standard /driver netmon.sys",
  expect   = "clean",
}

driver "netmon.sys" "drivers/netmon.lua"

run(function()
  LoadDriver "netmon.sys"
  Sleep "500ms"
  UnloadDriver "netmon.sys"
  assert(Samples >= 9, "the worker sampled every 50 ms")
end)
