-- ob_bad_handle: a network monitor closes its worker thread's handle right
-- after PsCreateSystemThread, as most drivers do, but keeps the value; at
-- unload it turns the stale handle into the thread object to wait for the
-- thread's end. ObReferenceObjectByHandle on a handle that is no longer in
-- the handle table: 0xC4/0x3C (P2 the handle, the System process's first
-- kernel handle; P3 the object type asked for, none; P4 0). That is the
-- automatic check, which applies without miscellaneous checks: the verifier
-- here is /standard (0x209BB) less miscellaneous checks (0x800). With them,
-- as in /standard, bad handle detection makes the same reference 0x93
-- (ob_bad_kernel_handle_referenced.lua). Without the verifier the call fails
-- with STATUS_INVALID_HANDLE and the unload returns without waiting for the
-- thread: whether it has left the image by then is a race (about half the
-- seeds end in 0xCE when the harness sleeps on).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  verifier = "/flags 0x201BB /driver netmon.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x3C, p2 = 0xFFFFFFFF80000004, p3 = 0, p4 = 0,
               driver = "netmon.sys" },
}

driver "netmon.sys" "drivers/netmon_stale.lua"

run(function()
  LoadDriver "netmon.sys"
  Sleep "500ms"
  UnloadDriver "netmon.sys"
end)
