-- sec_zw_create_file_user_name (clean twin): export.sys probes the
-- application's path and copies it into paged pool inside __try; the
-- OBJECT_ATTRIBUTES names the copy, and the report is written.
scenario {
  verifier = "/standard /driver export.sys",
  expect   = "clean",
}

ExportBug = false
driver "export.sys" "drivers/export.lua"

local IOCTL_EXPORT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x930, METHOD_BUFFERED, FILE_ANY_ACCESS)

run(function()
  LoadDriver "export.sys"
  RunInProcess(CreateProcess "report.exe", function()
    local Device = CreateFile "\\Device\\Export"
    local Path = ("\\SystemRoot\\report.txt"):gsub(".", "%0\0")
    local Name = VirtualAlloc(4096)
    Name:write(0, Path)
    local status = DeviceIoControl(Device, IOCTL_EXPORT,
                                   string.pack("<I8I4I4", ULONG_PTR(Name), #Path, 0), 0)
    assert(status == STATUS_SUCCESS)
    CloseHandle(Device)
  end)
  UnloadDriver "export.sys"
end)
