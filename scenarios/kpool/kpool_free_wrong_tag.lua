-- kpool_free_wrong_tag: a copy-pasted free passes the transmit tag for a receive buffer (0xC2/0x0A).
-- The verifier has no 0xC4 form of this check: verified or not, the kernel raises 0xC2/0x0A.
scenario {
  -- P2 is the address of the block.
  expect = { bugcheck = 0xC2, p1 = 0x0A,
             p3 = 0x66427852,                 -- the tag it was allocated with, 'RxBf'
             p4 = 0x66427854,                 -- the tag passed to the free, 'TxBf'
             driver = "nicmini.sys" },
}

local RX_TAG, TX_TAG = "RxBf", "TxBf"
local BUFFER_SIZE = 1536

driver "nicmini.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TxBuffer = ExAllocatePoolWithTag(NonPagedPoolNx, BUFFER_SIZE, TX_TAG)
    RxBuffer = ExAllocatePoolWithTag(NonPagedPoolNx, BUFFER_SIZE, RX_TAG)
    if TxBuffer == nil or RxBuffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(TxBuffer, TX_TAG)
      -- BUG: copy-pasted from the line above; the receive buffer's tag is RX_TAG.
      ExFreePoolWithTag(RxBuffer, TX_TAG)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "nicmini.sys"
  Sleep "10ms"
  UnloadDriver "nicmini.sys"
end)
