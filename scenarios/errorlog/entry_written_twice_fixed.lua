-- entry_written_twice, fixed: retry.sys allocates a new entry for each
-- record it writes. Clean; the log holds both.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc2--bad-pool-caller.md
scenario {
  expect = "clean",
}

driver "retry.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    for attempt = 1, 2 do
      local entry = IoAllocateErrorLogEntry(device,
                                            FIELD_OFFSET(IO_ERROR_LOG_PACKET, "DumpData"))
      local packet = IO_ERROR_LOG_PACKET(entry)
      packet.ErrorCode = IO_ERR_RETRY_SUCCEEDED
      packet.RetryCount = attempt
      IoWriteErrorLogEntry(entry)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(DriverObject.DeviceObject)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "retry.sys"
  local log = ErrorLog()
  assert(#log == 2 and log[1].RetryCount == 1 and log[2].RetryCount == 2)
  UnloadDriver "retry.sys"
end)
