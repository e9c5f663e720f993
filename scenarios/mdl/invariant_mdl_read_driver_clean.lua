-- invariant_mdl_read_driver (clean twin): cryptflt.sys leaves the read buffer alone
-- on the way down and unscrambles it in its completion routine.
scenario {
  verifier = "/flags 0x249BB /driver cryptflt.sys",
  expect   = "clean",
}

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
