-- kirp_completed_twice (clean twin): pollread.sys with both fixes: the
-- cancel routine is armed before the read is published, and a cancel
-- routine that finds the read already taken by the DPC leaves it to the DPC.
-- The same impatient client cancels reads at random moments; whoever takes
-- the read out of PollCurrent under the lock completes it, once. Clean on
-- every seed of the sweep (the CLI suite sweeps 1..100).
scenario {
  verifier = "/standard /driver pollread.sys",
  cpus     = 2,
  expect   = "clean",
}

POLLREAD_ARM_FIRST = true
POLLREAD_CANCEL_CHECKS = true
driver "pollread.sys" "drivers/pollread.lua"

run(function()
  LoadDriver "pollread.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 4, "Clnt")
  for i = 1, 200 do
    KeDelayExecutionThread(KernelMode, false, -math.random(1, 10000))   -- up to 1 ms
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, PollDevice, Buffer, 4, nil, Event, Iosb)
    if IoCallDriver(PollDevice, Irp) == STATUS_PENDING then
      -- An impatient client: it gives up after 0.5 to 1.5 ms (drawn from the seed).
      if KeWaitForSingleObject(Event, Executive, KernelMode, false, -math.random(5000, 15000))
          == STATUS_TIMEOUT then
        IoCancelIrp(Irp)
        KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
      end
    end
  end
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "pollread.sys"
end)
