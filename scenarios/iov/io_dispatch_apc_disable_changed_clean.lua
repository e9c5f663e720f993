-- io_dispatch_apc_disable_changed_clean: dspapc.sys, fixed: it leaves the critical region on every
-- path. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver dspapc.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    DeviceFailed = true
  end,
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_PNP_DEVICE_STATE then
      KeEnterCriticalRegion()
      if DeviceFailed then
        KeLeaveCriticalRegion()
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(Lower, Irp)
      end
      KeLeaveCriticalRegion()
    end
  end,
}
driver "dspapc.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "dspapc.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "dspapc.sys"
  UnloadDriver "pnpbus.sys"
end)
