-- bench/scale/threads.lua: N system threads (bench/scale.sh sets N), each
-- made ready while DriverEntry goes on creating the others on the one
-- processor, then running a KeRaiseIrql/KeLowerIrql pair and ending. The
-- work grows with N; its cost must too, linearly (issue 18 item 1).
local N = 1000
scenario { cpus = 1, limit = "10h", expect = "clean" }

driver "threads.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    for i = 1, N do
      local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
        local old = KeRaiseIrql(DISPATCH_LEVEL)
        KeLowerIrql(old)
        PsTerminateSystemThread(STATUS_SUCCESS)
      end, nil)
      ZwClose(handle)
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "threads.sys"
  Sleep "10ms"
  UnloadDriver "threads.sys"
end)
