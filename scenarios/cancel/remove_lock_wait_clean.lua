-- remove_lock_wait_clean: a remove lock used as a rundown lock, as drivers
-- use one for their device's removal. rundown.sys's worker thread holds the
-- device's remove lock across a slow operation (100 ms); DriverUnload
-- acquires it, then IoReleaseRemoveLockAndWait blocks until the worker
-- releases its acquisition (the release that takes the count to zero sets
-- the lock's event). An acquisition after that gets STATUS_DELETE_PENDING
-- and counts nothing. Clean under /standard, on two processors.
scenario {
  verifier = "/standard /driver rundown.sys",
  cpus = 2,
  expect = "clean",
}

-- DEVICE_EXTENSION: IO_REMOVE_LOCK RemoveLock at 0, PKTHREAD Worker at 0x20.
local REMOVE_LOCK, WORKER, EXTENSION_SIZE = 0x0, 0x20, 0x28

driver "rundown.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, EXTENSION_SIZE, "\\Device\\Rundown",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      return status
    end
    local ext = device.DeviceExtension
    IoInitializeRemoveLock(ext + REMOVE_LOCK, "Rund", 0, 0)
    assert(IO_REMOVE_LOCK(ext + REMOVE_LOCK).Common.IoCount == 1, "the lock's own count")
    local WorkerDone = false
    local function Worker(Context)
      local lock = DEVICE_OBJECT(Context).DeviceExtension + REMOVE_LOCK
      -- The caller's acquisition, taken before the thread started.
      KeDelayExecutionThread(KernelMode, false, -100 * 10000)
      WorkerDone = true
      IoReleaseRemoveLock(lock, Context)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end
    assert(IoAcquireRemoveLock(ext + REMOVE_LOCK, device) == STATUS_SUCCESS)
    local handle
    status, handle = PsCreateSystemThread(0, nil, nil, Worker, device)
    if not NT_SUCCESS(status) then
      IoReleaseRemoveLock(ext + REMOVE_LOCK, device)
      IoDeleteDevice(device)
      return status
    end
    local _, thread = ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, nil, KernelMode)
    ext:set_ptr(WORKER, thread)
    ZwClose(handle)

    DriverObject.DriverUnload = function(DriverObject)
      local device = DriverObject.DeviceObject
      local ext = device.DeviceExtension
      local lock = ext + REMOVE_LOCK
      assert(IoAcquireRemoveLock(lock, DriverObject) == STATUS_SUCCESS)
      assert(IO_REMOVE_LOCK(lock).Common.IoCount == 3, "itself, the worker, the unload")
      IoReleaseRemoveLockAndWait(lock, DriverObject)
      assert(WorkerDone, "the wait lasted until the worker's release")
      assert(IO_REMOVE_LOCK(lock).Common.Removed == 1 and IO_REMOVE_LOCK(lock).Common.IoCount == 0)
      assert(IoAcquireRemoveLock(lock, DriverObject) == STATUS_DELETE_PENDING)
      assert(IO_REMOVE_LOCK(lock).Common.IoCount == 0, "a refused acquisition counts nothing")
      local thread = ext:ptr(WORKER)
      KeWaitForSingleObject(thread, Executive, KernelMode, false, nil)
      ObDereferenceObject(thread)
      IoDeleteDevice(device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "rundown.sys" == STATUS_SUCCESS)
  assert(UnloadDriver "rundown.sys" == STATUS_SUCCESS)
end)
