-- ktimer_in_freed_memory, clean twin: the completion path cancels the
-- timeout timer before it frees the context. KeCancelTimer returns FALSE
-- when the timer has already expired; then the timeout DPC owns the
-- request and frees it, so completion leaves it alone.
scenario {
  expect = "clean",
}

-- REQUEST_CONTEXT: KTIMER at 0 (0x40 bytes on x64), KDPC at 0x40, the
-- request's id at 0x80, its status at 0x84.
local TIMER, DPC, ID, STATUS = 0x00, 0x40, 0x80, 0x84
local CONTEXT_SIZE = 0x88

local function CompleteRequest(Request, Status)
  if not KeCancelTimer(Request + TIMER) then
    return   -- expired: the timeout DPC completes and frees it
  end
  Request:set_u32(STATUS, Status)
  ExFreePoolWithTag(Request, "BusR")
  Completed = Completed + 1
end

local function SendRequest(Id)
  local Request = ExAllocatePoolWithTag(NonPagedPoolNx, CONTEXT_SIZE, "BusR")
  if Request == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  RtlZeroMemory(Request, CONTEXT_SIZE)
  Request:set_u32(ID, Id)
  KeInitializeTimer(Request + TIMER)
  KeInitializeDpc(Request + DPC, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
    TimedOut = TimedOut + 1
    ExFreePoolWithTag(DeferredContext, "BusR")
  end, Request)
  KeSetTimer(Request + TIMER, -10000 * 5000, Request + DPC)    -- 5 s timeout
  KeDelayExecutionThread(KernelMode, false, -10000 * 20)      -- the device answers in 20 ms
  CompleteRequest(Request, STATUS_SUCCESS)
  return STATUS_SUCCESS
end

driver "busreq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TimedOut, Completed = 0, 0
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      for Id = 1, 3 do
        SendRequest(Id)
      end
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Sender = object
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Sender, Executive, KernelMode, false, nil)
      ObDereferenceObject(Sender)
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "busreq.sys"
  Sleep "1s"
  UnloadDriver "busreq.sys"
  assert(Completed == 3 and TimedOut == 0, "three requests answered in time")
  Sleep "10s"
end)
