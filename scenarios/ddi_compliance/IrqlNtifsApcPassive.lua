-- IrqlNtifsApcPassive (rule class 35, the optional IRQL rules): a driver
-- logs its device's errors to a file, and writes the line straight from the
-- DPC that found the error. ZwWriteFile is called at PASSIVE_LEVEL only;
-- a DPC runs at DISPATCH_LEVEL (0xC4/0x20024). Rule class 35 is not part of
-- /standard.
scenario {
  verifier = "/ruleclasses 35 /driver errlog.sys",
  files = { ["\\??\\C:\\Logs"] = true },
  expect   = { bugcheck = 0xC4, p1 = 0x20024, driver = "errlog.sys" },
}

driver "errlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, "\\??\\C:\\Logs\\errlog.log",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local iosb = IO_STATUS_BLOCK()
    local status
    status, Log = ZwCreateFile(FILE_APPEND_DATA | SYNCHRONIZE, oa, iosb, nil,
                               FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ, FILE_OPEN_IF,
                               FILE_SYNCHRONOUS_IO_NONALERT, nil, 0)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Line = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "ErrL")
    Line:write(0, "error\n")
    Dpc = KDPC()
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local iosb = IO_STATUS_BLOCK()
      -- BUG: at DISPATCH_LEVEL.
      ZwWriteFile(Log, nil, nil, nil, iosb, Line, 6, nil, nil)
    end, nil)
    DriverObject.DriverUnload = function(DriverObject)
      ZwClose(Log)
      ExFreePoolWithTag(Line, "ErrL")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "errlog.sys"
  KeInsertQueueDpc(Dpc, nil, nil)
  Sleep "10ms"
  UnloadDriver "errlog.sys"
end)
