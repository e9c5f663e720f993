-- mdl_free_mapped (clean twin): the status page's MDL is unlocked (which also
-- releases its system mapping) before it is freed.
scenario {
  verifier = "/standard /driver statpg.sys",
  expect   = "clean",
}

local STATUS_PAGE_BYTES = 4096

local function FreeStatusPage(Page)
  MmUnlockPages(Page.Mdl)                                   -- right: first
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
