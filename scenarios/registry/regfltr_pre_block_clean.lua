-- regfltr_pre_block_clean: the pre-notification samples of Microsoft's
-- registry filter sample (general/registry/regfltr/sys/pre.c),
-- transliterated. PreNotificationBlockSample registers a RegistryCallback
-- with CmRegisterCallbackEx at the sample's altitude; its
-- CallbackPreNotificationBlock fails RegNtPreCreateKeyEx for KEY_NAME and
-- RegNtPreSetValueKey for VALUE_NAME with STATUS_ACCESS_DENIED, so those
-- operations return it and do nothing, while the "not modified" key and
-- value go through. PreNotificationBypassSample's callback does the create
-- and the set itself under other names and returns STATUS_CALLBACK_BYPASS:
-- the caller sees success and the registry holds the modified names. A
-- monitor at a lower altitude counts what reaches it (nothing of a blocked
-- operation), and sees the post-notifications with the CallContext it set.
-- The sample reopens the root key from the structure's Object or
-- RootObject with ObOpenObjectByPointer; drvsim's object manager does not
-- open key objects by pointer, so the transliteration uses the sample's
-- g_RootKey handle, which names the same key. Clean, under /standard.
scenario {
  verifier = "/standard /driver regfltr.sys",
  registry = { ["\\Registry\\Machine\\Software\\RegFltr"] = {} },
  expect = "clean",
}

local ROOT_KEY = "\\Registry\\Machine\\Software\\RegFltr"
local KEY_NAME = "_RegFltrKey"
local MODIFIED_KEY_NAME = "_RegFltrModifiedKey"
local NOT_MODIFIED_KEY_NAME = "_RegFltrNotModifiedKey"
local VALUE_NAME = "_RegFltrValue"
local MODIFIED_VALUE_NAME = "_RegFltrModifiedValue"
local NOT_MODIFIED_VALUE_NAME = "_RegFltrNotModifiedValue"
local CALLBACK_ALTITUDE = "380010"
local MONITOR_ALTITUDE = "380000"

local CALLBACK_MODE_PRE_NOTIFICATION_BLOCK = 1
local CALLBACK_MODE_PRE_NOTIFICATION_BYPASS = 2

local function Unicode(Text)
  local us = UNICODE_STRING()
  RtlInitUnicodeString(us, Text)
  return us
end

local function KeyAttributes(Name, Root)
  local oa = OBJECT_ATTRIBUTES()
  InitializeObjectAttributes(oa, Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, Root, nil)
  return oa
end

-- The sample's Callback: dispatches on the context's mode.
local CallbackMode
local function Callback(CallbackContext, Argument1, Argument2)
  local NotifyClass = Argument1
  if CallbackMode == CALLBACK_MODE_PRE_NOTIFICATION_BLOCK then
    if NotifyClass == RegNtPreCreateKeyEx then
      local PreCreateInfo = REG_CREATE_KEY_INFORMATION(Argument2)
      if RtlEqualUnicodeString(Unicode(KEY_NAME), PreCreateInfo.CompleteName, true) then
        return STATUS_ACCESS_DENIED -- by returning an error status, we block the operation
      end
    elseif NotifyClass == RegNtPreSetValueKey then
      local PreSetValueInfo = REG_SET_VALUE_KEY_INFORMATION(Argument2)
      if RtlEqualUnicodeString(Unicode(VALUE_NAME), PreSetValueInfo.ValueName, true) then
        return STATUS_ACCESS_DENIED
      end
    end
  elseif CallbackMode == CALLBACK_MODE_PRE_NOTIFICATION_BYPASS then
    if NotifyClass == RegNtPreCreateKeyEx then
      local PreCreateInfo = REG_CREATE_KEY_INFORMATION(Argument2)
      if RtlEqualUnicodeString(Unicode(KEY_NAME), PreCreateInfo.CompleteName, true) then
        -- Create the key under the modified name, and give the caller its
        -- object as if the registry had made it.
        local status, Key, Disposition = ZwCreateKey(KEY_ALL_ACCESS,
          KeyAttributes(MODIFIED_KEY_NAME, RootKey), 0, nil, 0)
        if not NT_SUCCESS(status) then return status end
        local status2, Object = ObReferenceObjectByHandle(Key, PreCreateInfo.DesiredAccess, nil,
                                                          KernelMode)
        ZwClose(Key)
        if not NT_SUCCESS(status2) then return status2 end
        -- The reference goes to the caller with the object.
        PreCreateInfo.ResultObject:set_ptr(0, Object)
        PreCreateInfo.Disposition:set_u32(0, Disposition)
        return STATUS_CALLBACK_BYPASS
      end
    elseif NotifyClass == RegNtPreSetValueKey then
      local PreSetValueInfo = REG_SET_VALUE_KEY_INFORMATION(Argument2)
      if RtlEqualUnicodeString(Unicode(VALUE_NAME), PreSetValueInfo.ValueName, true) then
        local status = ZwSetValueKey(RootKey, MODIFIED_VALUE_NAME, 0, PreSetValueInfo.Type,
                                     PreSetValueInfo.Data, PreSetValueInfo.DataSize)
        if not NT_SUCCESS(status) then return status end
        return STATUS_CALLBACK_BYPASS
      end
    end
  end
  return STATUS_SUCCESS
end

-- A monitor below it: counts what reaches it.
local Seen = {}
local function Monitor(CallbackContext, Argument1, Argument2)
  Seen[Argument1] = (Seen[Argument1] or 0) + 1
  if Argument1 == RegNtPreSetValueKey then
    REG_SET_VALUE_KEY_INFORMATION(Argument2).CallContext = CallbackContext
  elseif Argument1 == RegNtPostSetValueKey then
    local Post = REG_POST_OPERATION_INFORMATION(Argument2)
    assert(Post.CallContext == CallbackContext and Post.Status == STATUS_SUCCESS)
  end
  return STATUS_SUCCESS
