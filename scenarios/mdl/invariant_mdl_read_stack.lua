-- invariant_mdl_read_stack: cryptflt.sys, a filter over store.sys, poisons the read request's buffer (0xCC) before passing it down: on
-- its dispatch path the buffer is the device's to fill, not a filter's.
-- Invariant MDL checking for stack (/flags 0x2000, here with /standard: 0x229BB) reports it as 0xC4/0x1011, P3 the IRP.
-- The stack option compares the buffer at each later IoCallDriver: the
-- call to store.sys finds it changed (P2 the device called).
scenario {
  verifier = "/flags 0x229BB /driver cryptflt.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x1011 },
}

CryptReadBug = true
driver "store.sys" "drivers/store.lua"
driver "cryptflt.sys" "drivers/cryptflt.lua"

run(function()
  LoadDriver "store.sys"
  LoadDriver "cryptflt.sys"
  RunInProcess(CreateProcess "notes.exe", function()
    local File = CreateFile "\\Device\\Store"
    local status, written = WriteFile(File, "meeting at noon")
    assert(status == STATUS_SUCCESS and written == 15)
    local data
    status, data = ReadFile(File, 64)
    assert(status == STATUS_SUCCESS and data == "meeting at noon", "the bytes come back")
    CloseHandle(File)
  end)
  assert(Stored ~= "meeting at noon", "stored scrambled")
  UnloadDriver "cryptflt.sys"
  UnloadDriver "store.sys"
end)
