-- IrqlDispatch: a driver that keeps its own device queue (KDEVICE_QUEUE, as
-- drivers with a StartIo of their own do) inserts a request from its
-- dispatch path at PASSIVE_LEVEL. The device-queue routines are called at
-- DISPATCH_LEVEL (their pages: "Callers ... must be running at IRQL =
-- DISPATCH_LEVEL"): the queue's spin lock is taken without raising.
-- DDI compliance checking stops it: 0xC4/0x20003 (the 0xC4 page's "=
-- DISPATCH_LEVEL"; the rule page says <=).
scenario {
  verifier = "/flags 0x20000 /driver dq.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20003, p3 = 0, driver = "dq.sys" },
}

driver "dq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Queue = KDEVICE_QUEUE()
    KeInitializeDeviceQueue(Queue)
    local Entry = KDEVICE_QUEUE_ENTRY()
    -- BUG: at PASSIVE_LEVEL; raise to DISPATCH_LEVEL around the queue routines.
    local Busy = KeInsertDeviceQueue(Queue, Entry)
    assert(Busy == false)
    KeRemoveDeviceQueue(Queue)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "dq.sys"
  UnloadDriver "dq.sys"
end)
