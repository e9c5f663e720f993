-- rundown_release_missing: camdrv.sys's frame callback returns early on a
-- short frame without ExReleaseRundownProtection. The reference it took is
-- never given back, so stopping the stream, ExWaitForRundownProtectionRelease,
-- waits for ever. Windows checks nothing here: the thread hangs. Nothing
-- else can run, and drvsim ends the run with its deadlock report naming
-- the thread and the event its run-down wait blocks on (outcome deadlock). The clean
-- twin is rundown_clean, which releases on every path.
scenario {
  verifier = "/standard /driver camdrv.sys",
  expect   = "deadlock",
}

driver "camdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Capture = EX_RUNDOWN_REF()
    ExInitializeRundownProtection(Capture)
    local function OnFrame(Length)
      if not ExAcquireRundownProtection(Capture) then
        return
      end
      if Length < 64 then
        return                                -- BUG: the reference is kept
      end
      ExReleaseRundownProtection(Capture)
    end
    OnFrame(1500)
    OnFrame(12)                               -- a short frame
    DriverObject.DriverUnload = function(DriverObject)
      ExWaitForRundownProtectionRelease(Capture)
      ExRundownCompleted(Capture)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "camdrv.sys"
  UnloadDriver "camdrv.sys"
end)
