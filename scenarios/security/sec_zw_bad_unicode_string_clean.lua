-- sec_zw_bad_unicode_string (clean twin): the name's Length is what RtlInitUnicodeString
-- set, in bytes.
scenario {
  verifier = "/standard /driver cfgstore.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgstore\\Parameters"] = {
      Version = 1,
    },
  },
  expect   = "clean",
}

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
