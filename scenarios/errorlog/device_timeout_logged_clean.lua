-- device_timeout_logged_clean: tmodev.sys times its requests out in a DPC
-- and records each timeout in the system event log, as storage class
-- drivers do (classpnp's ClassLogError pattern): IoAllocateErrorLogEntry on
-- its device object with room for one ULONG of dump data and its device
-- name as the insertion string, the packet's fields filled, then
-- IoWriteErrorLogEntry at DISPATCH_LEVEL. An entry larger than
-- ERROR_LOG_MAXIMUM_SIZE is refused (NULL); one it decides not to send is
-- given back with IoFreeErrorLogEntry. The harness reads the log with
-- ErrorLog(). Clean, under /standard.
scenario {
  verifier = "/standard /driver tmodev.sys",
  expect = "clean",
}

local NAME = "\\Device\\Tmo0"

driver "tmodev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, NAME, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device = device
    -- Too large for the log: refused.
    assert(IoAllocateErrorLogEntry(device, ERROR_LOG_MAXIMUM_SIZE + 1) == nil)
    -- Allocated, then not sent.
    local unused = IoAllocateErrorLogEntry(device, FIELD_OFFSET(IO_ERROR_LOG_PACKET, "DumpData"))
    assert(unused ~= nil)
    IoFreeErrorLogEntry(unused)
    Timer, Dpc = KTIMER(), KDPC()
    Sequence = 0
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      -- The request timed out: log it, with the device name as %1.
      local nameBytes = 2 * #NAME + 2
      local size = FIELD_OFFSET(IO_ERROR_LOG_PACKET, "DumpData") + 4 + nameBytes
      local entry = IoAllocateErrorLogEntry(Device, size)
      if entry == nil then
        return
      end
      local packet = IO_ERROR_LOG_PACKET(entry)
      Sequence = Sequence + 1
      packet.MajorFunctionCode = IRP_MJ_READ
      packet.RetryCount = 3
      packet.ErrorCode = IO_ERR_TIMEOUT
      packet.UniqueErrorValue = 0x100
      packet.FinalStatus = STATUS_IO_TIMEOUT
      packet.SequenceNumber = Sequence
      packet.DumpDataSize = 4
      packet.DumpData:set_u32(0, 0xDEAD)
      packet.NumberOfStrings = 1
      packet.StringOffset = FIELD_OFFSET(IO_ERROR_LOG_PACKET, "DumpData") + 4
      local name = entry + packet.StringOffset
      for i = 1, #NAME do
        name:set_u16(2 * (i - 1), NAME:byte(i))
      end
      name:set_u16(2 * #NAME, 0)
      IoWriteErrorLogEntry(entry)
    end, nil)
    KeSetTimer(Timer, -10000 * 5, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "tmodev.sys"
  Sleep "20ms"
  local log = ErrorLog()
  assert(#log == 1)
  local e = log[1]
  assert(e.Driver == "tmodev.sys" and e.ErrorCode == IO_ERR_TIMEOUT)
  assert(e.FinalStatus == STATUS_IO_TIMEOUT and e.SequenceNumber == 1 and e.RetryCount == 3)
  assert(e.MajorFunctionCode == IRP_MJ_READ and e.UniqueErrorValue == 0x100)
  assert(e.DumpData == "\xAD\xDE\0\0" and e.Strings[1] == NAME)
  UnloadDriver "tmodev.sys"
end)
