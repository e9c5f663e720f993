-- irp_touched_after_free: a driver builds its own IRP, frees it, then reads
-- its I/O status to log it (a stale pointer kept in a context block). Under
-- I/O verification IRPs come from the special pool, a page each, so the read
-- of the freed IRP faults at once: DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL
-- (0xD5), naming the driver. Without I/O verification the same read returns
-- whatever the freed pool holds, silently.
scenario {
  verifier = "/flags 0x10 /driver irplog.sys",
  expect   = { bugcheck = 0xD5, driver = "irplog.sys" },
}

driver "irplog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Irp = IoAllocateIrp(2, false)
    if Irp == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    IoFreeIrp(Irp)
    DbgPrint("irplog: last status %x\n", Irp.IoStatus.Status)   -- BUG: Irp is freed
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "irplog.sys"
  UnloadDriver "irplog.sys"
end)
