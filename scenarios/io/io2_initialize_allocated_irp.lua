-- io2_initialize_allocated_irp: poller.sys reuses the IRP IoAllocateIrp
-- gave it, charged to the caller's quota, by initialising it again with
-- IoInitializeIrp, where IoReuseIrp is the routine: the I/O manager's record
-- of the allocation (its quota charge, its zone) is lost. I/O verification,
-- level 2: WDM DRIVER ERROR 0x20D (0xC9, P3 the IRP); without the quota
-- charge it is the warning 0x238 (io2_initialize_allocated_irp_no_quota.lua).
scenario {
  verifier = "/standard /driver poller.sys",
  expect = { bugcheck = 0xC9, p1 = 0x20D, driver = "poller.sys" },
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
    local Irp = IoAllocateIrp(Target.StackSize, true)
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
  assert(UnloadDriver "poller.sys" == STATUS_SUCCESS)
  assert(UnloadDriver "cntdev.sys" == STATUS_SUCCESS)
end)
