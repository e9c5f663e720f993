-- lock_class_per_device: lock classes. A port driver keeps a spin lock in
-- each of its port contexts, all initialised by one line of NewPort, and a
-- global lock over the port list. The status thread takes a port's lock
-- then the list lock; the hot-plug thread takes the list lock then a port's
-- lock, of another port. No two locks are taken in both orders, so a graph
-- of lock instances (Windows') has no cycle; but any port is every port:
-- the next run, with both threads on the same port, deadlocks. drvsim's
-- graph is of classes (the line that initialised the lock, lockdep's): it
-- finds the cycle PortLock -> ListLock -> PortLock and reports it with the
-- two ports as examples (0xC4/0x1001, "between lock classes").
scenario {
  verifier = "/flags 0x20 /driver portx.sys",
  cpus = 2,
  expect = { bugcheck = 0xC4, p1 = 0x1001, driver = "portx.sys" },
}

driver "portx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function NewPort(Number)
      local Port = { Number = Number, Lock = KSPIN_LOCK(), Events = 0 }
      KeInitializeSpinLock(Port.Lock)
      return Port
    end
    ListLock = KSPIN_LOCK()
    KeInitializeSpinLock(ListLock)
    Ports = { NewPort(1), NewPort(2) }

    local function Status(StartContext)
      local Port = Ports[1]
      local OldIrql = KeAcquireSpinLock(Port.Lock)
      KeAcquireSpinLockAtDpcLevel(ListLock)
      Port.Events = Port.Events + 1
      KeReleaseSpinLockFromDpcLevel(ListLock)
      KeReleaseSpinLock(Port.Lock, OldIrql)
    end

    local function HotPlug(StartContext)
      local OldIrql = KeAcquireSpinLock(ListLock)
      local Port = Ports[2]
      KeAcquireSpinLockAtDpcLevel(Port.Lock)   -- BUG: port locks are taken before the list lock
      Port.Events = 0
      KeReleaseSpinLockFromDpcLevel(Port.Lock)
      KeReleaseSpinLock(ListLock, OldIrql)
    end

    for _, Routine in ipairs({Status, HotPlug}) do
      local status, handle = PsCreateSystemThread(0, nil, nil, Routine, nil)
      local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
      ZwClose(handle)
      KeWaitForSingleObject(object, Executive, KernelMode, false, nil)
      ObDereferenceObject(object)
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "portx.sys"
  UnloadDriver "portx.sys"
end)
