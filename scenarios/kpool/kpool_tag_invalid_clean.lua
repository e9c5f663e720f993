-- kpool_tag_invalid (clean twin): the per-instance tag ends in the instance's ASCII digit, 'Dev1' (no verifier).
scenario {
  expect = "clean",
}

local DEV_TAG_BASE = 0x00766544              -- "Dev", the fourth byte is the instance

local function InstanceTag(Instance)
  return DEV_TAG_BASE | ((0x30 + Instance) << 24)   -- right: '0' + Instance
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
