-- driver_called_bugcheck: a driver's consistency check finds its context signature overwritten and calls KeBugCheckEx with its own code.
scenario {
  expect = { bugcheck = 0xE0001001,          -- FLTDRV_CONTEXT_CORRUPT, the driver's own code
             p1 = 1,                         -- which check failed: the context signature
             p2 = 0x58,                      -- the signature found: 'X', from the name overrun
             p3 = 0x43,                      -- the signature expected: 'C'
             p4 = 0,
             driver = "fltdrv.sys" },
}

local FLTDRV_CONTEXT_CORRUPT = 0xE0001001
-- typedef struct _FLT_CONTEXT { CHAR Name[16]; UCHAR Signature; ... } FLT_CONTEXT;
local CTX_NAME_LENGTH = 16
local CTX_SIGNATURE_OFFSET = 16
local CTX_SIGNATURE = 0x43                   -- 'C'

-- Copies the volume name into the context.
-- BUG: copies the whole name instead of at most CTX_NAME_LENGTH bytes; a
-- 17-character name overwrites the Signature that follows Name.
local function SetContextName(Context, Name)
  Context:write(0, Name)
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
    SetContextName(Context, "HarddiskVolume12X")   -- 17 characters
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
