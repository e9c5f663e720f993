-- pool_alloc_during_unload: a sampler's worker thread allocates a record
-- for each sample. DriverUnload tells the thread to stop but does not wait
-- for it to end; it waits only for the device to go idle, and meanwhile the
-- thread wakes and allocates its next record while the driver is unloading.
-- Pool tracking (0x8) catches it: 0xC4/0x61, P2 the paged bytes, P3 the
-- nonpaged bytes and P4 the allocations the driver still holds (here one
-- 64-byte nonpaged record).
scenario {
  verifier = "/flags 0x8 /driver sampler.sys",
  cpus     = 2,
  expect   = { bugcheck = 0xC4, p1 = 0x61, p2 = 0, p3 = 64, p4 = 1, driver = "sampler.sys" },
}

local Stop, Last

local function SamplerThread(Context)
  while true do
    KeDelayExecutionThread(KernelMode, false, -10000 * 10)   -- every 10 ms
    local Record = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Smpl")
    if Record ~= nil then
      if Last ~= nil then
        ExFreePoolWithTag(Last, "Smpl")
      end
      Last = Record
    end
    if KeReadStateEvent(Stop) ~= 0 then
      break
    end
  end
  PsTerminateSystemThread(STATUS_SUCCESS)
end

driver "sampler.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, SamplerThread, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      -- BUG: the thread is never waited for. The device is given 20 ms to
      -- go idle, and the thread's next sample falls in that time.
      KeDelayExecutionThread(KernelMode, false, -10000 * 20)
      if Last ~= nil then
        ExFreePoolWithTag(Last, "Smpl")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sampler.sys"
  Sleep "95ms"
  UnloadDriver "sampler.sys"
end)
