-- IrqlNtifsApcPassive, clean: the same error log, with the write moved
-- where Microsoft's guidance puts it. The DPC that finds the error queues a
-- work item; the work item's routine runs at PASSIVE_LEVEL on a system
-- worker thread and calls ZwWriteFile there.
scenario {
  verifier = "/ruleclasses 35 /driver errlog.sys",
  files = { ["\\??\\C:\\Logs"] = true },
  expect   = "clean",
}

local function WriteLine(DeviceObject, Context)
  local iosb = IO_STATUS_BLOCK()
  assert(ZwWriteFile(Log, nil, nil, nil, iosb, Line, 6, nil, nil) == STATUS_SUCCESS)
  Written = true
end

driver "errlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status
    status, Device = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, "\\??\\C:\\Logs\\errlog.log",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local iosb = IO_STATUS_BLOCK()
    status, Log = ZwCreateFile(FILE_APPEND_DATA | SYNCHRONIZE, oa, iosb, nil,
                               FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ, FILE_OPEN_IF,
                               FILE_SYNCHRONOUS_IO_NONALERT, nil, 0)
    if status ~= STATUS_SUCCESS then
      IoDeleteDevice(Device)
      return status
    end
    Line = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "ErrL")
    Line:write(0, "error\n")
    Item = IoAllocateWorkItem(Device)
    Dpc = KDPC()
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      IoQueueWorkItem(Item, WriteLine, DelayedWorkQueue, nil)
    end, nil)
    DriverObject.DriverUnload = function(DriverObject)
      IoFreeWorkItem(Item)
      ZwClose(Log)
      ExFreePoolWithTag(Line, "ErrL")
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "errlog.sys"
  KeInsertQueueDpc(Dpc, nil, nil)
  Sleep "10ms"
  assert(Written)
  UnloadDriver "errlog.sys"
  assert(FileGet "\\??\\C:\\Logs\\errlog.log" == "error\n")
end)
