-- lookaside_delete_uninitialized: a filesystem filter's DriverEntry has one
-- cleanup path for every failure, and it deletes the name-buffer lookaside
-- list whether or not it got that far. When registering fails before the
-- list is set up, the cleanup deletes a list that was never initialised:
-- Driver Verifier stops it (0xC4/0xCB, P2 = the list).
scenario {
  verifier = "/standard /driver nameflt.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xCB, driver = "nameflt.sys" },
}

local STATUS_FLT_NOT_INITIALIZED = 0xC01C0007

local function RegisterFilter()
  return STATUS_FLT_NOT_INITIALIZED   -- the filter manager is not ready
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
    -- BUG: the list was initialised only on the success path.
    ExDeletePagedLookasideList(NameBuffers)
    return Status
  end,
}

run(function()
  local Status = LoadDriver "nameflt.sys"
  assert(Status ~= STATUS_SUCCESS)
end)
