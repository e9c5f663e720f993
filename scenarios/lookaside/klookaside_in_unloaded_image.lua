-- klookaside_in_unloaded_image: a serial driver keeps its receive buffers
-- in a lookaside list that is a global of its image, and its unload
-- routine returns the buffers but never deletes the list. The list stays
-- on the kernel's list of lookaside lists after the image is gone; within
-- a second the balance set manager walks that list to adjust depths and
-- touches the unloaded image: DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_
-- OPERATIONS (0xCE, P1 = the address touched, P2 = 0: a read). No
-- verifier: the kernel's own fault, whatever the settings.
scenario {
  expect = { bugcheck = 0xCE, p2 = 0, driver = "sercomx.sys" },
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
        ExFreePoolWithTag(Buffer, "SrRx")
      end
      -- BUG: ExDeleteNPagedLookasideList(RxBuffers) is missing.
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
