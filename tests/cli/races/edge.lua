-- edge.sys: one happens-before edge of the race detector at a time
-- (tests/cli/test_races.sh). A producer writes the ULONG at offset 0 of a
-- pool block (X) and a consumer reads it about 5 ms later from another
-- execution context. The scenario sets EDGE (which edge) and WITH before
-- loading it: WITH true, the consumer is ordered after the write by that
-- edge and the run is clean; WITH false, the edge is left out and the pair
-- is a race (0xC4/0xD0030001). Lock edges: both sides hold the lock, or
-- the consumer does not. Hand-off edges: the producer writes then signals,
-- the consumer waits for the signal then reads; without, it only waits
-- 5 ms.
local Edge, With = EDGE, WITH

local function delay(ms)
  KeDelayExecutionThread(KernelMode, false, -10000 * ms)
end

local function write()
  X:set_u32(0, 1)
end

local function read()
  return X:u32(0)
end

-- Locks: take() returns what give() needs.
local locks = {
  spinlock = {
    init = function() L = KSPIN_LOCK(); KeInitializeSpinLock(L) end,
    take = function() return KeAcquireSpinLock(L) end,
    give = function(old) KeReleaseSpinLock(L, old) end,
  },
  spinlock_dpc_level = {
    init = function() L = KSPIN_LOCK(); KeInitializeSpinLock(L) end,
    take = function()
      local old = KeRaiseIrql(DISPATCH_LEVEL)
      KeAcquireSpinLockAtDpcLevel(L)
      return old
    end,
    give = function(old) KeReleaseSpinLockFromDpcLevel(L); KeLowerIrql(old) end,
  },
  queued_spinlock = {
    init = function() L = KSPIN_LOCK(); KeInitializeSpinLock(L) end,
    take = function()
      local handle = KLOCK_QUEUE_HANDLE()
      KeAcquireInStackQueuedSpinLock(L, handle)
      return handle
    end,
    give = function(handle) KeReleaseInStackQueuedSpinLock(handle) end,
  },
  fast_mutex = {
    init = function() L = FAST_MUTEX(); ExInitializeFastMutex(L) end,
    take = function() ExAcquireFastMutex(L) end,
    give = function() ExReleaseFastMutex(L) end,
  },
  guarded_mutex = {
    init = function() L = KGUARDED_MUTEX(); KeInitializeGuardedMutex(L) end,
    take = function() KeAcquireGuardedMutex(L) end,
    give = function() KeReleaseGuardedMutex(L) end,
  },
  kmutex = {
    init = function() L = KMUTEX(); KeInitializeMutex(L, 0) end,
    take = function() KeWaitForSingleObject(L, Executive, KernelMode, false, nil) end,
    give = function() KeReleaseMutex(L, false) end,
  },
  resource = {
    init = function() L = ERESOURCE(); ExInitializeResourceLite(L) end,
    take = function() KeEnterCriticalRegion(); ExAcquireResourceExclusiveLite(L, true) end,
    give = function() ExReleaseResourceLite(L); KeLeaveCriticalRegion() end,
    fini = function() ExDeleteResourceLite(L) end,
  },
  push_lock = {
    init = function() L = EX_PUSH_LOCK(); ExInitializePushLock(L) end,
    take = function() KeEnterCriticalRegion(); ExAcquirePushLockExclusive(L) end,
    give = function() ExReleasePushLockExclusive(L); KeLeaveCriticalRegion() end,
  },
}

-- Hand-offs between two threads: signal() after the write, await()
-- before the read.
local handoffs = {
  event = {
    init = function() S = KEVENT(); KeInitializeEvent(S, NotificationEvent, false) end,
    signal = function() KeSetEvent(S, 0, false) end,
    await = function() KeWaitForSingleObject(S, Executive, KernelMode, false, nil) end,
  },
  semaphore = {
    init = function() S = KSEMAPHORE(); KeInitializeSemaphore(S, 0, 1) end,
    signal = function() KeReleaseSemaphore(S, 0, 1, false) end,
    await = function() KeWaitForSingleObject(S, Executive, KernelMode, false, nil) end,
  },
  thread_end = {
    init = function() end,
    signal = function() end, -- the producer's end is the signal
    await = function() KeWaitForSingleObject(ThreadA, Executive, KernelMode, false, nil) end,
  },
  interlocked = {
    init = function() S = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "Flag"); RtlZeroMemory(S, 8) end,
    signal = function() InterlockedExchange(S, 1) end,
    await = function()
      while InterlockedCompareExchange(S, 0, 0) == 0 do delay(1) end
    end,
    fini = function() ExFreePoolWithTag(S, "Flag") end,
  },
  memory_barrier = {
    init = function() S = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "Flag"); RtlZeroMemory(S, 8) end,
    signal = function() KeMemoryBarrier(); WriteNoFence(S, 1) end,
    await = function()
      while ReadNoFence(S) == 0 do delay(1) end
      KeMemoryBarrier()
    end,
    fini = function() ExFreePoolWithTag(S, "Flag") end,
  },
  acquire_release = {
    init = function() S = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "Flag"); RtlZeroMemory(S, 8) end,
    signal = function() WriteRelease(S, 1) end,
    await = function()
      while ReadAcquire(S) == 0 do delay(1) end
    end,
    fini = function() ExFreePoolWithTag(S, "Flag") end,
  },
}

