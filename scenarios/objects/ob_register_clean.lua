-- ob_register_clean: ObRegisterCallbacks as two filters use it. Each
-- registers a pre- and a post-operation routine for process handles at its
-- own altitude; on OpenProcess the pre-operation routines run by
-- descending altitude, each seeing the DesiredAccess the one before left,
-- and the post-operation routines in reverse, each with the CallContext
-- its own pre-operation routine set and the access granted. ObRegisterCallbacks
-- refuses what Windows refuses: the altitude another registration holds
-- (STATUS_FLT_INSTANCE_ALTITUDE_COLLISION), a version other than
-- OB_FLT_REGISTRATION_VERSION, no operation, an object type that is not
-- a process or thread type, no routine (STATUS_INVALID_PARAMETER).
scenario {
  verifier = "/standard /driver filta.sys filtb.sys",
  expect = "clean",
}

Log = {}

-- A filter at `altitude` that takes `strip` away from process handles.
local function Filter(name, altitude, strip)
  return {
    DriverEntry = function(DriverObject, RegistryPath)
      local Op = ARRAY(OB_OPERATION_REGISTRATION, 1)
      Op.ObjectType = PsProcessType
      Op.Operations = OB_OPERATION_HANDLE_CREATE
      Op.PreOperation = function(Context, PreInfo)
        local Info = PreInfo.Parameters.CreateHandleInformation
        Log[#Log + 1] = string.format("%s pre 0x%x", name, Info.DesiredAccess)
        Info.DesiredAccess = Info.DesiredAccess & ~strip
        PreInfo.CallContext = Context
        return OB_PREOP_SUCCESS
      end
      Op.PostOperation = function(Context, PostInfo)
        assert(PostInfo.CallContext == Context, "the pre-operation routine's CallContext")
        Log[#Log + 1] = string.format("%s post 0x%x", name,
                                      PostInfo.Parameters.CreateHandleInformation.GrantedAccess)
      end
      local Registration = OB_CALLBACK_REGISTRATION()
      Registration.Version = OB_FLT_REGISTRATION_VERSION
      Registration.OperationRegistrationCount = 1
      RtlInitUnicodeString(Registration.Altitude, altitude)
      Registration.RegistrationContext = Registration
      Registration.OperationRegistration = Op
      local status, Handle = ObRegisterCallbacks(Registration)
      if not NT_SUCCESS(status) then return status end

      -- What Windows refuses.
      local again = ObRegisterCallbacks(Registration)
      assert(again == STATUS_FLT_INSTANCE_ALTITUDE_COLLISION, "the same altitude")
      RtlInitUnicodeString(Registration.Altitude, altitude .. ".5")
      Registration.Version = 0x200
      assert(ObRegisterCallbacks(Registration) == STATUS_INVALID_PARAMETER, "version")
      Registration.Version = OB_FLT_REGISTRATION_VERSION
      Registration.OperationRegistrationCount = 0
      assert(ObRegisterCallbacks(Registration) == STATUS_INVALID_PARAMETER, "no operation")
      Registration.OperationRegistrationCount = 1
      Op.ObjectType = ExEventObjectType
      assert(ObRegisterCallbacks(Registration) == STATUS_INVALID_PARAMETER, "not a process")
      Op.ObjectType = PsProcessType
      local Pre, Post = Op.PreOperation, Op.PostOperation
      Op.PreOperation, Op.PostOperation = nil, nil
      assert(ObRegisterCallbacks(Registration) == STATUS_INVALID_PARAMETER, "no routine")
      Op.PreOperation, Op.PostOperation = Pre, Post
      assert(Op.PreOperation == Pre, "a routine field reads back as the routine")

      DriverObject.DriverUnload = function(DriverObject) ObUnRegisterCallbacks(Handle) end
      return STATUS_SUCCESS
    end,
  }
end

driver "filta.sys" (Filter("filta", "320000", PROCESS_TERMINATE))
driver "filtb.sys" (Filter("filtb", "380000", PROCESS_VM_WRITE))

run(function()
  LoadDriver "filta.sys"
  LoadDriver "filtb.sys"
  local Target = CreateProcess "target.exe"
  RunInProcess(CreateProcess "opener.exe", function()
    local Handle, status = OpenProcess(PROCESS_ALL_ACCESS, false, PsGetProcessId(Target))
    assert(status == STATUS_SUCCESS)
    assert(HandleAccess(Handle) == PROCESS_ALL_ACCESS & ~(PROCESS_TERMINATE | PROCESS_VM_WRITE))
    CloseHandle(Handle)
  end)
  local expected = {"filtb pre 0x1fffff", "filta pre 0x1fffdf", "filta post 0x1fffde",
                    "filtb post 0x1fffde"}
  for i = 1, #expected do
    assert(Log[i] == expected[i], tostring(Log[i]) .. " ~= " .. expected[i])
  end
  assert(#Log == 4)
  UnloadDriver "filta.sys"
  UnloadDriver "filtb.sys"
end)
