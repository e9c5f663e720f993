-- entry_written_twice: retry.sys logs a failed attempt and, on its retry
-- path, writes the same entry again. IoWriteErrorLogEntry hands the entry to
-- the error log, which frees it: the second write frees a block the pool no
-- longer holds, which the pool itself stops, verified or not
-- (BAD_POOL_CALLER 0xC2, P1 7: a block freed twice).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc2--bad-pool-caller.md
scenario {
  expect = { bugcheck = 0xC2, p1 = 0x7 },
}

driver "retry.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local entry = IoAllocateErrorLogEntry(device, FIELD_OFFSET(IO_ERROR_LOG_PACKET, "DumpData"))
    IO_ERROR_LOG_PACKET(entry).ErrorCode = IO_ERR_RETRY_SUCCEEDED
    IoWriteErrorLogEntry(entry)
    IoWriteErrorLogEntry(entry) -- the bug: the entry is the log's now
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(DriverObject.DeviceObject)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "retry.sys"
  UnloadDriver "retry.sys"
end)
