-- Prints every global a scenario sees with what it is, sorted, one DbgPrint
-- each: "name number VALUE", "name function", "name table KEY,KEY,...",
-- "name TYPE" (tools/gen_lua_defs.py makes the editor definitions of them).
scenario { name = "editor definitions" }

run(function()
  local names = {}
  for name in pairs(_G) do
    names[#names + 1] = name
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local v = rawget(_G, name)
    local t = type(v)
    if t == "number" then
      DbgPrint("%s number %s\n", name, math.type(v) == "integer" and string.format("%d", v) or "float")
    elseif t == "table" then
      local keys = {}
      for k in pairs(v) do
        if type(k) == "string" then keys[#keys + 1] = k end
      end
      table.sort(keys)
      DbgPrint("%s table %s\n", name, table.concat(keys, ","))
    else
      DbgPrint("%s %s\n", name, t)
    end
  end
end)
