-- set_event_above_dispatch: a UART driver's interrupt service routine runs
-- at the device IRQL and signals the reader thread's event directly instead
-- of queueing a DPC to do it. KeSetEvent is callable at DISPATCH_LEVEL at
-- most: 0xC4/0x80 (P2 the IRQL, the UART's DIRQL; P4 0).
-- (drvsim has no interrupt controller: a timer DPC stands in for the device,
-- raising to the DIRQL the interrupt is connected at and calling the ISR.)
local UART_IRQL = 7   -- the DIRQL of the UART's interrupt

scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlKeSetEvent (0x20016) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver uart16550.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x80, p2 = UART_IRQL, p4 = 0, driver = "uart16550.sys" },
}

driver "uart16550.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RxReady, Stop = KEVENT(), KEVENT()
    LineTimer, LineDpc = KTIMER(), KDPC()
    KeInitializeEvent(RxReady, SynchronizationEvent, false)
    KeInitializeEvent(Stop, NotificationEvent, false)
    RxFifo = ExAllocatePoolWithTag(NonPagedPoolNx, 256, "UaRx")
    if RxFifo == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Received, Consumed = 0, 0

    local function UartIsr()
      RxFifo[Received % 256] = math.random(0x20, 0x7E)   -- read the receive register
      Received = Received + 1
      -- BUG: an ISR runs at its DIRQL; KeSetEvent needs <= DISPATCH_LEVEL.
      KeSetEvent(RxReady, 0, false)
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
      KeFlushQueuedDpcs()
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
end)
