-- io2_surprise_remove_detached: surpdet.sys detaches from the PDO when IRP_MN_SURPRISE_REMOVAL
-- arrives; the stack must stay whole until IRP_MN_REMOVE_DEVICE. I/O verification checks the
-- device when the dispatch routine returns (0xC9, P1 = 0x241, a WDM DRIVER ERROR; P2 the dispatch
-- routine, P3 the IRP, P4 the device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver surpdet.sys",
  expect = { bugcheck = 0xC9, p1 = 0x241, driver = "surpdet.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_SURPRISE_REMOVAL then
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoSkipCurrentIrpStackLocation(Irp)
      local status = IoCallDriver(Lower, Irp)
      IoDetachDevice(Lower)   -- BUG: waits for IRP_MN_REMOVE_DEVICE
      Detached = true
      return status
    end
    if Minor == IRP_MN_REMOVE_DEVICE and Detached then
      IoDeleteDevice(DeviceObject)
      return STATUS_SUCCESS
    end
  end,
}
driver "surpdet.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "surpdet.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_SURPRISE_REMOVAL)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "surpdet.sys"
  UnloadDriver "pnpbus.sys"
end)
