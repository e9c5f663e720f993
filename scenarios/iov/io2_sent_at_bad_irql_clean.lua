-- io2_sent_at_bad_irql_clean: capirql.sys, fixed: it releases its spin lock before it sends the
-- IRP. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver capirql.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- What the device can do: IRP_MN_QUERY_CAPABILITIES down its own stack,
    -- a DEVICE_CAPABILITIES the stack fills.
    return AskOwnStack{
      Send = function(Send)
        local Lock = KSPIN_LOCK()
        KeInitializeSpinLock(Lock)
        local OldIrql = KeAcquireSpinLock(Lock)
        KeReleaseSpinLock(Lock, OldIrql)
        Send()
      end,
    }
  end,
}
driver "capirql.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "capirql.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "capirql.sys"
  UnloadDriver "pnpbus.sys"
end)
