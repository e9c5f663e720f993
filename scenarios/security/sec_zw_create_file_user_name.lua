-- sec_zw_create_file_user_name: export.sys writes a report to a file the
-- application names. The application passes its path (UTF-16, in its own
-- memory) by address and length, and the driver points the
-- OBJECT_ATTRIBUTES' UNICODE_STRING at it: ZwCreateFile, called from
-- kernel mode, would parse a name the application can change while the
-- kernel reads it. Security checks (in /standard) check an
-- OBJECT_ATTRIBUTES' ObjectName as they check a UNICODE_STRING argument:
-- its Buffer in user space is 0xC4/0xE4, P3 the string.
scenario {
  verifier = "/standard /driver export.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xE4, p4 = 0, driver = "export.sys" },
}

ExportBug = true
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
