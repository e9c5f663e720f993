-- klookaside_in_unloaded_image, clean twin: the serial driver returns its
-- receive buffers to the lookaside list and deletes the list on unload,
-- which frees the buffers it holds and takes it off the kernel's list.
scenario {
  expect = "clean",
}

local RX_BYTES = 256

driver "sercomx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RxBuffers = NPAGED_LOOKASIDE_LIST()
    ExInitializeNPagedLookasideList(RxBuffers, nil, nil, POOL_NX_ALLOCATION, RX_BYTES, "SrRx", 0)
    Pending = {}
    for i = 1, 4 do
      Pending[i] = ExAllocateFromNPagedLookasideList(RxBuffers)
    end
    DriverObject.DriverUnload = function(DriverObject)
      for _, Buffer in ipairs(Pending) do
        ExFreeToNPagedLookasideList(RxBuffers, Buffer)
      end
      ExDeleteNPagedLookasideList(RxBuffers)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sercomx.sys"
  Sleep "500ms"
  UnloadDriver "sercomx.sys"
  Sleep "2s"
end)
