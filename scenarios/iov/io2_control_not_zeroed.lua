-- io2_control_not_zeroed: ctlcopy.sys marks IRP_MN_QUERY_PNP_DEVICE_STATE pending, then copies its
-- stack location to the next one by hand, everything but the completion routine and its context,
-- as IoCopyCurrentIrpStackLocationToNext does, but without clearing Control: the driver below
-- inherits SL_PENDING_RETURNED. I/O verification checks the next location's Control when the IRP
-- is forwarded (0xC9, P1 = 0x206, a WDM DRIVER ERROR; P3 the IRP, P4 the Control).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver ctlcopy.sys",
  expect = { bugcheck = 0xC9, p1 = 0x206, driver = "ctlcopy.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_PNP_DEVICE_STATE then
      IoMarkIrpPending(Irp)
      local Stack, Next = IoGetCurrentIrpStackLocation(Irp), IoGetNextIrpStackLocation(Irp)
      RtlCopyMemory(Next, Stack, (Stack - Next) - 16)   -- BUG: Control copied, not cleared
      IoCallDriver(Lower, Irp)
      return STATUS_PENDING
    end
  end,
}
driver "ctlcopy.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "ctlcopy.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "ctlcopy.sys"
  UnloadDriver "pnpbus.sys"
end)
