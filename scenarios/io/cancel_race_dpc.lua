-- cancel_race_dpc: pollread.sys as first written. Its dispatch routine
-- publishes a read to its timer DPC, then sets the read's cancel routine;
-- the DPC (every millisecond, on either processor) takes the read, disarms
-- its cancel routine and completes it. A client reads in a loop at random
-- moments, and cancels a read (IoCancelIrp) that takes longer than 2 ms.
--
-- On most seeds the DPC never runs between the two steps of the dispatch
-- routine and the run is clean. Sweep the seeds and a few interleave
-- badly: the DPC clears a cancel routine that is not set yet, the dispatch
-- routine sets it, and the DPC completes the read with its cancel routine
-- set. I/O verification stops IoCompleteRequest (0xC9, P1 = 7, P2 the
-- cancel routine, P3 the IRP): a cancel at that moment would complete the
-- read twice.
--
--   drvsim sweep scenarios/io/cancel_race_dpc.lua --seeds 1..300
--
-- The seed below is one the sweep found; the run replays it exactly.
scenario {
  verifier = "/standard /driver pollread.sys",
  cpus     = 2,
  seed     = 46,
  expect   = { bugcheck = 0xC9, p1 = 0x7, driver = "pollread.sys" },
}

POLLREAD_ARM_FIRST = false
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
