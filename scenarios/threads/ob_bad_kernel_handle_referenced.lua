-- ob_bad_kernel_handle_referenced: ob_bad_handle's network monitor under
-- /standard. Miscellaneous checks (0x800, part of /standard) turn on bad
-- handle detection for kernel handles: turning the handle DriverEntry closed
-- into an object is INVALID_KERNEL_HANDLE (0x93), P1 the handle, P2 the
-- handle table (not modelled: 0), P4 = 1 (a reference with bad handle
-- detection on), instead of the automatic check's 0xC4/0x3C.
-- Sources: windows-driver-docs-pr/devtest/miscellaneous-checks.md,
-- windows-driver-docs-pr/debugger/bug-check-0x93--invalid-kernel-handle.md
scenario {
  verifier = "/standard /driver netmon.sys",
  expect   = { bugcheck = 0x93, p1 = 0xFFFFFFFF80000004, p2 = 0, p3 = 0, p4 = 1,
               driver = "netmon.sys" },
}

driver "netmon.sys" "drivers/netmon_stale.lua"

run(function()
  LoadDriver "netmon.sys"
  Sleep "500ms"
  UnloadDriver "netmon.sys"
end)
