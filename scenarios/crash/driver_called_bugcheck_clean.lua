-- driver_called_bugcheck (clean twin): the name copy is bounded by the field, so the signature survives and the check passes.
scenario {
  expect = "clean",
}

local FLTDRV_CONTEXT_CORRUPT = 0xE0001001
-- typedef struct _FLT_CONTEXT { CHAR Name[16]; UCHAR Signature; ... } FLT_CONTEXT;
local CTX_NAME_LENGTH = 16
local CTX_SIGNATURE_OFFSET = 16
local CTX_SIGNATURE = 0x43                   -- 'C'

-- Copies the volume name into the context, truncated to the field
-- (RtlStringCbCopyNA(Context->Name, sizeof(Context->Name), ...)).
local function SetContextName(Context, Name)
  Context:write(0, Name:sub(1, CTX_NAME_LENGTH - 1) .. "\0")   -- right: bounded, terminated
end

-- The driver's own invariant check, kept in release builds.
local function ValidateContext(Context)
  local Found = Context[CTX_SIGNATURE_OFFSET]
  if Found ~= CTX_SIGNATURE then
    KeBugCheckEx(FLTDRV_CONTEXT_CORRUPT, 1, Found, CTX_SIGNATURE, 0)
  end
end

driver "fltdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Context = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "FltX")
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Context[CTX_SIGNATURE_OFFSET] = CTX_SIGNATURE
    SetContextName(Context, "HarddiskVolume12X")   -- 17 characters, truncated
    ValidateContext(Context)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Context, "FltX")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fltdrv.sys"
  Sleep "10ms"
  UnloadDriver "fltdrv.sys"
end)
