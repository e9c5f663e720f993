-- io2_pdo_ignored_required_irp: minibus.sys, a bus driver, answers the state-changing PnP IRPs for
-- its child's PDO but forgot IRP_MN_QUERY_STOP_DEVICE: it completes it with the
-- STATUS_NOT_SUPPORTED it came with, and the PnP manager reads that as a veto nobody gave. I/O
-- verification checks the PDO's answer when it completes the IRP (0xC9, P1 = 0x22A, a WDM DRIVER
-- ERROR; P3 the IRP, P4 the minor code).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver minibus.sys",
  expect = { bugcheck = 0xC9, p1 = 0x22A, driver = "minibus.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

Minibus = {
  Succeeds = {
    [IRP_MN_START_DEVICE] = true, [IRP_MN_QUERY_REMOVE_DEVICE] = true,
    [IRP_MN_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
    [IRP_MN_STOP_DEVICE] = true,
    -- BUG: IRP_MN_QUERY_STOP_DEVICE missing
    [IRP_MN_CANCEL_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
  },
}
driver "minibus.sys" "drivers/minibus.lua"

run(function()
  LoadDriver "minibus.sys"
  SendPnp(ChildPdo, IRP_MN_START_DEVICE)
  SendPnp(ChildPdo, IRP_MN_QUERY_STOP_DEVICE)
  SendPnp(ChildPdo, IRP_MN_CANCEL_STOP_DEVICE)
  UnloadDriver "minibus.sys"
end)
