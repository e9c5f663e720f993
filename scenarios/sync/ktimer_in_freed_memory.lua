-- ktimer_in_freed_memory: a bus driver sends each request with a 5-second
-- timeout: the request's context, in nonpaged pool, holds a KTIMER and the
-- KDPC that aborts the request when the timer expires. The device answers
-- after 20 ms and the completion path frees the context, but never cancels
-- the timeout timer, which is still in the kernel's timer table. ExFreePool
-- finds it in the block being freed: TIMER_OR_DPC_INVALID (0xC7/0x0, P2 the
-- timer, P3..P4 the range freed). No verifier here: with it, the verifier's
-- own check of the free would stop first (0xC4/0x15, pool_free_active_timer).
scenario {
  expect = { bugcheck = 0xC7, p1 = 0x0, driver = "busreq.sys" },
}

-- REQUEST_CONTEXT: KTIMER at 0 (0x40 bytes on x64), KDPC at 0x40, the
-- request's id at 0x80, its status at 0x84.
local TIMER, DPC, ID, STATUS = 0x00, 0x40, 0x80, 0x84
local CONTEXT_SIZE = 0x88

local function CompleteRequest(Request, Status)
  Request:set_u32(STATUS, Status)
  -- BUG: the timeout timer is still set; no KeCancelTimer(Request + TIMER).
  ExFreePoolWithTag(Request, "BusR")
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
  end, Request)
  KeSetTimer(Request + TIMER, -10000 * 5000, Request + DPC)    -- 5 s timeout
  KeDelayExecutionThread(KernelMode, false, -10000 * 20)      -- the device answers in 20 ms
  CompleteRequest(Request, STATUS_SUCCESS)
  return STATUS_SUCCESS
end

driver "busreq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TimedOut = 0
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
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "busreq.sys"
  Sleep "1s"
  UnloadDriver "busreq.sys"
  Sleep "10s"
end)
