-- bench/scale/cpus.lua: N (1,000,000) KeRaiseIrql/KeLowerIrql pairs on one
-- processor while the others (bench/scale.sh sets --cpus 1..64) are idle.
-- The cost must stay flat in processors (issue 18 item 3).
local N = 1000000
scenario { limit = "1h", expect = "clean" }

driver "cpus.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    for i = 1, N do
      local old = KeRaiseIrql(DISPATCH_LEVEL)
      KeLowerIrql(old)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cpus.sys"
end)
