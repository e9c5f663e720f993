-- mdl_free_mapped: a driver tears down its shared status page by freeing the
-- MDL while the pages are still locked and mapped to system space; the
-- mapping would leak its system PTEs (0xC4/0xB8, P3 = the MDL's flags, with
-- MDL_MAPPED_TO_SYSTEM_VA).
scenario {
  verifier = "/standard /driver statpg.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xB8,
               p3 = MDL_ALLOCATED_FIXED_SIZE | MDL_PAGES_LOCKED | MDL_WRITE_OPERATION
                    | MDL_MAPPED_TO_SYSTEM_VA,
               driver = "statpg.sys" },
}

local STATUS_PAGE_BYTES = 4096

local function FreeStatusPage(Page)
  -- BUG: MmUnlockPages(Page.Mdl) is missing: it must come before IoFreeMdl
  -- (it unlocks the pages and releases their system mapping).
  IoFreeMdl(Page.Mdl)
  ExFreePoolWithTag(Page.Buffer, "StPg")
end

driver "statpg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Page = {}
    Page.Buffer = ExAllocatePoolWithTag(PagedPool, STATUS_PAGE_BYTES, "StPg")
    if Page.Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Page.Mdl = IoAllocateMdl(Page.Buffer, STATUS_PAGE_BYTES, false, false, nil)
    if Page.Mdl == nil then
      ExFreePoolWithTag(Page.Buffer, "StPg")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = __try(function()
      MmProbeAndLockPages(Page.Mdl, KernelMode, IoWriteAccess)
      return STATUS_SUCCESS
    end, function(Code)
      return Code
    end)
    if Status ~= STATUS_SUCCESS then
      IoFreeMdl(Page.Mdl)
      ExFreePoolWithTag(Page.Buffer, "StPg")
      return Status
    end
    Page.Va = MmGetSystemAddressForMdlSafe(Page.Mdl, NormalPagePriority | MdlMappingNoExecute)
    if Page.Va == nil then
      MmUnlockPages(Page.Mdl)
      IoFreeMdl(Page.Mdl)
      ExFreePoolWithTag(Page.Buffer, "StPg")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Page.Va:write(0, "RDY\0")
    DriverObject.DriverUnload = function(DriverObject)
      FreeStatusPage(Page)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "statpg.sys"
  Sleep "1s"
  UnloadDriver "statpg.sys"
end)
