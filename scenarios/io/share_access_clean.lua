-- share_access_clean: a file system's sharing check, as fastfat and cdfs
-- make it at IRP_MJ_CREATE. volfs.sys keeps one SHARE_ACCESS for its
-- volume: the first open sets it (IoSetShareAccess: read and write access,
-- sharing reads); a second open for read and write is refused
-- (IoCheckShareAccess: STATUS_SHARING_VIOLATION, as the first does not
-- share writes); a reader that shares reads and writes is let in
-- (IoCheckShareAccess with Update); each handle's cleanup counts itself out
-- (IoRemoveShareAccess), after which a writer gets in again. The file
-- object's access booleans are what the routines set. Clean under
-- /standard.
scenario {
  verifier = "/standard /driver volfs.sys",
  expect = "clean",
}

driver "volfs.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\VolFs",
                                          FILE_DEVICE_DISK_FILE_SYSTEM, 0, false)
    assert(status == STATUS_SUCCESS)
    device.Flags = device.Flags & ~DO_DEVICE_INITIALIZING
    local Share = SHARE_ACCESS()
    -- What each open asks for, in the order the scenario opens (the
    -- create's SecurityContext is not modelled; the FCB's opens are).
    local Opens = {
      { READ_WRITE, FILE_SHARE_READ },
      { READ_WRITE, FILE_SHARE_READ },
      { FILE_READ_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE },
      { READ_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE },
    }
    local Next = 1
    local function Complete(Irp, status)
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      PAGED_CODE()
      local FileObject = IoGetCurrentIrpStackLocation(Irp).FileObject
      local access, sharing = table.unpack(Opens[Next])
      Next = Next + 1
      local status = STATUS_SUCCESS
      if SHARE_ACCESS(Share).OpenCount == 0 then
        IoSetShareAccess(access, sharing, FileObject, Share)
      else
        status = IoCheckShareAccess(access, sharing, FileObject, Share, true)
      end
      if status == STATUS_SUCCESS then
        assert(FileObject.ReadAccess == 1 and FileObject.SharedRead == 1)
        FileObject.FsContext = Share
      end
      return Complete(Irp, status)
    end
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = function(DeviceObject, Irp)
      local FileObject = IoGetCurrentIrpStackLocation(Irp).FileObject
      IoRemoveShareAccess(FileObject, FileObject.FsContext)
      return Complete(Irp, STATUS_SUCCESS)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS)
    end
    VolShare = Share
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(DriverObject.DeviceObject)
    end
    return STATUS_SUCCESS
  end,
}

READ_WRITE = FILE_READ_DATA | FILE_WRITE_DATA

run(function()
  assert(LoadDriver "volfs.sys" == STATUS_SUCCESS)
  local App = CreateProcess "explorer.exe"
  RunInProcess(App, function()
    local First = assert(CreateFile "\\Device\\VolFs")
    local Refused, status = CreateFile "\\Device\\VolFs"
    assert(Refused == nil and status == STATUS_SHARING_VIOLATION, "the first does not share writes")
    local Reader = assert(CreateFile "\\Device\\VolFs")
    local s = SHARE_ACCESS(VolShare)
    assert(s.OpenCount == 2 and s.Readers == 2 and s.Writers == 1 and s.SharedRead == 2 and
           s.SharedWrite == 1)
    assert(CloseHandle(First) == STATUS_SUCCESS)
    assert(s.OpenCount == 1 and s.Writers == 0 and s.SharedWrite == 1)
    local Writer = assert(CreateFile "\\Device\\VolFs")
    assert(CloseHandle(Writer) == STATUS_SUCCESS)
    assert(CloseHandle(Reader) == STATUS_SUCCESS)
    assert(s.OpenCount == 0 and s.Readers == 0 and s.SharedRead == 0)
  end)
  assert(UnloadDriver "volfs.sys" == STATUS_SUCCESS)
end)
