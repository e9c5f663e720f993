-- io2_sent_at_apc_level: verq.sys asks the bus driver for its firmware version with an internal
-- IOCTL from IoBuildDeviceIoControlRequest, and sends it while it holds its configuration fast
-- mutex, at APC_LEVEL: the I/O manager completes such a threaded IRP with an APC to the thread,
-- which cannot run there. I/O verification checks the IRQL when the IRP is sent (0xC9, P1 = 0x302,
-- a WDM DRIVER ERROR; P3 the IRP, P4 the IRQL).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver verq.sys",
  expect = { bugcheck = 0xC9, p1 = 0x302, driver = "verq.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- The bus driver's firmware version, under the configuration mutex.
    local Mutex = FAST_MUTEX()
    ExInitializeFastMutex(Mutex)
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    local Irp = IoBuildDeviceIoControlRequest(0x2A0003, Lower, nil, 0, nil, 0, true, Event, Iosb)
    ExAcquireFastMutex(Mutex)   -- BUG: APC_LEVEL while the threaded IRP is sent
    if Irp ~= nil and IoCallDriver(Lower, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
    end
    ExReleaseFastMutex(Mutex)
  end,
}
driver "verq.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "verq.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "verq.sys"
  UnloadDriver "pnpbus.sys"
end)
