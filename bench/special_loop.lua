-- special_loop: the special pool bench's workload from Lua (bench/run.sh):
-- 200,000 times, a verified driver allocates 32 bytes from special pool,
-- writes them and frees them.
scenario {
  verifier = "/flags 0x1 /driver loop.sys",
  limit    = "10h",
}

driver "loop.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Data = string.rep("Z", 32)
    for i = 1, 200000 do
      local P = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Loop")
      P:write(0, Data)
      ExFreePoolWithTag(P, "Loop")
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "loop.sys"
  assert(Query().AllocationsSucceededSpecialPool == 200000)
  UnloadDriver "loop.sys"
end)
