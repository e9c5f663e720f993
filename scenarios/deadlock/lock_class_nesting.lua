-- lock_class_nesting: a bus driver keeps a spin lock in each node of its
-- device tree, all initialised by one line of NewNode. Propagating a reset
-- from a parent to its child takes the parent's lock then the child's: two
-- locks of one class nested. drvsim's class graph sees the class taken
-- while held (lockdep's "possible recursive locking"): a child-to-parent
-- path anywhere would deadlock against it, and nothing says which order is
-- the rule. Deadlock detection stops at the nesting (0xC4/0x1001, one chain,
-- "between lock classes"). lock_class_nesting_annotated.lua states the
-- order with LockSubclass and runs clean.
scenario {
  verifier = "/flags 0x20 /driver busx.sys",
  expect = { bugcheck = 0xC4, p1 = 0x1001, driver = "busx.sys" },
}

driver "busx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function NewNode(Parent)
      local Node = { Parent = Parent, Lock = KSPIN_LOCK(), Resets = 0 }
      KeInitializeSpinLock(Node.Lock)
      return Node
    end
    local Root = NewNode(nil)
    local Child = NewNode(Root)

    local OldIrql = KeAcquireSpinLock(Root.Lock)
    KeAcquireSpinLockAtDpcLevel(Child.Lock)    -- the same class as Root.Lock
    Child.Resets = Child.Resets + 1
    KeReleaseSpinLockFromDpcLevel(Child.Lock)
    KeReleaseSpinLock(Root.Lock, OldIrql)

    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "busx.sys"
  UnloadDriver "busx.sys"
end)
