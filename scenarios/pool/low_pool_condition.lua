-- low_pool_condition: a caching driver watches the standard event
-- \KernelObjects\LowNonPagedPoolCondition from a thread of its own, as the
-- WDK advises. It fills its cache with nonpaged pages; when the pool is
-- nearly exhausted (less than 1/8 of memory free, drvsim's threshold) the
-- memory manager sets the event, the thread wakes and gives half the cache
-- back, and the event resets. HighNonPagedPoolCondition (free >= 1/2) goes
-- the other way. The harness plays the load that fills the cache.
scenario {
  memory = "1MB",                       -- 256 pages
  cpus   = 1,
  expect = "clean",
}

local Low, High, LowHandle, HighHandle, Cache, Trimmed, Stop, Thread

local function TrimThread(Context)
  local Objects = { Low, Stop }
  while true do
    local Status = KeWaitForMultipleObjects(2, Objects, WaitAny, Executive, KernelMode, false,
                                            nil, nil)
    if Status ~= STATUS_WAIT_0 then
      break
    end
    -- The pool is short: give back half of the cache.
    for i = 1, #Cache // 2 do
      ExFreePoolWithTag(table.remove(Cache), "Cach")
    end
    Trimmed = Trimmed + 1
    assert(KeReadStateEvent(Low) == 0, "enough was freed: the condition no longer holds")
  end
  PsTerminateSystemThread(STATUS_SUCCESS)
end

driver "cache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Name = UNICODE_STRING()
    RtlInitUnicodeString(Name, "\\KernelObjects\\LowNonPagedPoolCondition")
    Low, LowHandle = IoCreateNotificationEvent(Name)
    local HighName = UNICODE_STRING()
    RtlInitUnicodeString(HighName, "\\KernelObjects\\HighNonPagedPoolCondition")
    High, HighHandle = IoCreateNotificationEvent(HighName)
    if Low == nil or High == nil then
      return STATUS_UNSUCCESSFUL
    end
    assert(KeReadStateEvent(Low) == 0 and KeReadStateEvent(High) == 1, "a fresh machine")
    Cache, Trimmed = {}, 0
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, TrimThread, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Thread = object
    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Thread, Executive, KernelMode, false, nil)
      ObDereferenceObject(Thread)
      for i = 1, #Cache do
        ExFreePoolWithTag(Cache[i], "Cach")
      end
      ZwClose(LowHandle)
      ZwClose(HighHandle)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cache.sys"
  Sleep "1ms"
  assert(KeReadStateEvent(High) == 1)
  local HighSeenClear = false
  for step = 1, 24 do                   -- 240 pages, 10 at a time: the cache grows
    for i = 1, 10 do
      local Page = ExAllocatePoolWithTag(NonPagedPoolNx, 4096, "Cach")
      if Page ~= nil then
        Cache[#Cache + 1] = Page
      end
    end
    Sleep "1ms"                         -- the trim thread runs
    HighSeenClear = HighSeenClear or KeReadStateEvent(High) == 0
  end
  assert(HighSeenClear, "less than half of memory free: HighNonPagedPoolCondition reset")
  assert(Trimmed >= 1, "the low condition was signalled and seen")
  assert(KeReadStateEvent(Low) == 0)
  UnloadDriver "cache.sys"
end)
