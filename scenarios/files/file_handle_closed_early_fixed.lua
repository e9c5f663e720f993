-- file_handle_closed_early_fixed: fwload.sys as it should be. It keeps the
-- firmware file open until unload, asks its size there, and closes it last.
-- Clean, under /standard.
scenario {
  verifier = "/standard /driver fwload.sys",
  files = { ["\\SystemRoot\\System32\\drivers\\fwload.bin"] = "\x7FFW\1\2\3\4" },
  expect = "clean",
}

driver "fwload.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
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
    DriverObject.DriverUnload = function(DriverObject)
      local iosb = IO_STATUS_BLOCK()
      local info = FILE_STANDARD_INFORMATION()
      assert(ZwQueryInformationFile(Firmware, iosb, info, sizeof(FILE_STANDARD_INFORMATION),
                                    FileStandardInformation) == STATUS_SUCCESS)
      assert(info.EndOfFile == 7)
      ZwClose(Firmware)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "fwload.sys" == STATUS_SUCCESS)
  UnloadDriver "fwload.sys"
end)
