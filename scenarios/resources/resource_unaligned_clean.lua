-- resource_unaligned_clean: the volume context of resource_unaligned laid
-- out with natural alignment, as the compiler does without #pragma pack: the
-- ERESOURCE follows the ULONG signature at offset 8.
scenario {
  verifier = "/standard /driver volctx.sys",
  expect = "clean",
}

driver "volctx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Context = ExAllocatePoolWithTag(NonPagedPoolNx, 8 + 0x68 + 16, "VolC")
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Context:set_u32(0, 0x4C4F5643)           -- 'CVOL'
    local Lock = Context + 8                 -- padded to a pointer boundary
    ExInitializeResourceLite(Lock)

    KeEnterCriticalRegion()
    ExAcquireResourceExclusiveLite(Lock, true)
    Context:set_u32(8 + 0x68, 1)
    ExReleaseResourceLite(Lock)
    KeLeaveCriticalRegion()

    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(Lock)
      ExFreePoolWithTag(Context, "VolC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volctx.sys"
  UnloadDriver "volctx.sys"
end)
