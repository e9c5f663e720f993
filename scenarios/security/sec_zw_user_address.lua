-- sec_zw_user_address: cfgstore.sys saves an application's settings blob
-- in the registry. The application passes the blob's address in a buffered
-- IOCTL and the driver hands that user-mode address straight to
-- ZwSetValueKey: a Zw routine called from kernel mode does not probe, so
-- the application chooses what the kernel reads. Security checks (in
-- /standard) give 0xC4/0xE3, P3 the user address.
scenario {
  verifier = "/standard /driver cfgstore.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgstore\\Parameters"] = {
      Version = 1,
    },
  },
  expect   = { bugcheck = 0xC4, p1 = 0xE3, p4 = 0, driver = "cfgstore.sys" },
}

SaveBug = true

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
