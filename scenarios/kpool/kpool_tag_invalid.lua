-- kpool_tag_invalid: a per-instance tag built with the raw instance number, not its digit, holds an unprintable byte (0xC2/0x9D).
-- The verifier has no 0xC4 form of this check: verified or not, the kernel raises 0xC2/0x9D.
scenario {
  -- P2 is the tag: 'D' 'e' 'v' then the byte 0x01. P4 is the caller's address (0 here).
  expect = { bugcheck = 0xC2, p1 = 0x9D, p2 = 0x01766544, p3 = NonPagedPoolNx, p4 = 0,
             driver = "multidev.sys" },
}

local DEV_TAG_BASE = 0x00766544              -- "Dev", the fourth byte is the instance

-- BUG: the instance number goes into the tag as is (0x01), not as its ASCII
-- digit ('0' + Instance); 0x01 is not a character a pool tag may hold.
local function InstanceTag(Instance)
  return DEV_TAG_BASE | (Instance << 24)
end

driver "multidev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Instance = 1
    Tag = InstanceTag(Instance)
    Context = ExAllocatePoolWithTag(NonPagedPoolNx, 200, Tag)
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Context, Tag)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "multidev.sys"
  Sleep "10ms"
  UnloadDriver "multidev.sys"
end)
