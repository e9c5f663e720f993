-- config_log_clean: logdrv.sys reads a configuration file at DriverEntry and
-- keeps a log file, as drivers that ship a data file or write a trace do.
-- DriverEntry opens \SystemRoot\System32\drivers\logdrv.ini for reading
-- (ZwOpenFile, synchronous), sizes it with FileStandardInformation, reads it
-- in two pieces through the file pointer until STATUS_END_OF_FILE, then
-- creates its log under \??\C:\Logs with FILE_OVERWRITE_IF and a second
-- open shared for reading only (STATUS_SHARING_VIOLATION for a writer).
-- Unload appends a line at the end, moves the file pointer back with
-- FilePositionInformation to read the first line again, flushes and closes.
-- The harness checks what the files hold. Clean, under /standard
-- /ruleclasses 35 (the file routines' PASSIVE_LEVEL rules are on).
scenario {
  verifier = "/standard /ruleclasses 35 /driver logdrv.sys",
  files = {
    ["\\??\\C:\\Windows\\System32\\drivers\\logdrv.ini"] = "depth=8\nmode=fast\n",
    ["\\??\\C:\\Logs"] = true,
  },
  expect = "clean",
}

local TAG = "LogD"

local function Open(Name, Access, Share, Disposition)
  local oa = OBJECT_ATTRIBUTES()
  InitializeObjectAttributes(oa, Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
  local iosb = IO_STATUS_BLOCK()
  local status, handle = ZwCreateFile(Access | SYNCHRONIZE, oa, iosb, nil, FILE_ATTRIBUTE_NORMAL,
                                      Share, Disposition,
                                      FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE,
                                      nil, 0)
  return status, handle, iosb.Information
end

driver "logdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    PAGED_CODE()
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, "\\SystemRoot\\System32\\drivers\\logdrv.ini",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local iosb = IO_STATUS_BLOCK()
    local status, ini = ZwOpenFile(GENERIC_READ | SYNCHRONIZE, oa, iosb, FILE_SHARE_READ,
                                   FILE_SYNCHRONOUS_IO_NONALERT)
    if status ~= STATUS_SUCCESS then
      return status
    end
    assert(iosb.Information == FILE_OPENED)
    local std = FILE_STANDARD_INFORMATION()
    status = ZwQueryInformationFile(ini, iosb, std, sizeof(FILE_STANDARD_INFORMATION), FileStandardInformation)
    assert(status == STATUS_SUCCESS and std.EndOfFile == 18 and std.Directory == 0)
    assert(std.AllocationSize == 4096 and iosb.Information == sizeof(FILE_STANDARD_INFORMATION))
    -- Two reads through the file pointer, then the end of the file.
    local buffer = ExAllocatePoolWithTag(PagedPool, 16, TAG)
    status = ZwReadFile(ini, nil, nil, nil, iosb, buffer, 8, nil, nil)
    assert(status == STATUS_SUCCESS and iosb.Information == 8 and buffer:read(0, 8) == "depth=8\n")
    status = ZwReadFile(ini, nil, nil, nil, iosb, buffer, 16, nil, nil)
    assert(status == STATUS_SUCCESS and iosb.Information == 10)
    assert(buffer:read(0, 10) == "mode=fast\n")
    status = ZwReadFile(ini, nil, nil, nil, iosb, buffer, 16, nil, nil)
    assert(status == STATUS_END_OF_FILE)
    -- An explicit offset does not need the file pointer.
    local offset = LARGE_INTEGER()
    offset.QuadPart = 6
    status = ZwReadFile(ini, nil, nil, nil, iosb, buffer, 1, offset, nil)
    assert(status == STATUS_SUCCESS and buffer:read(0, 1) == "8")
    ExFreePoolWithTag(buffer, TAG)
    ZwClose(ini)

    local disposition
    status, LogFile, disposition = Open("\\??\\C:\\Logs\\logdrv.log", FILE_WRITE_DATA |
                                        FILE_READ_DATA, FILE_SHARE_READ, FILE_OVERWRITE_IF)
    -- The first load creates the log, the next one overwrites it.
    Loads = (Loads or 0) + 1
    assert(status == STATUS_SUCCESS)
    assert(disposition == (Loads == 1 and FILE_CREATED or FILE_OVERWRITTEN))
    -- A second writer is refused (the first shares reading only); a reader
    -- that shares writing gets in.
    local other
    status, other = Open("\\??\\C:\\Logs\\logdrv.log", FILE_WRITE_DATA, FILE_SHARE_READ |
                         FILE_SHARE_WRITE, FILE_OPEN)
    assert(status == STATUS_SHARING_VIOLATION and other == 0)
    status, other = Open("\\??\\C:\\Logs\\logdrv.log", FILE_READ_DATA, FILE_SHARE_READ |
                         FILE_SHARE_WRITE, FILE_OPEN)
    assert(status == STATUS_SUCCESS)
    ZwClose(other)
    -- Missing files and directories.
    status = Open("\\??\\C:\\Logs\\none.log", FILE_READ_DATA, FILE_SHARE_READ, FILE_OPEN)
    assert(status == STATUS_OBJECT_NAME_NOT_FOUND)
    status = Open("\\??\\C:\\NoDir\\x.log", FILE_WRITE_DATA, 0, FILE_OPEN_IF)
    assert(status == STATUS_OBJECT_PATH_NOT_FOUND)

    local line = ExAllocatePoolWithTag(PagedPool, 32, TAG)
    line:write(0, "loaded\n")
    status = ZwWriteFile(LogFile, nil, nil, nil, iosb, line, 7, nil, nil)
    assert(status == STATUS_SUCCESS and iosb.Information == 7)
    ExFreePoolWithTag(line, TAG)

    DriverObject.DriverUnload = function(DriverObject)
      PAGED_CODE()
      local iosb = IO_STATUS_BLOCK()
      local line = ExAllocatePoolWithTag(PagedPool, 32, TAG)
      line:write(0, "unloaded\n")
      local toEnd = LARGE_INTEGER()
      toEnd.QuadPart = FILE_WRITE_TO_END_OF_FILE
      assert(ZwWriteFile(LogFile, nil, nil, nil, iosb, line, 9, toEnd, nil) == STATUS_SUCCESS)
      -- Back to the start, through the file pointer.
      local position = FILE_POSITION_INFORMATION()
      assert(ZwQueryInformationFile(LogFile, iosb, position, sizeof(FILE_POSITION_INFORMATION),
                                    FilePositionInformation) == STATUS_SUCCESS)
      assert(position.CurrentByteOffset == 16)
      position.CurrentByteOffset = 0
      assert(ZwSetInformationFile(LogFile, iosb, position, sizeof(FILE_POSITION_INFORMATION),
                                  FilePositionInformation) == STATUS_SUCCESS)
      assert(ZwReadFile(LogFile, nil, nil, nil, iosb, line, 7, nil, nil) == STATUS_SUCCESS)
      assert(line:read(0, 7) == "loaded\n")
      assert(ZwFlushBuffersFile(LogFile, iosb) == STATUS_SUCCESS)
      ExFreePoolWithTag(line, TAG)
      ZwClose(LogFile)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(FileGet "\\??\\C:\\Logs\\logdrv.log" == nil)
  assert(LoadDriver "logdrv.sys" == STATUS_SUCCESS)
  assert(FileGet "\\??\\C:\\Logs\\logdrv.log" == "loaded\n")
  UnloadDriver "logdrv.sys"
  assert(FileGet "\\DosDevices\\C:\\LOGS\\logdrv.log" == "loaded\nunloaded\n")
  assert(FileGet "\\??\\C:\\Logs" == true)
  -- The next load starts a new log (FILE_OVERWRITE_IF).
  FileSet("\\??\\C:\\Windows\\System32\\drivers\\logdrv.ini", "depth=8\nmode=fast\n")
  assert(LoadDriver "logdrv.sys" == STATUS_SUCCESS)
  UnloadDriver "logdrv.sys"
  assert(FileGet "\\??\\C:\\Logs\\logdrv.log" == "loaded\nunloaded\n")
end)
