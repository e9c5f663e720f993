-- io2_power_irp_bad_status: pwrseq.sys asks its bus driver for the power sequence counts
-- (IRP_MN_POWER_SEQUENCE, a power IRP a driver allocates itself) without setting IoStatus.Status,
-- which stays STATUS_SUCCESS. A power IRP starts as STATUS_NOT_SUPPORTED. I/O verification checks
-- it when the IRP is sent (0xC9, P1 = 0x20F, a WDM DRIVER ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrseq.sys",
  expect = { bugcheck = 0xC9, p1 = 0x20F, driver = "pwrseq.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- The power sequence counts: IRP_MN_POWER_SEQUENCE down its own stack,
    -- in a POWER_SEQUENCE the bus driver fills.
    return AskOwnStack{
      Major = IRP_MJ_POWER, Minor = IRP_MN_POWER_SEQUENCE,
      NotSupported = false,   -- BUG: IoStatus.Status stays 0
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