local function thread(routine)
  local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
    routine()
    PsTerminateSystemThread(STATUS_SUCCESS)
  end, nil)
  assert(status == STATUS_SUCCESS)
  local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
  ZwClose(handle)
  return object
end

local Threads = {}
local function wait_threads()
  for _, t in ipairs(Threads) do
    KeWaitForSingleObject(t, Executive, KernelMode, false, nil)
    ObDereferenceObject(t)
  end
end

-- The consumer in a DPC, a work item, a new thread or an ISR.
local function start()
  if locks[Edge] then
    local k = locks[Edge]
    k.init()
    Threads[1] = thread(function() local h = k.take(); write(); k.give(h) end)
    Threads[2] = thread(function()
      delay(5)
      if With then local h = k.take(); read(); k.give(h) else read() end
    end)
    Fini = k.fini
  elseif handoffs[Edge] then
    local k = handoffs[Edge]
    k.init()
    ThreadA = thread(function() write(); k.signal(); delay(10) end)
    Threads[1] = ThreadA
    Threads[2] = thread(function()
      if With then k.await() else delay(5) end
      read()
    end)
    Fini = k.fini
  elseif Edge == "dpc" or Edge == "timer" then
    D, T = KDPC(), KTIMER()
    KeInitializeDpc(D, function() read() end, nil)
    KeInitializeTimer(T)
    local function queue()
      if Edge == "dpc" then KeInsertQueueDpc(D, nil, nil) else KeSetTimer(T, -20000, D) end
    end
    Threads[1] = thread(function()
      if With then write(); queue() else queue(); write() end
    end)
  elseif Edge == "work_item" then
    W, Done = WORK_QUEUE_ITEM(), KEVENT()
    KeInitializeEvent(Done, NotificationEvent, false)
    ExInitializeWorkItem(W, function(Parameter) read(); KeSetEvent(Done, 0, false) end, nil)
    Threads[1] = thread(function()
      if With then
        write(); ExQueueWorkItem(W, DelayedWorkQueue)
      else
        ExQueueWorkItem(W, DelayedWorkQueue); write()
      end
    end)
  elseif Edge == "lookaside" then
    -- A block freed to a lookaside list and allocated again by another
    -- thread: the list hands it over. Without: the first thread writes it
    -- after freeing it.
    LA = NPAGED_LOOKASIDE_LIST()
    ExInitializeNPagedLookasideList(LA, nil, nil, 0, 32, "Look", 0)
    Threads[1] = thread(function()
      local b = ExAllocateFromNPagedLookasideList(LA)
      if With then
        b:set_u32(8, 1); ExFreeToNPagedLookasideList(LA, b)
      else
        ExFreeToNPagedLookasideList(LA, b); b:set_u32(8, 1)
      end
    end)
    Threads[2] = thread(function()
      delay(5)
      local b = ExAllocateFromNPagedLookasideList(LA)
      b:set_u32(8, 2)
      ExFreeToNPagedLookasideList(LA, b)
    end)
    Fini = function() ExDeleteNPagedLookasideList(LA) end
  elseif Edge == "thread_start" then
    Threads[1] = thread(function()
      if With then
        write(); Threads[2] = thread(function() read() end)
      else
        Threads[2] = thread(function() delay(5); read() end); write()
      end
    end)
  elseif Edge == "synchronize_execution" or Edge == "isr_dpc" then
    D = KDPC()
    KeInitializeDpc(D, function() read() end, nil)
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, Context)
      if Edge == "isr_dpc" then
        if With then write(); KeInsertQueueDpc(D, nil, nil) else KeInsertQueueDpc(D, nil, nil); write() end
      else
        read()
      end
      return true
    end, nil, nil, 0x51, 5, 5, Latched, false, 0x3, false)
    assert(status == STATUS_SUCCESS)
    if Edge == "synchronize_execution" then
      Threads[1] = thread(function()
        if With then
          KeSynchronizeExecution(InterruptObject, function(Context) write(); return true end, nil)
        else
          write()
        end
      end)
    end
  else
    error("edge.sys: no edge " .. tostring(Edge))
  end
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    X = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Edge")
    RtlZeroMemory(X, 16)
    start()
    DriverObject.DriverUnload = function(DriverObject)
      wait_threads()
      if Edge == "work_item" then
        KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
      end
      if Edge == "timer" then KeCancelTimer(T) end
      KeFlushQueuedDpcs()
      if InterruptObject ~= nil then IoDisconnectInterrupt(InterruptObject) end
      if Fini ~= nil then Fini() end
      ExFreePoolWithTag(X, "Edge")
    end
    return STATUS_SUCCESS
  end,
}
