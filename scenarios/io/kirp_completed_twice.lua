-- kirp_completed_twice: pollread.sys with its arming fixed (the cancel
-- routine is set before the read is published) but with a cancel routine
-- that completes the read without looking whether the DPC took it first.
-- A client reads in a loop and cancels a read (IoCancelIrp) it has waited
-- 0.5 to 1.5 ms for, while the timer DPC on either processor completes reads.
--
-- On most seeds the cancel never falls between the DPC taking the read and
-- completing it. Sweep the seeds and a few do: the cancel routine completes
-- the read, then the DPC completes it again. The kernel's IoCompleteRequest
-- finds the IRP already walked past its last stack location:
-- MULTIPLE_IRP_COMPLETE_REQUESTS (0x44, P1 the IRP), with or without the
-- verifier.
--
--   drvsim sweep scenarios/io/kirp_completed_twice.lua --seeds 1..300
--
-- The seed below is one the sweep found; the run replays it exactly.
scenario {
  verifier = "/standard /driver pollread.sys",
  cpus     = 2,
  seed     = 3,
  expect   = { bugcheck = 0x44, driver = "pollread.sys" },
}

POLLREAD_ARM_FIRST = true
POLLREAD_CANCEL_CHECKS = false
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
