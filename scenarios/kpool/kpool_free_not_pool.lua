-- kpool_free_not_pool: a driver frees the payload pointer it handed out, which points past the block's header (0xC2/0x46).
-- With the driver verified, the verifier's 0xC4/0x10 (pool_free_bad_address) fires first.
scenario {
  -- P2 is the address passed to the free.
  expect = { bugcheck = 0xC2, p1 = 0x46, p3 = 0, p4 = 0, driver = "msgq.sys" },
}

local MSG_HEADER_SIZE = 16                   -- sizeof(MSG_HEADER)

-- Allocates a message: a MSG_HEADER followed by the payload; returns the payload.
local function AllocateMessage(PayloadSize)
  local Block = ExAllocatePoolWithTag(NonPagedPoolNx, MSG_HEADER_SIZE + PayloadSize, "MsgQ")
  if Block == nil then
    return nil
  end
  Block[0] = PayloadSize & 0xFF              -- Header->Length
  return Block + MSG_HEADER_SIZE
end

-- BUG: frees the payload pointer itself; the block starts MSG_HEADER_SIZE
-- bytes earlier (CONTAINING_RECORD(Payload, MESSAGE, Payload) was forgotten).
local function FreeMessage(Payload)
  ExFreePoolWithTag(Payload, "MsgQ")
end

driver "msgq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Greeting = AllocateMessage(48)
    if Greeting == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Greeting:write(0, "hello")
    DriverObject.DriverUnload = function(DriverObject)
      FreeMessage(Greeting)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "msgq.sys"
  Sleep "10ms"
  UnloadDriver "msgq.sys"
end)
