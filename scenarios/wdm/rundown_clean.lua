-- rundown_clean: camdrv.sys guards its capture context with run-down
-- protection, as the avscamera sample does: every frame callback takes a
-- reference with ExAcquireRundownProtection and gives it back with
-- ExReleaseRundownProtection; stopping the stream calls
-- ExWaitForRundownProtectionRelease, which refuses new references and
-- waits until the callbacks in flight are done, before the context is
-- freed. Two frame threads run on the two processors while the stop
-- comes; a frame that arrives after it is turned away. The stream is then
-- started again with ExReInitializeRundownProtection.
scenario {
  verifier = "/standard /driver camdrv.sys",
  cpus     = 2,
}

local FRAME_SIZE = 0x100

driver "camdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Capture = EX_RUNDOWN_REF()
    ExInitializeRundownProtection(Capture)
    CaptureContext = ExAllocatePoolWithTag(NonPagedPoolNx, FRAME_SIZE, "CamC")
    Frames, Refused = 0, 0
    Done = { KEVENT(), KEVENT() }

    -- A frame callback: the context is valid while the reference is held.
    local function OnFrame()
      if not ExAcquireRundownProtection(Capture) then
        Refused = Refused + 1
        return false
      end
      KeDelayExecutionThread(KernelMode, false, -math.random(10, 2000))
      InterlockedIncrement(CaptureContext)   -- the context is still there (two threads: atomic)
      Frames = Frames + 1
      ExReleaseRundownProtection(Capture)
      return true
    end

    for i = 1, 2 do
      KeInitializeEvent(Done[i], NotificationEvent, false)
      local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
        while OnFrame() do end
        KeSetEvent(Done[i], 0, false)
        PsTerminateSystemThread(STATUS_SUCCESS)
      end, nil)
      assert(status == STATUS_SUCCESS)
      ZwClose(handle)
    end

    -- Stopping the stream, 5 ms in, from a thread of its own.
    Stopped = KEVENT()
    KeInitializeEvent(Stopped, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeDelayExecutionThread(KernelMode, false, -50000)
      ExWaitForRundownProtectionRelease(Capture)
      assert(Capture:u64(0) == EX_RUNDOWN_ACTIVE, "run down, no reference left")
      ExRundownCompleted(Capture)
      ExFreePoolWithTag(CaptureContext, "CamC")          -- nobody can touch it now
      KeSetEvent(Stopped, 0, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    assert(status == STATUS_SUCCESS)
    ZwClose(handle)

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForMultipleObjects(3, { Done[1], Done[2], Stopped }, WaitAll, Executive, KernelMode,
                               false, nil, nil)
      assert(Refused == 2, "each frame thread was turned away once")
      assert(not ExAcquireRundownProtection(Capture))
      -- Start again, then stop with nothing in flight (returns at once).
      ExReInitializeRundownProtection(Capture)
      assert(ExAcquireRundownProtectionEx(Capture, 3))
      ExReleaseRundownProtectionEx(Capture, 3)
      ExWaitForRundownProtectionRelease(Capture)
      ExWaitForRundownProtectionRelease(Capture)  -- run down already: at once
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "camdrv.sys"
  Sleep "10ms"
  UnloadDriver "camdrv.sys"
end)
