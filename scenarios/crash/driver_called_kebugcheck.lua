-- driver_called_kebugcheck: a driver gives up on an impossible state with
-- KeBugCheck (the code alone): the machine stops with that code and the
-- four parameters 0, as KeBugCheckEx(code, 0, 0, 0, 0) does.
scenario {
  expect = { bugcheck = 0xE2, p1 = 0, p2 = 0, p3 = 0, p4 = 0, driver = "giveup.sys" },
}

driver "giveup.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    KeBugCheck(0xE2) -- MANUALLY_INITIATED_CRASH
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "giveup.sys"
end)
