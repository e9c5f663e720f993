-- switch_loop: thread switches. Two system threads hand a token back and
-- forth through two synchronization events, 100,000 times each way, on one
-- processor: every KeWaitForSingleObject blocks and the other thread runs,
-- so the run makes 200,000 thread switches (and 400,000 DDI calls).
scenario { cpus = 1, limit = "1h", expect = "clean" }

local ROUNDS = 100000

driver "pingpong.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ping, Pong, Done = KEVENT(), KEVENT(), KEVENT()
    KeInitializeEvent(Ping, SynchronizationEvent, false)
    KeInitializeEvent(Pong, SynchronizationEvent, false)
    KeInitializeEvent(Done, NotificationEvent, false)
    local function Player(Mine, Theirs, Last)
      return function(Context)
        for _ = 1, ROUNDS do
          KeWaitForSingleObject(Mine, Executive, KernelMode, false, nil)
          KeSetEvent(Theirs, 0, false)
        end
        if Last then KeSetEvent(Done, 0, false) end
        PsTerminateSystemThread(STATUS_SUCCESS)
      end
    end
    for _, player in ipairs { Player(Ping, Pong, false), Player(Pong, Ping, true) } do
      local status, handle = PsCreateSystemThread(0, nil, nil, player, nil)
      ZwClose(handle)
    end
    KeSetEvent(Ping, 0, false)            -- serve
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pingpong.sys"
  UnloadDriver "pingpong.sys"
end)
