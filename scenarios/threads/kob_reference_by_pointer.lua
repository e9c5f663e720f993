-- kob_reference_by_pointer: a trace-logging driver runs two threads, a
-- collector and a flusher, and holds a referenced pointer to each. Its unload
-- routine was copied and pasted: it dereferences the collector twice and the
-- flusher never. The collector's first dereference is its last (the handle
-- was closed in DriverEntry and the thread has ended), so the second drives
-- the pointer count below zero: REFERENCE_BY_POINTER (0x18). No verifier
-- here: with it (/standard), the second dereference would be stopped first
-- as 0xC4/0x3F (ob_reference_count_zero).
scenario {
  expect = { bugcheck = 0x18, driver = "etwlog.sys" },
}

driver "etwlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop, BufferFull = KEVENT(), KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    KeInitializeEvent(BufferFull, SynchronizationEvent, false)
    Pending, Flushed = 0, 0

    local function StartThread(Routine)
      local status, handle = PsCreateSystemThread(0, nil, nil, Routine, nil)
      if status ~= STATUS_SUCCESS then
        return nil
      end
      local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
      ZwClose(handle)
      return object
    end

    Collector = StartThread(function(StartContext)
      -- An event record every 10 ms; the buffer holds 8.
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 10) == STATUS_TIMEOUT do
        Pending = Pending + 1
        if Pending == 8 then
          KeSetEvent(BufferFull, 0, false)
        end
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end)
    Flusher = StartThread(function(StartContext)
      while KeWaitForMultipleObjects(2, { Stop, BufferFull }, WaitAny, Executive, KernelMode, false,
                                     nil, nil) == STATUS_WAIT_1 do
        Flushed, Pending = Flushed + Pending, 0
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end)

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Collector, Executive, KernelMode, false, nil)
      KeWaitForSingleObject(Flusher, Executive, KernelMode, false, nil)
      ObDereferenceObject(Collector)
      -- BUG: copied from the line above; meant ObDereferenceObject(Flusher).
      ObDereferenceObject(Collector)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "etwlog.sys"
  Sleep "500ms"
  UnloadDriver "etwlog.sys"
end)
