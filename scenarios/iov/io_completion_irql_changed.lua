-- io_completion_irql_changed: crirql.sys's completion routine for IRP_MN_QUERY_PNP_DEVICE_STATE
-- raises to DISPATCH_LEVEL to update its state flags and returns without lowering it: the I/O
-- manager goes on up the stack at the wrong IRQL. I/O verification compares the IRQL when the
-- routine returns (0xC4, P1 = 0xFA; P2 the routine, P3 the IRQL before, P4 the IRQL after).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver crirql.sys",
  expect = { bugcheck = 0xC4, p1 = 0xFA, driver = "crirql.sys" },
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
        local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
        StateQueries = StateQueries + 1
        -- BUG: KeLowerIrql(OldIrql) missing
        return STATUS_SUCCESS
      end, nil, true, true, true)
      return IoCallDriver(Lower, Irp)
    end
  end,
}
driver "crirql.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "crirql.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "crirql.sys"
  UnloadDriver "pnpbus.sys"
end)
