-- A name table as file systems keep one: RTL_SPLAY_LINKS at the start of
-- each node (three pointers), the key after them. Nodes are inserted with
-- the insert macros at the leaf a search ends on; RtlSplay brings the one
-- just used to the root; RtlRealSuccessor walks the tree in key order, and
-- RtlDelete removes a node and returns the new root, keeping the order.
scenario { verifier = "/standard /driver names.sys", expect = "clean" }

local KEY = 24                                -- after Parent, LeftChild, RightChild (x64)

local function Key(Node) return Node:u32(KEY) end

local function Insert(Root, Node)
  if Root == nil then return Node end
  local At = Root
  while true do
    if Key(Node) < Key(At) then
      local Left = RtlLeftChild(At)
      if Left == nil then RtlInsertAsLeftChild(At, Node); break end
      At = Left
    else
      local Right = RtlRightChild(At)
      if Right == nil then RtlInsertAsRightChild(At, Node); break end
      At = Right
    end
  end
  return RtlSplay(Node)
end

local function InOrder(Root)
  local Node, Keys = Root, {}
  while RtlLeftChild(Node) ~= nil do Node = RtlLeftChild(Node) end
  while Node ~= nil do
    Keys[#Keys + 1] = Key(Node)
    Node = RtlRealSuccessor(Node)
  end
  return table.concat(Keys, ",")
end

driver "names.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Nodes, Root = {}, nil
    for _, k in ipairs({ 50, 20, 70, 10, 30, 60, 80, 25 }) do
      local Node = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Spl ")
      RtlInitializeSplayLinks(Node)
      assert(RtlIsRoot(Node))
      Node:set_u32(KEY, k)
      Nodes[k] = Node
      Root = Insert(Root, Node)
      assert(Root == Node and RtlIsRoot(Node), "splayed to the root")
    end
    assert(InOrder(Root) == "10,20,25,30,50,60,70,80")
    assert(Key(RtlSubtreeSuccessor(Nodes[20]) or Nodes[20]) >= 20)
    assert(RtlRealPredecessor(Nodes[30]) == Nodes[25] and RtlRealSuccessor(Nodes[80]) == nil)
    Root = RtlDelete(Nodes[50])                -- a node with two children
    assert(InOrder(Root) == "10,20,25,30,60,70,80")
    Root = RtlDelete(Nodes[10])                -- a leaf
    assert(InOrder(Root) == "20,25,30,60,70,80")
    local Gone = Key(Root)
    Root = RtlDelete(Root)                     -- the root itself
    assert(RtlIsRoot(Root))
    local Keys = InOrder(Root)
    assert(not Keys:find(string.format("%d", Gone)) and select(2, Keys:gsub(",", "")) == 4, Keys)
    for _, Node in pairs(Nodes) do ExFreePoolWithTag(Node, "Spl ") end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "names.sys"
  UnloadDriver "names.sys"
end)
