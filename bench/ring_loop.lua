-- Benchmark: a memory-heavy driver, for the race detector's cost (--races):
-- a system thread and a timer DPC share a 64 KiB ring under a spin lock.
-- The thread fills it through pointer stores (16,384 per pass) and both
-- copy it with RtlCopyMemory; 40 passes: about 700,000 pointer accesses,
-- 5 MiB through the Rtl routines, every granule seen by two contexts.
scenario { verifier = "/flags 0x0 /driver ring.sys", expect = "clean", cpus = 2, limit = "1h" }

local RING = 64 * 1024
local PASSES = 40

driver "ring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = ExAllocatePoolWithTag(NonPagedPoolNx, RING, "Ring")
    Copy = ExAllocatePoolWithTag(NonPagedPoolNx, RING, "Ring")
    Lock, Timer, Dpc = KSPIN_LOCK(), KTIMER(), KDPC()
    KeInitializeSpinLock(Lock)
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      KeAcquireSpinLockAtDpcLevel(Lock)
      RtlCopyMemory(Copy, Ring, RING)
      KeReleaseSpinLockFromDpcLevel(Lock)
    end, nil)
    KeInitializeTimer(Timer)
    KeSetTimerEx(Timer, -10000, 1, Dpc)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      for pass = 1, PASSES do
        local old = KeAcquireSpinLock(Lock)
        for i = 0, RING - 4, 4 do
          Ring:set_u32(i, pass + i)
        end
        local sum = 0
        for i = 0, RING - 4, 64 do
          sum = sum + Ring:u32(i)
        end
        RtlCopyMemory(Copy, Ring, RING)
        KeReleaseSpinLock(Lock, old)
        KeDelayExecutionThread(KernelMode, false, -10000)
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    local _, thread = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(thread, Executive, KernelMode, false, nil)
      ObDereferenceObject(thread)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Ring, "Ring")
      ExFreePoolWithTag(Copy, "Ring")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ring.sys"
  Sleep "1s"
  UnloadDriver "ring.sys"
end)
