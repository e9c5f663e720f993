-- file_handle_closed_early: fwload.sys reads its firmware image in
-- DriverEntry, closes the file, but keeps the handle in a global; its unload
-- routine asks the file's size through it (to log what it loaded). The
-- service references the handle in kernel mode: with miscellaneous checks
-- (in /standard) bad handle detection stops it, INVALID_KERNEL_HANDLE
-- (0x93, P4 = 1), as for a registry key's handle.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x93--invalid-kernel-handle.md
scenario {
  verifier = "/standard /driver fwload.sys",
  files = { ["\\SystemRoot\\System32\\drivers\\fwload.bin"] = "\x7FFW\1\2\3\4" },
  expect = { bugcheck = 0x93, p4 = 1, driver = "fwload.sys" },
}

local function ReadFirmware(Close)
  local oa = OBJECT_ATTRIBUTES()
  InitializeObjectAttributes(oa, "\\SystemRoot\\System32\\drivers\\fwload.bin",
                             OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
  local iosb = IO_STATUS_BLOCK()
  local status
  status, Firmware = ZwOpenFile(GENERIC_READ | SYNCHRONIZE, oa, iosb, FILE_SHARE_READ,
                                FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE)
  if status ~= STATUS_SUCCESS then
    return status
  end
  local image = ExAllocatePoolWithTag(NonPagedPoolNx, 8, "FwLd")
  status = ZwReadFile(Firmware, nil, nil, nil, iosb, image, 8, nil, nil)
  assert(status == STATUS_SUCCESS and image:read(0, 4) == "\x7FFW\1")
  ExFreePoolWithTag(image, "FwLd")
  if Close then
    ZwClose(Firmware)
  end
  return STATUS_SUCCESS
end

driver "fwload.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status = ReadFirmware(true) -- BUG: the handle stays in Firmware
    DriverObject.DriverUnload = function(DriverObject)
      local iosb = IO_STATUS_BLOCK()
      local info = FILE_STANDARD_INFORMATION()
      ZwQueryInformationFile(Firmware, iosb, info, sizeof(FILE_STANDARD_INFORMATION),
                             FileStandardInformation)
    end
    return status
  end,
}

run(function()
  assert(LoadDriver "fwload.sys" == STATUS_SUCCESS)
  UnloadDriver "fwload.sys"
end)
