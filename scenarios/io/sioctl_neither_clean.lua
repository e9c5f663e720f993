-- sioctl_neither_clean: Microsoft's IOCTL sample's METHOD_NEITHER request
-- (drivers/sioctl.lua) from an application. DeviceIoControl with strings
-- puts the input in the application's memory and gives a new output buffer
-- there; with {pointer, length} the application names its own VirtualAlloc
-- memory. The driver gets those addresses as Type3InputBuffer and
-- UserBuffer and probes them inside __try: a kernel address, a buffer the
-- application freed, and an output buffer it cannot write give the
-- exception's status (STATUS_ACCESS_VIOLATION), not a crash. Clean under
-- /standard.
scenario {
  verifier = "/standard /driver sioctl.sys",
  expect = "clean",
}

driver "sioctl.sys" "drivers/sioctl.lua"

local IOCTL_SIOCTL_METHOD_NEITHER = CTL_CODE(40000, 0x902, METHOD_NEITHER, FILE_ANY_ACCESS)
local ANSWER = "This String is from Device Driver !!!\0"

run(function()
  LoadDriver "sioctl.sys"
  RunInProcess(CreateProcess "testapp.exe", function()
    local Device = CreateFile "\\Device\\SIOCTL"
    -- Strings: copies in the application's memory, passed by address.
    local status, out = DeviceIoControl(Device, IOCTL_SIOCTL_METHOD_NEITHER,
                                        "This String is from User Application; using METHOD_NEITHER",
                                        #ANSWER)
    assert(status == STATUS_SUCCESS and out == ANSWER, "strings")
    assert(Received == "This String is from User Application; using METHOD_NEITHER")
    -- The application's own buffers.
    local In, Out = VirtualAlloc(64), VirtualAlloc(64)
    In:write(0, "mine")
    status, out = DeviceIoControl(Device, IOCTL_SIOCTL_METHOD_NEITHER, {In, 4}, {Out, 16})
    assert(status == STATUS_SUCCESS and out == ANSWER:sub(1, 16), "its own buffers")
    assert(Out:read(0, 16) == ANSWER:sub(1, 16) and Received == "mine")
    -- A kernel address as the input: ProbeForRead raises.
    status = DeviceIoControl(Device, IOCTL_SIOCTL_METHOD_NEITHER, {PsGetCurrentProcess(), 8},
                             {Out, 16})
    assert(status == STATUS_ACCESS_VIOLATION, "a kernel address")
    -- An output range past its allocation: ProbeForWrite touches the guard page.
    status = DeviceIoControl(Device, IOCTL_SIOCTL_METHOD_NEITHER, {In, 4}, {Out + 4090, 16})
    assert(status == STATUS_ACCESS_VIOLATION, "past the end of its buffer")
    -- A freed buffer: the read inside __try raises.
    VirtualFree(In, 64)
    status = DeviceIoControl(Device, IOCTL_SIOCTL_METHOD_NEITHER, {In, 4}, {Out, 16})
    assert(status == STATUS_ACCESS_VIOLATION, "a freed buffer")
    VirtualFree(Out, 64)
    CloseHandle(Device)
  end)
  UnloadDriver "sioctl.sys"
end)
