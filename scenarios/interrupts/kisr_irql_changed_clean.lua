-- kisr_irql_changed_clean: a serial-port style driver. The device has a
-- register block (STATUS at offset 0, DATA at 1); its ISR, at the device
-- IRQL, reads the received byte into a small buffer in the device extension
-- and queues a DPC. A reader thread empties the buffer every few
-- milliseconds through KeSynchronizeExecution, so the buffer is never
-- touched by the ISR and the thread at once. The ISR returns at the IRQL it
-- was called at. Unload disconnects the interrupt first, then stops the
-- thread and flushes the DPC.
scenario {
  verifier = "/standard /driver uart.sys",
  cpus = 2,
  expect = "clean",
}

local STATUS, DATA = 0, 1             -- register offsets
local COUNT, BYTES = 0, 4             -- extension: byte count, then the bytes
local DEVICE_IRQL = 5

driver "uart.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Registers = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Uart")
    Extension = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Uart")
    RtlZeroMemory(Registers, 16)
    RtlZeroMemory(Extension, 64)
    Dpc, Stop = KDPC(), KEVENT()
    Received, Delivered = 0, 0
    KeInitializeEvent(Stop, NotificationEvent, false)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, Arg1, Arg2)
      Delivered = Delivered + 1                -- data ready for the reader
    end, nil)
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      if Registers[STATUS] == 0 then
        return false                           -- not our device
      end
      local count = ServiceContext[COUNT]
      if count < 60 then
        ServiceContext[BYTES + count] = Registers[DATA]
        ServiceContext[COUNT] = count + 1
      end
      Registers[STATUS] = 0                    -- acknowledge
      KeInsertQueueDpc(Dpc, nil, nil)
      return true
    end, Extension, nil, 0x51, DEVICE_IRQL, DEVICE_IRQL, Latched, false, 0x3, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local _, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      repeat
        local got = KeSynchronizeExecution(InterruptObject, function(Context)
          local count = Context[COUNT]
          Received = Received + count
          Context[COUNT] = 0
          return count > 0
        end, Extension)
        DbgPrint("uart.sys: %s\n", got and "bytes read" or "idle")
      until KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 3) ~= STATUS_TIMEOUT
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Reader = object
    DriverObject.DriverUnload = function(DriverObject)
      IoDisconnectInterrupt(InterruptObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Reader, Executive, KernelMode, false, nil)
      ObDereferenceObject(Reader)
      KeFlushQueuedDpcs()
      Received = Received + Extension[COUNT]
      DbgPrint("uart.sys: %d bytes received, %d DPCs\n", Received, Delivered)
      ExFreePoolWithTag(Registers, "Uart")
      ExFreePoolWithTag(Extension, "Uart")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "uart.sys"
  for byte = 1, 20 do                          -- the device receives 20 bytes
    Registers[DATA] = byte
    Registers[STATUS] = 1
    Interrupt(InterruptObject)
    Sleep "1ms"
  end
  local counters = Query()
  assert(counters.SynchronizeExecutions > 0)
  UnloadDriver "uart.sys"
  assert(Received == 20, "received " .. Received)
end)
