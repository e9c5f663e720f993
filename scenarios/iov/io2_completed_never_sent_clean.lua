-- io2_completed_never_sent_clean: spareirp.sys, fixed: IoFreeIrp frees the spare IRP. Clean under
-- /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver spareirp.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    Spare = IoAllocateIrp(Lower.StackSize, false)   -- for the error path
  end,
  Unload = function(DriverObject)
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
