-- io2_sent_at_apc_level_clean: verq.sys, fixed: it sends the request before it takes its fast
-- mutex. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver verq.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- The bus driver's firmware version, then the configuration mutex.
    local Mutex = FAST_MUTEX()
    ExInitializeFastMutex(Mutex)
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    local Irp = IoBuildDeviceIoControlRequest(0x2A0003, Lower, nil, 0, nil, 0, true, Event, Iosb)
    if Irp ~= nil and IoCallDriver(Lower, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
    end
    ExAcquireFastMutex(Mutex)
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
