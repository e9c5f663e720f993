-- gflags_tag_wildcard_clean: GFlags special pool by tag pattern. "+spp Nd0?"
-- ('?' one character, '*' any run) selects the tags Nd01 and Nd02 but not
-- NdX or Nd1A; the tag is compared as Windows shows it. The driver is
-- verified with pool tracking only, so Driver Verifier's own special pool is
-- off and the counters show GFlags' choice alone.
scenario {
  verifier = "/flags 0x8 /driver ndtags.sys",
  gflags   = "+spp Nd0?",
  expect   = "clean",
}

local Tags = { "Nd01", "Nd02", "NdX", "Nd1A" }

driver "ndtags.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Blocks = {}
    for i, Tag in ipairs(Tags) do
      Blocks[i] = ExAllocatePoolWithTag(NonPagedPoolNx, 40, Tag)
    end
    DriverObject.DriverUnload = function(DriverObject)
      for i, Tag in ipairs(Tags) do
        ExFreePoolWithTag(Blocks[i], Tag)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ndtags.sys"
  local q = Query()
  assert(q.AllocationsSucceeded == 4 and q.AllocationsSucceededSpecialPool == 2)
  UnloadDriver "ndtags.sys"
end)
