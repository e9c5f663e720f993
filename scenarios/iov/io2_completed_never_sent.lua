-- io2_completed_never_sent: spareirp.sys keeps a spare IRP for its error path and, at unload, gets
-- rid of it with IoCompleteRequest: an IRP it never sent. Its own IRP goes back with IoFreeIrp.
-- I/O verification checks that the IRP was ever sent (0xC9, P1 = 0x239, a WDM DRIVER ERROR; P3 the
-- IRP).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver spareirp.sys",
  expect = { bugcheck = 0xC9, p1 = 0x239, driver = "spareirp.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    Spare = IoAllocateIrp(Lower.StackSize, false)   -- for the error path
  end,
  Unload = function(DriverObject)
    Spare.IoStatus.Status = STATUS_CANCELLED
    IoCompleteRequest(Spare, IO_NO_INCREMENT)   -- BUG: never sent; IoFreeIrp frees it
    IoFreeIrp(Spare)
  end,
}
driver "spareirp.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "spareirp.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "spareirp.sys"
  UnloadDriver "pnpbus.sys"
end)
