-- sec_zw_bad_unicode_string: cfgstore.sys writes its layout version under a
-- value name whose Length it sets to the number of characters: an odd
-- byte count is no UNICODE_STRING a Zw routine can take. Security checks
-- (in /standard) give 0xC4/0xE4, P3 the string.
scenario {
  verifier = "/standard /driver cfgstore.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgstore\\Parameters"] = {
      Version = 1,
    },
  },
  expect   = { bugcheck = 0xC4, p1 = 0xE4, p4 = 0, driver = "cfgstore.sys" },
}

NameBug = true

driver "cfgstore.sys" "drivers/cfgstore.lua"

local IOCTL_CFG_SAVE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x910, METHOD_BUFFERED, FILE_ANY_ACCESS)

run(function()
  LoadDriver "cfgstore.sys"
  RunInProcess(CreateProcess "settings.exe", function()
    local Device = CreateFile "\\Device\\CfgStore"
    local Blob = VirtualAlloc(4096)
    Blob:write(0, "volume=7;theme=dark")
    local status = DeviceIoControl(Device, IOCTL_CFG_SAVE,
                                   string.pack("<I8I4I4", ULONG_PTR(Blob), 19, 0), 0)
    assert(status == STATUS_SUCCESS)
    CloseHandle(Device)
  end)
  local Settings = RegistryGet("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgstore\\Parameters", "Settings")
  assert(Settings ~= nil)
  UnloadDriver "cfgstore.sys"
end)
