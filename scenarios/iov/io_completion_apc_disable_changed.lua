-- io_completion_apc_disable_changed: crapc.sys's completion routine for
-- IRP_MN_QUERY_PNP_DEVICE_STATE enters a critical region (KeEnterCriticalRegion) to update its
-- state and returns without leaving it: normal kernel APCs stay disabled on whatever thread
-- completes the IRP. I/O verification compares the thread's APC disable count when the routine
-- returns (0xC4, P1 = 0xFB; P2 the routine, P3 the count now, P4 the count before).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver crapc.sys",
  expect = { bugcheck = 0xC4, p1 = 0xFB, driver = "crapc.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    StateQueries = 0
  end,
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_PNP_DEVICE_STATE then
      IoCopyCurrentIrpStackLocationToNext(Irp)
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        KeEnterCriticalRegion()
        StateQueries = StateQueries + 1
        -- BUG: KeLeaveCriticalRegion() missing
        return STATUS_SUCCESS
      end, nil, true, true, true)
      return IoCallDriver(Lower, Irp)
    end
  end,
}
driver "crapc.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "crapc.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "crapc.sys"
  UnloadDriver "pnpbus.sys"
end)
