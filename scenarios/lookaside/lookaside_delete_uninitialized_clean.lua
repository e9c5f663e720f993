-- lookaside_delete_uninitialized, clean twin: the filesystem filter's
-- cleanup path deletes the name-buffer list only if it initialised it; the
-- failed load leaves nothing behind. A second load, with the filter
-- manager ready, sets the list up and deletes it on unload.
scenario {
  verifier = "/standard /driver nameflt.sys",
  expect   = "clean",
}

local STATUS_FLT_NOT_INITIALIZED = 0xC01C0007

local function RegisterFilter()
  if not ManagerReady then
    return STATUS_FLT_NOT_INITIALIZED
  end
  return STATUS_SUCCESS
end

driver "nameflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    NameBuffers = PAGED_LOOKASIDE_LIST()
    local Status = RegisterFilter()
    if Status == STATUS_SUCCESS then
      ExInitializePagedLookasideList(NameBuffers, nil, nil, 0, 520, "NmBf", 0)
      DriverObject.DriverUnload = function(DriverObject)
        ExDeletePagedLookasideList(NameBuffers)
      end
      return STATUS_SUCCESS
    end
    return Status   -- the list was never initialised: nothing to delete
  end,
}

run(function()
  local Status = LoadDriver "nameflt.sys"
  assert(Status ~= STATUS_SUCCESS)
  ManagerReady = true
  assert(LoadDriver "nameflt.sys" == STATUS_SUCCESS)
  Sleep "2s"
  UnloadDriver "nameflt.sys"
end)
