-- Prints every global name a scenario sees, sorted, one DbgPrint each
-- (tools/check_census.py compares them with Microsoft's samples' census).
scenario { name = "census of globals" }

run(function()
  local names = {}
  for name in pairs(_G) do
    names[#names + 1] = name
  end
  table.sort(names)
  for _, name in ipairs(names) do
    DbgPrint("%s\n", name)
  end
end)
