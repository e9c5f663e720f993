-- sync_object_pageable (clean twin): the context with its event is in
-- nonpaged pool; a DPC signals the event and a thread waits on it.
scenario {
  verifier = "/standard /driver ctxdrv.sys",
  expect   = "clean",
}

local CONTEXT_BYTES = 64

driver "ctxdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Context = ExAllocatePoolWithTag(NonPagedPoolNx, CONTEXT_BYTES, "Ctx ")   -- right
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Ready, Timer, Dpc = KEVENT(Context), KTIMER(), KDPC()
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    KeSetTimer(Timer, -10000, Dpc)
    KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Context, "Ctx ")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctxdrv.sys"
  UnloadDriver "ctxdrv.sys"
end)
