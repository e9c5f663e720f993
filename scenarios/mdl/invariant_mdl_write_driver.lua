-- invariant_mdl_write_driver: cryptflt.sys, a filter over store.sys, scrambles the write request's buffer in place on its way down: the
-- originator's data, which no driver may change for the IRP's whole life.
-- Invariant MDL checking for driver (/flags 0x4000, here with /standard: 0x249BB) reports it as 0xC4/0x1010, P3 the IRP.
-- The driver option compares the buffer at every IoCallDriver: the
-- filter's call to store.sys finds it changed, so the filter is the one.
scenario {
  verifier = "/flags 0x249BB /driver cryptflt.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x1010 },
}

CryptWriteBug = true
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
