-- lock_class_nesting_annotated: the bus driver of lock_class_nesting,
-- annotated: each node's lock gets its depth in the tree as its subclass
-- (LockSubclass, lockdep_set_subclass), so a parent's lock and its child's
-- are classes of their own and parent -> child is an order the graph
-- checks like any other. Clean.
scenario {
  verifier = "/flags 0x20 /driver busx.sys",
  expect = "clean",
}

driver "busx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function NewNode(Parent)
      local Node = { Parent = Parent, Lock = KSPIN_LOCK(), Resets = 0 }
      Node.Depth = Parent ~= nil and Parent.Depth + 1 or 0
      KeInitializeSpinLock(Node.Lock)
      LockSubclass(Node.Lock, Node.Depth)
      return Node
    end
    local Root = NewNode(nil)
    local Child = NewNode(Root)

    local OldIrql = KeAcquireSpinLock(Root.Lock)
    KeAcquireSpinLockAtDpcLevel(Child.Lock)
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
