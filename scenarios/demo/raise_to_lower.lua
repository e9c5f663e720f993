-- raise_to_lower: Driver Verifier catches KeRaiseIrql used to lower the IRQL (0xC4/0x30).
scenario {
  verifier = "/standard /driver fancnt.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x30, p2 = DISPATCH_LEVEL, p3 = PASSIVE_LEVEL,
               driver = "fancnt.sys" },
}

driver "fancnt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)   -- read the fan counter undisturbed
    -- ...
    KeRaiseIrql(OldIrql)   -- BUG: going down needs KeLowerIrql(OldIrql)
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fancnt.sys"
end)
