-- A scenario with a misspelt DDI (ExAllocatePoolWithTg) and a misspelt
-- constant (NonPagedPoolNX): luacheck with drvsim's generated configuration
-- reports both before any run (tools/check_editor.py).
scenario { name = "misspelt" }

run(function()
  local p = ExAllocatePoolWithTg(NonPagedPoolNX, 64, "Typo")
  ExFreePool(p)
end)
