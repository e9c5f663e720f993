-- atomics_clean: statsdrv.sys keeps its statistics and free buffers as
-- storage and network samples do (msdsm's reference counts, ndisprot's
-- InterlockedCompareExchangePointer on a pending request, echosrv's SList
-- of free buffers). Two worker threads on the two processors count every
-- packet with InterlockedIncrement, add byte counts with
-- InterlockedExchangeAdd64, set flags with InterlockedOr/And, and take
-- buffers from a shared SLIST_HEADER and give them back; a one-shot
-- initialisation is guarded with InterlockedCompareExchange. Each call is a
-- preemption point where the other processor may run, and as each is
-- atomic, no update is lost on any seed.
scenario {
  verifier = "/standard /driver statsdrv.sys",
  cpus     = 2,
}

local PACKETS = 200
local BUFFERS = 8
local BUFFER_SIZE = 64                  -- SLIST_ENTRY Next; UCHAR Data[48]

driver "statsdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Packets, Bytes, Flags, InitState = LONG(), LONG64(), LONG(), LONG()
    Pending = LONG64()                  -- PVOID Pending (a pointer slot)
    FreeBuffers = SLIST_HEADER()
    Done = { KEVENT(), KEVENT() }
    ExInitializeSListHead(FreeBuffers)
    Buffers = {}
    for i = 1, BUFFERS do
      Buffers[i] = ExAllocatePoolWithTag(NonPagedPoolNx, BUFFER_SIZE, "Stat")
      InterlockedPushEntrySList(FreeBuffers, Buffers[i])
    end
    assert(ExQueryDepthSList(FreeBuffers) == BUFFERS)

    -- Initialise once, whoever gets there first.
    local function EnsureInitialized()
      if InterlockedCompareExchange(InitState, 1, 0) == 0 then
        InterlockedOr(Flags, 0x1)       -- STATS_READY
        InterlockedExchange(InitState, 2)
      end
    end

    local function Worker(Index)
      EnsureInitialized()
      for packet = 1, PACKETS do
        local Buffer = InterlockedPopEntrySList(FreeBuffers)
        assert(Buffer ~= nil, "a free buffer: there are as many as the workers need")
        InterlockedIncrement(Packets)
        InterlockedExchangeAdd64(Bytes, 1500)
        local Previous = InterlockedCompareExchangePointer(Pending, Buffer, nil)
        if Previous == nil then
          assert(InterlockedExchangePointer(Pending, nil) == Buffer)
        end
        KeMemoryBarrier()
        InterlockedPushEntrySList(FreeBuffers, Buffer)
      end
      InterlockedOr(Flags, Index == 1 and 0x10 or 0x20)
      KeSetEvent(Done[Index], 0, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end

    for i = 1, 2 do
      KeInitializeEvent(Done[i], NotificationEvent, false)
      local status, handle = PsCreateSystemThread(0, nil, nil,
                                                  function(Context) Worker(i) end, nil)
      assert(status == STATUS_SUCCESS)
      ZwClose(handle)
    end

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForMultipleObjects(2, Done, WaitAll, Executive, KernelMode, false, nil, nil)
      assert(Packets:u32(0) == 2 * PACKETS, "no increment lost: " .. Packets:u32(0))
      assert(Bytes:u64(0) == 2 * PACKETS * 1500)
      assert(InterlockedAnd(Flags, ~0x1) == 0x31, "both workers and the init set their flag")
      assert(Flags:u32(0) == 0x30)
      assert(ExQueryDepthSList(FreeBuffers) == BUFFERS)
      local Entry = InterlockedFlushSList(FreeBuffers)
      local Count = 0
      while Entry ~= nil do
        local Next = SLIST_ENTRY(Entry).Next
        ExFreePoolWithTag(Entry, "Stat")
        Count = Count + 1
        Entry = Next
      end
      assert(Count == BUFFERS and ExQueryDepthSList(FreeBuffers) == 0)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "statsdrv.sys"
  UnloadDriver "statsdrv.sys"
end)
