-- io2_power_irp_bad_status_clean: pwrseq.sys, fixed: IoStatus.Status is STATUS_NOT_SUPPORTED
-- before the IRP is sent. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrseq.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- The power sequence counts: IRP_MN_POWER_SEQUENCE down its own stack,
    -- in a POWER_SEQUENCE the bus driver fills.
    return AskOwnStack{
      Major = IRP_MJ_POWER, Minor = IRP_MN_POWER_SEQUENCE,
    }
  end,
}
driver "pwrseq.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pwrseq.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pwrseq.sys"
  UnloadDriver "pnpbus.sys"
end)
