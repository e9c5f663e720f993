-- io2_sent_at_bad_irql: capirql.sys sends IRP_MN_QUERY_CAPABILITIES while it holds its spin lock,
-- at DISPATCH_LEVEL. PnP IRPs are sent at PASSIVE_LEVEL. I/O verification checks the IRQL when the
-- IRP is sent (0xC9, P1 = 0x23A, a WDM DRIVER ERROR; P3 the IRP, P4 the IRQL).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver capirql.sys",
  expect = { bugcheck = 0xC9, p1 = 0x23A, driver = "capirql.sys" },
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
        local OldIrql = KeAcquireSpinLock(Lock)   -- BUG: sends at DISPATCH_LEVEL
        Send()
        KeReleaseSpinLock(Lock, OldIrql)
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
