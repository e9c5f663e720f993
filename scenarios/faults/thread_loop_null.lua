-- thread_loop_null: a logging driver's system thread wakes every second,
-- copies a record into a fresh "Rec " buffer (it checks that allocation),
-- and every 10 seconds builds a summary in a "Sum " buffer without checking
-- it. Low resources simulation fails allocations from 7 minutes after boot:
-- the record failures are handled, the first failed summary allocation makes
-- the thread write through NULL at PASSIVE_LEVEL, an unhandled access
-- violation in a system thread: 0x7E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED,
-- P1 = STATUS_ACCESS_VIOLATION. `drvsim shrink` reduces the failures injected
-- before the crash to the one that matters.
scenario {
  verifier = "/faults /driver logdrv.sys",
  expect = { bugcheck = 0x7E, p1 = STATUS_ACCESS_VIOLATION, driver = "logdrv.sys" },
  seed = 1,
}

driver "logdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    Logged, Lost = 0, 0
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      local Tick = 0
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000000) == STATUS_TIMEOUT do
        Tick = Tick + 1
        local Record = ExAllocatePoolWithTag(PagedPool, 64, "Rec ")
        if Record ~= nil then                       -- checked: drop the record
          Record[0] = Tick & 0xFF
          ExFreePoolWithTag(Record, "Rec ")
          Logged = Logged + 1
        else
          Lost = Lost + 1
        end
        if Tick % 10 == 0 then
          local Summary = ExAllocatePoolWithTag(PagedPool, 128, "Sum ")
          -- BUG: no NULL check before filling the summary.
          Summary[0] = Logged & 0xFF
          Summary[1] = Lost & 0xFF
          ExFreePoolWithTag(Summary, "Sum ")
        end
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
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
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "logdrv.sys" == STATUS_SUCCESS)
  Sleep "30min"
  UnloadDriver "logdrv.sys"
end)
