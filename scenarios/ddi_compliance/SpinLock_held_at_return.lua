-- SpinLock_held_at_return: the SpinLock rule's second half (SpinLock.lua
-- has the first, a lock acquired twice). ledctl.sys drives a keyboard's
-- indicator LEDs; kbdled.sys, the keyboard filter above it, sends it
-- IOCTL_LED_INTERNAL_SET from its timer DPC, at DISPATCH_LEVEL, as an
-- internal device control request it allocates (the pattern in a
-- nonpaged buffer that Type3InputBuffer points to). BUG: ledctl.sys checks the pattern inside its
-- locked section, and the error path completes the request and returns
-- without KeReleaseSpinLock. Called at DISPATCH_LEVEL, the routine returns
-- at the IRQL it was called at (so IrqlReturn has nothing to say), but with
-- the lock held: DDI compliance checking stops it as it returns,
-- 0xC4/0x40009, SpinLock.
scenario {
  verifier = "/flags 0x20000 /driver ledctl.sys",
  expect = { bugcheck = 0xC4, p1 = 0x40009, driver = "ledctl.sys" },
}

local IOCTL_LED_INTERNAL_SET = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x820, METHOD_NEITHER, FILE_ANY_ACCESS)
local LED_MASK = 0x07   -- Scroll, Num and Caps Lock

driver "ledctl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\LedCtl", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    LedDevice, LedLock, LedPattern = device, KSPIN_LOCK(), 0
    KeInitializeSpinLock(LedLock)
    device.Flags = device.Flags & ~DO_DEVICE_INITIALIZING

    local function Complete(Irp, Status)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    DriverObject.MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      if Stack.Parameters.DeviceIoControl.IoControlCode ~= IOCTL_LED_INTERNAL_SET then
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST)
      end
      local Pattern = Stack.Parameters.DeviceIoControl.Type3InputBuffer:u32(0)
      local OldIrql = KeAcquireSpinLock(LedLock)
      if Pattern & ~LED_MASK ~= 0 then
        return Complete(Irp, STATUS_INVALID_PARAMETER)   -- BUG: LedLock still held
      end
      LedPattern = Pattern
      KeReleaseSpinLock(LedLock, OldIrql)
      return Complete(Irp, STATUS_SUCCESS)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(LedDevice)
    end
    return STATUS_SUCCESS
  end,
}

-- The keyboard filter: its DPC turns the key presses it saw into LEDs.
driver "kbdled.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    KbdTimer, KbdDpc, KbdKeys, KbdSent = KTIMER(), KDPC(), { 0x4, 0x2, 0x9 }, 0
    KeInitializeTimer(KbdTimer)
    KeInitializeDpc(KbdDpc, function(Dpc, Context, Argument1, Argument2)
      KbdSent = KbdSent + 1
      local Pattern = KbdKeys[KbdSent]
      if Pattern == nil then
        return
      end
      local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 4, "KLed")
      if Buffer == nil then
        return
      end
      Buffer:set_u32(0, Pattern)
      local Irp = IoAllocateIrp(LedDevice.StackSize, false)
      if Irp == nil then
        ExFreePoolWithTag(Buffer, "KLed")
        return
      end
      local Next = IoGetNextIrpStackLocation(Irp)
      Next.MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL
      Next.Parameters.DeviceIoControl.IoControlCode = IOCTL_LED_INTERNAL_SET
      Next.Parameters.DeviceIoControl.InputBufferLength = 4
      Next.Parameters.DeviceIoControl.Type3InputBuffer = Buffer
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        ExFreePoolWithTag(Context, "KLed")
        IoFreeIrp(Irp)
        return STATUS_MORE_PROCESSING_REQUIRED
      end, Buffer, true, true, true)
      IoCallDriver(LedDevice, Irp)
    end, nil)
    KeSetTimerEx(KbdTimer, -10000 * 10, 10, KbdDpc)   -- every 10 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(KbdTimer)
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ledctl.sys"
  LoadDriver "kbdled.sys"
  Sleep "35ms"                               -- three key presses
  UnloadDriver "kbdled.sys"
  UnloadDriver "ledctl.sys"
end)
