-- io_completion_irql_changed_clean: crirql.sys, fixed: KeLowerIrql before the completion routine
-- returns. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver crirql.sys",
  expect = "clean",
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
        KeLowerIrql(OldIrql)
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
