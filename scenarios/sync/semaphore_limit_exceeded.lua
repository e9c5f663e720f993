-- semaphore_limit_exceeded: a capture driver counts free DMA buffers with a
-- semaphore whose limit is the number of buffers (4). BUG: its completion
-- thread returns a buffer twice when a transfer is retried, so the fifth
-- release would take the count past the limit. KeReleaseSemaphore refuses it
-- the way Windows does, by raising STATUS_SEMAPHORE_LIMIT_EXCEEDED
-- (0xC0000047); nothing handles it in the system thread:
-- SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E, P1 the exception code).
scenario {
  expect = { bugcheck = 0x7E, p1 = 0xC0000047, driver = "capture.sys" },
}

driver "capture.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    FreeBuffers = KSEMAPHORE()
    KeInitializeSemaphore(FreeBuffers, 4, 4)   -- 4 buffers, all free
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      for Transfer = 1, 8 do
        KeWaitForSingleObject(FreeBuffers, Executive, KernelMode, false, nil)
        KeDelayExecutionThread(KernelMode, false, -10000 * 5)
        KeReleaseSemaphore(FreeBuffers, IO_NO_INCREMENT, 1, false)
        if Transfer == 3 then                   -- retried: BUG, returned twice
          KeReleaseSemaphore(FreeBuffers, IO_NO_INCREMENT, 1, false)
        end
      end
    end, nil)
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "capture.sys"
  Sleep "100ms"
  UnloadDriver "capture.sys"
end)
