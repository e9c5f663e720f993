-- kpool_free_wrong_tag (clean twin): each buffer is freed with the tag it was allocated with (no verifier).
scenario {
  expect = "clean",
}

local RX_TAG, TX_TAG = "RxBf", "TxBf"
local BUFFER_SIZE = 1536

driver "nicmini.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TxBuffer = ExAllocatePoolWithTag(NonPagedPoolNx, BUFFER_SIZE, TX_TAG)
    RxBuffer = ExAllocatePoolWithTag(NonPagedPoolNx, BUFFER_SIZE, RX_TAG)
    if TxBuffer == nil or RxBuffer == nil then
      if TxBuffer ~= nil then ExFreePoolWithTag(TxBuffer, TX_TAG) end
      if RxBuffer ~= nil then ExFreePoolWithTag(RxBuffer, RX_TAG) end
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(TxBuffer, TX_TAG)
      ExFreePoolWithTag(RxBuffer, RX_TAG)      -- right: the receive buffer's own tag
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "nicmini.sys"
  Sleep "10ms"
  UnloadDriver "nicmini.sys"
end)
