-- set_event_above_dispatch, clean twin: the ISR does only what must happen at
-- the device IRQL (read the receive register) and queues its DPC, which
-- signals the reader thread at DISPATCH_LEVEL; unload stops the line, flushes
-- the DPCs, stops the reader and frees the FIFO.
-- (drvsim has no interrupt controller: a timer DPC stands in for the device,
-- raising to the DIRQL the interrupt is connected at and calling the ISR.)
local UART_IRQL = 7   -- the DIRQL of the UART's interrupt

scenario {
  verifier = "/standard /driver uart16550.sys",
  expect   = "clean",
}

driver "uart16550.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RxReady, Stop = KEVENT(), KEVENT()
    LineTimer, LineDpc, RxDpc = KTIMER(), KDPC(), KDPC()
    KeInitializeEvent(RxReady, SynchronizationEvent, false)
    KeInitializeEvent(Stop, NotificationEvent, false)
    RxFifo = ExAllocatePoolWithTag(NonPagedPoolNx, 256, "UaRx")
    if RxFifo == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Received, Consumed = 0, 0

    -- The ISR's DPC (IoRequestDpc's job for a device object).
    KeInitializeDpc(RxDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(RxReady, 0, false)
    end, nil)

    local function UartIsr()
      RxFifo[Received % 256] = math.random(0x20, 0x7E)   -- read the receive register
      Received = Received + 1
      KeInsertQueueDpc(RxDpc, nil, nil)                  -- the rest at DISPATCH_LEVEL
      return true
    end

    -- The serial line: a character arrives every 5 ms.
    KeInitializeTimer(LineTimer)
    KeInitializeDpc(LineDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local OldIrql = KeRaiseIrql(UART_IRQL)     -- the interrupt is taken
      UartIsr()
      KeLowerIrql(OldIrql)
    end, nil)
    KeSetTimerEx(LineTimer, -10000 * 5, 5, LineDpc)

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while KeWaitForMultipleObjects(2, { Stop, RxReady }, WaitAny, Executive, KernelMode, false,
                                     nil, nil) == STATUS_WAIT_1 do
        Consumed = Received
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      KeCancelTimer(LineTimer)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(RxFifo, "UaRx")
      return status
    end
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Reader = object

    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(LineTimer)
      KeFlushQueuedDpcs()                        -- the line's DPC, and the RxDpc it queued
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Reader, Executive, KernelMode, false, nil)
      ObDereferenceObject(Reader)
      ExFreePoolWithTag(RxFifo, "UaRx")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "uart16550.sys"
  Sleep "100ms"
  UnloadDriver "uart16550.sys"
  assert(Received >= 19 and Consumed >= Received - 1, "the reader kept up with the line")
end)
