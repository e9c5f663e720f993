-- io_dispatch_apc_disable_changed: dspapc.sys enters a critical region while it handles
-- IRP_MN_QUERY_PNP_DEVICE_STATE and leaves it only on its success path: when the device reports a
-- failure it returns inside the region. I/O verification compares the thread's APC disable count
-- when the dispatch routine returns (0xC4, P1 = 0xC5; P2 the dispatch routine, P3 the count now,
-- P4 the count before).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver dspapc.sys",
  expect = { bugcheck = 0xC4, p1 = 0xC5, driver = "dspapc.sys" },
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
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(Lower, Irp)   -- BUG: still inside the critical region
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
