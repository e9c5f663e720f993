-- io2_pnp_failure_passed_down_clean: stopveto.sys, fixed: it completes the vetoed
-- IRP_MN_QUERY_STOP_DEVICE with its failure. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver stopveto.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    Transferring = true
  end,
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_STOP_DEVICE and Transferring then
      Irp.IoStatus.Status = STATUS_UNSUCCESSFUL
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_UNSUCCESSFUL
    end
  end,
}
driver "stopveto.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "stopveto.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_STOP_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "stopveto.sys"
  UnloadDriver "pnpbus.sys"
end)
