-- double_free: Driver Verifier catches a pool block freed twice (0xC4/0x13).
scenario {
  verifier = "/standard /driver twice.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x13, driver = "twice.sys" },
}

driver "twice.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Request = ExAllocatePoolWithTag(NonPagedPoolNx, 128, "Req ")
    ExFreePoolWithTag(Request, "Req ")      -- the request failed: drop it ...
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Request, "Req ")    -- BUG: ... and free it again at unload
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "twice.sys"
  Sleep "1s"
  UnloadDriver "twice.sys"
end)
