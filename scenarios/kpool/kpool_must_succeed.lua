-- kpool_must_succeed: a legacy driver asks for must-succeed pool, which the kernel no longer supports (0xC2/0x9A).
-- Verified or not, a request of one page or less gets this 0xC2; the verifier's 0xC4/0x03
-- (pool_must_succeed) is only for requests above a page.
scenario {
  expect = { bugcheck = 0xC2, p1 = 0x9A, p2 = NonPagedPoolMustSucceed, p3 = 512,
             p4 = 0x6D456353,                 -- the tag, 'ScEm'
             driver = "oldscsi.sys" },
}

local SENSE_BUFFER_SIZE = 512

driver "oldscsi.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- BUG: NonPagedPoolMustSucceed, carried over from NT 4 code. Allocate
    -- normally and handle NULL.
    Sense = ExAllocatePoolWithTag(NonPagedPoolMustSucceed, SENSE_BUFFER_SIZE, "ScEm")
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Sense, "ScEm")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "oldscsi.sys"
  Sleep "10ms"
  UnloadDriver "oldscsi.sys"
end)
