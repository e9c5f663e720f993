-- io2_stack_trashed: halfcopy.sys forwards IRP_MN_QUERY_PNP_DEVICE_STATE by writing the next stack
-- location itself and sets only its major code: the driver below gets minor code 0,
-- IRP_MN_START_DEVICE. I/O verification compares the locations when the IRP is forwarded (0xC9, P1
-- = 0x212, a WDM DRIVER ERROR; P3 the IRP, P4 the major code of the next location).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver halfcopy.sys",
  expect = { bugcheck = 0xC9, p1 = 0x212, driver = "halfcopy.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_PNP_DEVICE_STATE then
      local Next = IoGetNextIrpStackLocation(Irp)
      Next.MajorFunction = IRP_MJ_PNP   -- BUG: MinorFunction and Parameters not copied
      return IoCallDriver(Lower, Irp)
    end
  end,
}
driver "halfcopy.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "halfcopy.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "halfcopy.sys"
  UnloadDriver "pnpbus.sys"
end)
