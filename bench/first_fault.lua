-- first_fault: the cost of reaching low resources simulation. A driver's
-- thread waits 7 simulated minutes (Driver Verifier injects nothing before),
-- then allocates until the first allocation fails deliberately. `drvsim
-- sweep` over many seeds gives the wall time per run: boot, the 7 minutes
-- (one timer event), and the allocations up to the first failure.
scenario {
  verifier = "/flags 0x4 /driver late.sys",    -- /faults defaults: 600 in 10,000, 7 minutes
  expect   = "clean",
}

driver "late.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Done = KEVENT()
    KeInitializeEvent(Done, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      KeDelayExecutionThread(KernelMode, false, -7 * 60 * 10000000)
      repeat
        local p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Late")
        if p ~= nil then ExFreePoolWithTag(p, "Late") end
      until p == nil
      KeSetEvent(Done, 0, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "late.sys"
  UnloadDriver "late.sys"
  local q = Query()
  assert(q.AllocationsFailedDeliberately == 1 and Uptime() >= 7 * 60 * 10000000)
end)
