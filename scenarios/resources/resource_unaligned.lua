-- resource_unaligned: a storage filter keeps a per-volume context whose
-- layout was copied from an on-disk format under #pragma pack(1): a ULONG
-- signature, then the ERESOURCE that guards the context. BUG: packed, the
-- ERESOURCE lands 4 bytes into the pool block, not on a pointer boundary;
-- its lock word cannot be updated atomically there. Driver Verifier stops the
-- first acquire: 0xC4/0x3D (P2, P3 0, P4 the resource).
scenario {
  verifier = "/standard /driver volctx.sys",
  expect = { bugcheck = 0xC4, p1 = 0x3D, p2 = 0, p3 = 0, driver = "volctx.sys" },
}

driver "volctx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- typedef struct _VOLUME_CONTEXT { ULONG Signature; ERESOURCE Lock; ... }
    Context = ExAllocatePoolWithTag(NonPagedPoolNx, 4 + 0x68 + 16, "VolC")
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Context:set_u32(0, 0x4C4F5643)           -- 'CVOL'
    local Lock = Context + 4                 -- BUG: packed, misaligned
    ExInitializeResourceLite(Lock)

    KeEnterCriticalRegion()
    ExAcquireResourceExclusiveLite(Lock, true)
    Context:set_u32(4 + 0x68, 1)             -- the volume's state
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
