-- obcallback_notify_not_removed: Microsoft's Ob callback sample protects 
-- notepad, then its unload routine forgets 
-- PsSetCreateProcessNotifyRoutineEx(..., TRUE) (BUG). Windows does not check 
-- at unload; the next process creation calls the notify routine in the 
-- unloaded image: 0xCE.
scenario {
  verifier = "/standard /driver ObCallbackTest.sys",
  expect = { bugcheck = 0xCE, driver = "ObCallbackTest.sys" },
}

ObCbForgetProcessNotify = true
driver "ObCallbackTest.sys" "drivers/obcallback.lua"

local TD_IOCTL_PROTECT_NAME_CALLBACK = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + 2, METHOD_BUFFERED,
                                                FILE_SPECIAL_ACCESS)

run(function()
  LoadDriver "ObCallbackTest.sys"
  local Control = CreateProcess "ObCallbackTestCtrl.exe"
  RunInProcess(Control, function()
    local Device = CreateFile "\\\\.\\ObCallbackTest"
    local Name = ("notepad"):gsub(".", "%0\0")
    DeviceIoControl(Device, TD_IOCTL_PROTECT_NAME_CALLBACK,
                    string.pack("<I4", 0) .. Name .. string.rep("\0", 402 - #Name), 0)
    CloseHandle(Device)
  end)
  UnloadDriver "ObCallbackTest.sys"
  CreateProcess("later.exe", "later.exe")
end)
