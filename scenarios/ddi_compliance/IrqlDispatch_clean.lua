-- Clean twin of IrqlDispatch.lua: the driver raises to DISPATCH_LEVEL around
-- its device-queue routines, as their pages require. The first insert finds
-- the queue idle (FALSE: the caller starts the request itself), the second
-- queues behind it; removing gives the queued entry back, then none.
scenario { verifier = "/standard /driver dq.sys", expect = "clean" }

driver "dq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Queue = KDEVICE_QUEUE()
    KeInitializeDeviceQueue(Queue)
    local First, Second = KDEVICE_QUEUE_ENTRY(), KDEVICE_QUEUE_ENTRY()
    local OldIrql = KeRaiseIrqlToDpcLevel()
    assert(KeInsertDeviceQueue(Queue, First) == false, "idle: the caller runs it")
    assert(KeInsertDeviceQueue(Queue, Second) == true, "busy: queued")
    assert(KeRemoveDeviceQueue(Queue) == Second)
    assert(KeRemoveDeviceQueue(Queue) == nil, "empty: the queue is idle again")
    KeLowerIrql(OldIrql)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "dq.sys"
  UnloadDriver "dq.sys"
end)
