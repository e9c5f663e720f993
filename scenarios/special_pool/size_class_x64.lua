-- size_class_x64: a one-byte over-read found through a GFlags size class on
-- x64. tokparse.sys (not verified) scans each token one byte past its end,
-- looking for a terminator that is not part of the token. GFlags "+spp 0x30"
-- puts every allocation of 32 bytes' class in special pool, whichever driver
-- makes it: the 16-byte token below the class is in normal pool and its
-- over-read goes unseen, the 32-byte one ends at its page's end and the
-- read of byte 32 faults at once: 0xD6, P2 0 (a read).
scenario {
  arch   = "x64",
  gflags = "+spp 0x30",
  expect = { bugcheck = 0xD6, p2 = 0, driver = "tokparse.sys" },
}

local function ScanToken(Token, Length)
  local i = 0
  while i <= Length and Token[i] ~= 0x20 do -- BUG: i == Length is past the token
    i = i + 1
  end
  return i
end

driver "tokparse.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    for _, Length in ipairs({ 16, 32 }) do
      local Token = ExAllocatePoolWithTag(PagedPool, Length, "Tokn")
      if Token == nil then
        return STATUS_INSUFFICIENT_RESOURCES
      end
      RtlFillMemory(Token, Length, 0x41)
      ScanToken(Token, Length)
      ExFreePoolWithTag(Token, "Tokn")
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "tokparse.sys"
  Sleep "10ms"
  UnloadDriver "tokparse.sys"
end)
