-- pool_alloc_during_unload (clean twin): the worker thread waits on the stop
-- event between samples, so a stop ends it before its next allocation, and
-- DriverUnload waits for the thread object before it frees the last record:
-- nothing of the driver allocates while it unloads.
scenario {
  verifier = "/flags 0x8 /driver sampler.sys",
  cpus     = 2,
  expect   = "clean",
}

local Stop, Last, Thread

local function SamplerThread(Context)
  -- Waits on Stop between samples: a stop ends the loop before the next
  -- allocation, not after it.
  while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 10) == STATUS_TIMEOUT do
    local Record = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Smpl")
    if Record ~= nil then
      if Last ~= nil then
        ExFreePoolWithTag(Last, "Smpl")
      end
      Last = Record
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
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Thread = object
    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Thread, Executive, KernelMode, false, nil)
      ObDereferenceObject(Thread)
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
  -- Pool tracking's counters: the thread held at most two records at once
  -- (the new one before it freed the old), and nothing is left.
  local Counters = Query().drivers["sampler.sys"]
  assert(Counters.PeakNonPagedPoolAllocations == 2)
  assert(Counters.PeakNonPagedPoolUsageInBytes == 128)
  assert(Counters.CurrentNonPagedPoolAllocations == 0)
  assert(Counters.NonPagedPoolUsageInBytes == 0)
  assert(Counters.PeakPagedPoolAllocations == 0)
end)
