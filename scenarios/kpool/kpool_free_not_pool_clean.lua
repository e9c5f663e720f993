-- kpool_free_not_pool (clean twin): the driver steps back from the payload to the block it allocated before freeing (no verifier).
scenario {
  expect = "clean",
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

local function FreeMessage(Payload)
  ExFreePoolWithTag(Payload - MSG_HEADER_SIZE, "MsgQ")   -- right: the block's own address
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
