-- cancel_race_dpc_fixed: pollread.sys with the fix: the dispatch routine
-- sets the read's cancel routine before it publishes the read to its timer
-- DPC, under the driver's lock. Whatever the interleaving of the DPC, the
-- client's IoCancelIrp and the dispatch routine, the read is completed
-- once, with no cancel routine set. Clean on every seed of the sweep:
--
--   drvsim sweep scenarios/io/cancel_race_dpc_fixed.lua --seeds 1..300
scenario {
  verifier = "/standard /driver pollread.sys",
  cpus     = 2,
  seed     = 46,
  expect   = "clean",
}

POLLREAD_ARM_FIRST = true
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
      if KeWaitForSingleObject(Event, Executive, KernelMode, false, -10000 * 2) == STATUS_TIMEOUT then
        IoCancelIrp(Irp)
        KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
      end
    end
  end
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "pollread.sys"
end)
