-- sync_object_pageable: a driver keeps its device context, a KEVENT
-- included, in paged pool. The event is signalled from a DPC, at
-- DISPATCH_LEVEL, where the page may be out: force IRQL checking reports the
-- event where it is initialised (0xC4/0xE1, P2 the event).
scenario {
  verifier = "/standard /driver ctxdrv.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xE1, p3 = 0, p4 = 0, driver = "ctxdrv.sys" },
}

local CONTEXT_BYTES = 64

driver "ctxdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- BUG: a dispatcher object in paged pool: NonPagedPoolNx.
    Context = ExAllocatePoolWithTag(PagedPool, CONTEXT_BYTES, "Ctx ")
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Ready = KEVENT(Context)
    KeInitializeEvent(Ready, NotificationEvent, false)
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
