-- klist_entry_corrupted (clean twin): the same queue, but whoever unlinks a
-- request points its links at itself (InitializeListHead on the entry), the
-- idiom that makes a second RemoveEntryList a harmless no-op: its
-- "neighbours" are the entry itself, which does point back at itself.
scenario {
  verifier = "/standard /driver reqq.sys",
  expect   = "clean",
}

local REQUEST_SIZE = 48            -- LIST_ENTRY Links; ULONG Id; ...

driver "reqq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Queue = LIST_ENTRY()
    InitializeListHead(Queue)

    local function Queue_Request(Id)
      local request = ExAllocatePoolWithTag(NonPagedPoolNx, REQUEST_SIZE, "Rqst")
      request:set_u32(16, Id)
      InsertTailList(Queue, request)
      return request
    end

    local function Unlink_Request(Request)
      RemoveEntryList(Request)
      InitializeListHead(Request)     -- unlinked: points at itself
    end

    local first = Queue_Request(1)
    Queue_Request(2)
    Queue_Request(3)
    Unlink_Request(first)             -- the cancel path
    Unlink_Request(first)             -- the completion path: a no-op now
    ExFreePoolWithTag(first, "Rqst")
    local second = RemoveHeadList(Queue)
    assert(second:u32(16) == 2)
    ExFreePoolWithTag(second, "Rqst")

    DriverObject.DriverUnload = function(DriverObject)
      while not IsListEmpty(Queue) do
        ExFreePoolWithTag(RemoveHeadList(Queue), "Rqst")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "reqq.sys"
  UnloadDriver "reqq.sys"
end)
