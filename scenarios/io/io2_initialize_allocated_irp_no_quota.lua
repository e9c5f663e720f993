-- io2_initialize_allocated_irp_no_quota: poller.sys reuses the IRP
-- IoAllocateIrp gave it (no quota charged) by initialising it again with
-- IoInitializeIrp, where IoReuseIrp is the routine. Nothing leaks, but what
-- IoAllocateIrp recorded is lost: I/O verification reports the WDM DRIVER
-- WARNING 0x238 (0xC9's P1; P3 the IRP) each time, and the run goes on, as
-- Windows goes on (bug-check-0xc9: severity "Warning"). The run is clean; the
-- harness reads the three warnings with Warnings().
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver poller.sys",
  expect = "clean",
}

driver "cntdev.sys" "drivers/cntdev.lua"

driver "poller.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Target = CounterDevice
    local Done, Output = KEVENT(), ExAllocatePoolWithTag(NonPagedPoolNx, 4, "Poll")
    KeInitializeEvent(Done, SynchronizationEvent, false)
    -- One request of IOCTL_COUNTER_GET in Irp; its total.
    local function Ask(Irp)
      local Stack = IoGetNextIrpStackLocation(Irp)
      Stack.MajorFunction = IRP_MJ_DEVICE_CONTROL
      Stack.Parameters.DeviceIoControl.IoControlCode = IOCTL_COUNTER_GET
      Stack.Parameters.DeviceIoControl.OutputBufferLength = 4
      Irp.AssociatedIrp.SystemBuffer = Output
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        KeSetEvent(Context, IO_NO_INCREMENT, false)
        return STATUS_MORE_PROCESSING_REQUIRED
      end, Done, true, true, true)
      if IoCallDriver(Target, Irp) == STATUS_PENDING then
        KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
      end
      assert(Irp.IoStatus.Status == STATUS_SUCCESS and Irp.IoStatus.Information == 4)
      return Output:u32(0)
    end
    local Irp = IoAllocateIrp(Target.StackSize, false)
    if Irp == nil then
      ExFreePoolWithTag(Output, "Poll")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    for round = 1, 3 do
      assert(Ask(Irp) == 0)
      KeClearEvent(Done)
      IoInitializeIrp(Irp, IoSizeOfIrp(Target.StackSize), Target.StackSize) -- BUG: IoReuseIrp
      assert(Irp.CurrentLocation == Target.StackSize + 1 and Irp.Cancel == 0)
    end
    IoFreeIrp(Irp)
    -- An IRP in the driver's own memory.
    local Size = IoSizeOfIrp(Target.StackSize)
    assert(Size == 0xD0 + Target.StackSize * 0x48, "sizeof(IRP) + the stack locations (x64)")
    local Own = ExAllocatePoolWithTag(NonPagedPoolNx, Size, "Poll")
    IoInitializeIrp(Own, Size, Target.StackSize)
    assert(IRP(Own).Size == Size and IRP(Own).StackCount == Target.StackSize)
    assert(Ask(IRP(Own)) == 0)
    ExFreePoolWithTag(Own, "Poll")
    ExFreePoolWithTag(Output, "Poll")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "cntdev.sys" == STATUS_SUCCESS)
  assert(LoadDriver "poller.sys" == STATUS_SUCCESS)
  local w = Warnings()
  assert(#w == 3 and w.total == 3, #w)
  for i = 1, 3 do
    assert(w[i].rule == "io2_initialize_allocated_irp_no_quota" and w[i].code == 0xC9)
    assert(w[i].p1 == 0x238 and w[i].driver == "poller.sys")
  end
  assert(UnloadDriver "poller.sys" == STATUS_SUCCESS)
  assert(UnloadDriver "cntdev.sys" == STATUS_SUCCESS)
end)
