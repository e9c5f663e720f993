-- klist_entry_corrupted: a request queue whose cancel path and completion
-- path both unlink the same request. The first RemoveEntryList leaves the
-- request's own links pointing at its old neighbours, which no longer point
-- back at it; the second finds that out: since Windows 8 the inline list
-- routines check both neighbours and fail fast with
-- KERNEL_SECURITY_CHECK_FAILURE (0x139), P1 = 3 (a corrupted LIST_ENTRY).
-- No verifier is needed: the check is compiled into the driver.
scenario {
  expect = { bugcheck = 0x139, p1 = 3, driver = "reqq.sys" },
}

local REQUEST_SIZE = 48            -- LIST_ENTRY Links; ULONG Id; ...

driver "reqq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Queue = LIST_ENTRY()
    InitializeListHead(Queue)

    local function Queue_Request(Id)
      local request = ExAllocatePoolWithTag(NonPagedPoolNx, REQUEST_SIZE, "Rqst")
      request:set_u32(16, Id)
      InsertTailList(Queue, request)  -- Links is the first field
      return request
    end

    local function Cancel_Request(Request)
      RemoveEntryList(Request)
    end

    local function Complete_Request(Request)
      RemoveEntryList(Request)        -- BUG: already unlinked by the cancel path
      ExFreePoolWithTag(Request, "Rqst")
    end

    local first = Queue_Request(1)
    Queue_Request(2)
    Queue_Request(3)
    Cancel_Request(first)
    Complete_Request(first)

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