end

local function PreNotificationBlockSample(DriverObject)
  CallbackMode = CALLBACK_MODE_PRE_NOTIFICATION_BLOCK
  local status, Cookie = CmRegisterCallbackEx(Callback, CALLBACK_ALTITUDE, DriverObject, nil, nil)
  assert(status == STATUS_SUCCESS)
  local Key, NotModifiedKey
  status, NotModifiedKey = ZwCreateKey(KEY_ALL_ACCESS, KeyAttributes(NOT_MODIFIED_KEY_NAME, RootKey),
                                       0, nil, 0)
  assert(status == STATUS_SUCCESS, "not modified key")
  status, Key = ZwCreateKey(KEY_ALL_ACCESS, KeyAttributes(KEY_NAME, RootKey), 0, nil, 0)
  assert(status == STATUS_ACCESS_DENIED and Key == 0, "blocked key")
  local ValueData = ExAllocatePoolWithTag(PagedPool, 4, "RfTg")
  ValueData:set_u32(0, 0)
  assert(ZwSetValueKey(RootKey, NOT_MODIFIED_VALUE_NAME, 0, REG_DWORD, ValueData, 4) ==
         STATUS_SUCCESS)
  assert(ZwSetValueKey(RootKey, VALUE_NAME, 0, REG_DWORD, ValueData, 4) == STATUS_ACCESS_DENIED)
  assert(CmUnRegisterCallback(Cookie) == STATUS_SUCCESS)
  ZwDeleteKey(NotModifiedKey)
  ZwClose(NotModifiedKey)
  assert(ZwDeleteValueKey(RootKey, VALUE_NAME) == STATUS_OBJECT_NAME_NOT_FOUND)
  assert(ZwDeleteValueKey(RootKey, NOT_MODIFIED_VALUE_NAME) == STATUS_SUCCESS)
  ExFreePoolWithTag(ValueData, "RfTg")
end

local function PreNotificationBypassSample(DriverObject)
  CallbackMode = CALLBACK_MODE_PRE_NOTIFICATION_BYPASS
  local status, Cookie = CmRegisterCallbackEx(Callback, CALLBACK_ALTITUDE, DriverObject, nil, nil)
  assert(status == STATUS_SUCCESS)
  local Key, Disposition
  status, Key, Disposition = ZwCreateKey(KEY_ALL_ACCESS, KeyAttributes(KEY_NAME, RootKey), 0, nil, 0)
  assert(status == STATUS_SUCCESS and Key ~= 0 and Disposition == REG_CREATED_NEW_KEY)
  local ValueData = ExAllocatePoolWithTag(PagedPool, 4, "RfTg")
  ValueData:set_u32(0, 7)
  assert(ZwSetValueKey(RootKey, VALUE_NAME, 0, REG_DWORD, ValueData, 4) == STATUS_SUCCESS)
  ExFreePoolWithTag(ValueData, "RfTg")
  assert(CmUnRegisterCallback(Cookie) == STATUS_SUCCESS)
  ZwClose(Key)
  -- The key and the value exist under the modified names only.
  status = ZwOpenKey(KEY_ALL_ACCESS, KeyAttributes(KEY_NAME, RootKey))
  assert(status == STATUS_OBJECT_NAME_NOT_FOUND)
  status, Key = ZwOpenKey(KEY_ALL_ACCESS, KeyAttributes(MODIFIED_KEY_NAME, RootKey))
  assert(status == STATUS_SUCCESS)
  ZwDeleteKey(Key)
  ZwClose(Key)
  assert(ZwDeleteValueKey(RootKey, VALUE_NAME) == STATUS_OBJECT_NAME_NOT_FOUND)
  assert(ZwDeleteValueKey(RootKey, MODIFIED_VALUE_NAME) == STATUS_SUCCESS)
end

driver "regfltr.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    PAGED_CODE()
    local status
    status, RootKey = ZwOpenKey(KEY_ALL_ACCESS, KeyAttributes(ROOT_KEY, nil))
    if status ~= STATUS_SUCCESS then return status end
    local MonitorCookie
    MonitorContext = ExAllocatePoolWithTag(PagedPool, 8, "RfTg")
    status, MonitorCookie = CmRegisterCallbackEx(Monitor, MONITOR_ALTITUDE, DriverObject,
                                                 MonitorContext, nil)
    assert(status == STATUS_SUCCESS)
    -- Two registrations cannot share an altitude.
    assert(CmRegisterCallbackEx(Monitor, MONITOR_ALTITUDE, DriverObject, nil, nil) ==
           STATUS_FLT_INSTANCE_ALTITUDE_COLLISION)
    PreNotificationBlockSample(DriverObject)
    -- The blocked create and set never reached the monitor below.
    assert(Seen[RegNtPreCreateKeyEx] == 1 and Seen[RegNtPostCreateKeyEx] == 1)
    assert(Seen[RegNtPreSetValueKey] == 1 and Seen[RegNtPostSetValueKey] == 1)
    PreNotificationBypassSample(DriverObject)
    assert(CmUnRegisterCallback(MonitorCookie) == STATUS_SUCCESS)
    assert(CmUnRegisterCallback(MonitorCookie) == STATUS_INVALID_PARAMETER)
    ExFreePoolWithTag(MonitorContext, "RfTg")
    DriverObject.DriverUnload = function(DriverObject)
      ZwClose(RootKey)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "regfltr.sys" == STATUS_SUCCESS)
  UnloadDriver "regfltr.sys"
  assert(RegistryGet(ROOT_KEY, VALUE_NAME) == nil)
end)
