-- service_parameters_clean: cfgdrv.sys configures itself from its service
-- key as storage class drivers and MPIO DSMs do. DriverEntry reads its
-- Parameters with RtlQueryRegistryValues (DIRECT entries with defaults, a
-- REQUIRED one, a routine for a REG_MULTI_SZ list), sizes a
-- ZwQueryValueKey answer by asking first with no buffer
-- (STATUS_BUFFER_TOO_SMALL and the ResultLength), enumerates its Devices
-- subkeys in the registry's order, keeps run-time state in a volatile key it
-- creates and deletes, and writes a counter back at unload. The harness
-- changes the configuration between two loads. Clean, under /standard.
scenario {
  verifier = "/standard /driver cfgdrv.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgdrv\\Parameters"] = {
      QueueDepth = 16,
      Vendors = {"CONTOSO", "FABRIKAM"},
      LoadCount = 0,
    },
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgdrv\\Parameters\\Devices\\Tape"] = {
      Slot = 2,
    },
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgdrv\\Parameters\\Devices\\disk"] = {
      Slot = 1,
    },
  },
  expect = "clean",
}

local TAG = "Cfgd"
local ENTRY = FIELD_OFFSET(RTL_QUERY_REGISTRY_TABLE, "DefaultLength") + 8 -- sizeof, x64

-- A value's KEY_VALUE_PARTIAL_INFORMATION, sized by asking first.
local function QueryPartial(Key, Name)
  local status, needed = ZwQueryValueKey(Key, Name, KeyValuePartialInformation, nil, 0)
  if status ~= STATUS_BUFFER_TOO_SMALL then
    return status
  end
  local info = ExAllocatePoolWithTag(PagedPool, needed, TAG)
  if info == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  status = ZwQueryValueKey(Key, Name, KeyValuePartialInformation, info, needed)
  if status ~= STATUS_SUCCESS then
    ExFreePoolWithTag(info, TAG)
    return status
  end
  return status, KEY_VALUE_PARTIAL_INFORMATION(info)
end

driver "cfgdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    PAGED_CODE()
    -- RtlQueryRegistryValues: three entries and the terminating zeroed one.
    QueueDepth = ExAllocatePoolWithTag(NonPagedPoolNx, 4, TAG)
    Timeout = ExAllocatePoolWithTag(NonPagedPoolNx, 4, TAG)
    local defaultTimeout = ExAllocatePoolWithTag(PagedPool, 4, TAG)
    defaultTimeout:set_u32(0, 30)
    VendorCount = 0
    local table = ExAllocatePoolWithTag(PagedPool, ENTRY * 5, TAG)
    RtlZeroMemory(table, ENTRY * 5)
    local q = {}
    for i = 0, 4 do
      q[i] = RTL_QUERY_REGISTRY_TABLE(table + i * ENTRY)
    end
    q[0].Flags = RTL_QUERY_REGISTRY_SUBKEY
    q[0].Name = L"Parameters"
    q[1].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED
    q[1].Name = L"QueueDepth"
    q[1].EntryContext = QueueDepth
    q[2].Flags = RTL_QUERY_REGISTRY_DIRECT
    q[2].Name = L"TimeoutSeconds"
    q[2].EntryContext = Timeout
    q[2].DefaultType = REG_DWORD
    q[2].DefaultData = defaultTimeout
    q[2].DefaultLength = 4
    q[3].Name = L"Vendors"
    q[3].QueryRoutine = function(ValueName, ValueType, ValueData, ValueLength, Context,
                                 EntryContext)
      -- One call per string of the REG_MULTI_SZ, each a REG_SZ.
      assert(ValueType == REG_SZ)
      VendorCount = VendorCount + 1
      return STATUS_SUCCESS
    end
    local status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RegistryPath, table, nil, nil)
    ExFreePoolWithTag(table, TAG)
    ExFreePoolWithTag(defaultTimeout, TAG)
    if status ~= STATUS_SUCCESS then
      ExFreePoolWithTag(QueueDepth, TAG)
      ExFreePoolWithTag(Timeout, TAG)
      return status
    end

    -- The Parameters key, for the rest.
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, RegistryPath .. "\\Parameters",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local key
    status, key = ZwOpenKey(KEY_ALL_ACCESS, oa)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ParametersKey = key
    local info
    status, info = QueryPartial(key, "LoadCount")
    assert(status == STATUS_SUCCESS and info.Type == REG_DWORD)
    LoadCount = info.Data:u32(0)
    ExFreePoolWithTag(info, TAG)
    -- The first load sees the defaults; the second what the harness set.
    if LoadCount == 0 then
      assert(QueueDepth:u32(0) == 16 and Timeout:u32(0) == 30 and VendorCount == 2)
    else
      assert(QueueDepth:u32(0) == 16 and Timeout:u32(0) == 60 and VendorCount == 1)
    end

    -- The Devices subkeys, by name as the registry sorts them.
    local devicesName = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(devicesName, "Devices", OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE,
                               key, nil)
    local devices
    status, devices = ZwOpenKey(KEY_READ, devicesName)
    assert(status == STATUS_SUCCESS)
    local basic = ExAllocatePoolWithTag(PagedPool, 64, TAG)
    local names = {}
    local index = 0
    while true do
      local length
      status, length = ZwEnumerateKey(devices, index, KeyBasicInformation, basic, 64)
      if status == STATUS_NO_MORE_ENTRIES then
        break
      end
      assert(status == STATUS_SUCCESS)
      local b = KEY_BASIC_INFORMATION(basic)
      names[#names + 1] = b.Name:read(0, b.NameLength):gsub("\0", "")
      index = index + 1
    end
    assert(names[1] == "disk" and names[2] == "Tape")
    ExFreePoolWithTag(basic, TAG)
    ZwClose(devices)

    -- Run-time state in a volatile key, gone at the next boot.
    local stateName = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(stateName, "State", OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE,
                               key, nil)
    local disposition
    status, StateKey, disposition = ZwCreateKey(KEY_ALL_ACCESS, stateName, 0, nil,
                                                REG_OPTION_VOLATILE)
    assert(status == STATUS_SUCCESS and disposition == REG_CREATED_NEW_KEY)

    DriverObject.DriverUnload = function(DriverObject)
      PAGED_CODE()
      ZwDeleteKey(StateKey)
      ZwClose(StateKey)
      local count = ExAllocatePoolWithTag(PagedPool, 4, TAG)
      count:set_u32(0, LoadCount + 1)
      ZwSetValueKey(ParametersKey, "LoadCount", 0, REG_DWORD, count, 4)
      ZwFlushKey(ParametersKey)
      ExFreePoolWithTag(count, TAG)
      ZwClose(ParametersKey)
      ExFreePoolWithTag(QueueDepth, TAG)
      ExFreePoolWithTag(Timeout, TAG)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  local parameters = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgdrv\\Parameters"
  assert(LoadDriver "cfgdrv.sys" == STATUS_SUCCESS)
  assert(RegistryGet(parameters .. "\\State", "x") == nil)
  UnloadDriver "cfgdrv.sys"
  assert(RegistryGet(parameters, "LoadCount") == 1)
  -- An administrator changes the configuration; the next load reads it.
  RegistrySet(parameters, "TimeoutSeconds", 60)
  RegistrySet(parameters, "Vendors", {"CONTOSO"})
  assert(LoadDriver "cfgdrv.sys" == STATUS_SUCCESS)
  UnloadDriver "cfgdrv.sys"
  local count, type = RegistryGet(parameters, "LoadCount")
  assert(count == 2 and type == REG_DWORD)
end)
