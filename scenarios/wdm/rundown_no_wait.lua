-- rundown_no_wait: camdrv.sys as rundown_clean, with the stop path written
-- wrong: it marks the run-down complete (ExRundownCompleted, so no new
-- frame gets a reference) but does not wait for the frames in flight with
-- ExWaitForRundownProtectionRelease before it frees the capture context. A
-- frame callback still holding its reference writes the freed context; the
-- special pool of /standard puts the context on a page of its own, and the
-- write stops the machine: DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xD5).
-- Windows checks nothing in the run-down routines themselves; the bug shows
-- where the freed memory is touched. The clean twin is rundown_clean.
scenario {
  verifier = "/standard /driver camdrv.sys",
  cpus     = 2,
  expect   = { bugcheck = 0xD5, driver = "camdrv.sys" },
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
      CaptureContext:set_u32(0, CaptureContext:u32(0) + 1)    -- the context is still there
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
      ExRundownCompleted(Capture)                 -- BUG: no ExWaitForRundownProtectionRelease
      ExFreePoolWithTag(CaptureContext, "CamC")   -- a frame in flight still uses it
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
