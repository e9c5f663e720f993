-- graphics_engallocmem_clean: low resources simulation fails EngAllocMem too: a display
-- driver that checks for NULL sees the failure, counted as deliberate, and survives.
scenario { verifier = "/flags 0x4 /faults 10000 * \"\" 0 /driver disp.sys", expect = "clean" }
driver "disp.sys" {
  kind = "graphics",
  DriverEntry = function(DriverObject, RegistryPath)
    assert(EngAllocMem(0, 64, "Gdi ") == nil, "failed deliberately")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}
run(function()
  LoadDriver "disp.sys"
  assert(Query().AllocationsFailedDeliberately == 1)
  UnloadDriver "disp.sys"
end)
