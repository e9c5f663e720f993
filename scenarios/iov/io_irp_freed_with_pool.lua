-- io_irp_freed_with_pool: poolirp.sys asks its stack for the device's capabilities in an IRP from
-- IoAllocateIrp and gives the IRP back with ExFreePool ("it is pool memory"): IRPs go back with
-- IoFreeIrp. I/O verification checks the address freed (0xC4, P1 = 0x105; P2 the IRP).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver poolirp.sys",
  expect = { bugcheck = 0xC4, p1 = 0x105, driver = "poolirp.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- What the device can do: IRP_MN_QUERY_CAPABILITIES down its own stack,
    -- a DEVICE_CAPABILITIES the stack fills.
    return AskOwnStack{
      Free = ExFreePool,   -- BUG: IoFreeIrp frees IRPs
    }
  end,
}
driver "poolirp.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "poolirp.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "poolirp.sys"
  UnloadDriver "pnpbus.sys"
end)
