-- bench/scale/allocations.lua: N allocations of pool live at once, then
-- freed (bench/scale.sh sets N). The cost per allocation must stay flat as
-- N grows from 10^3 to 10^6.
local N = 1000
scenario { limit = "10h", expect = "clean" }

driver "alloc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Live = {}
    for i = 1, N do
      Live[i] = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Live")
    end
    for i = 1, N do
      ExFreePoolWithTag(Live[i], "Live")
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "alloc.sys"
  UnloadDriver "alloc.sys"
end)
