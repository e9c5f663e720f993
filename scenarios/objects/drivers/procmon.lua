-- procmon.sys: a process monitor in the manner of Sysinternals' tools: it
-- registers a load image, a thread and a process (Ex) notify routine and
-- keeps a log of what it hears, which the scenario reads back as the
-- global Log. With the scenario's global ProcMonForget set to "thread" or
-- "image", its unload routine forgets to remove that routine (the bug of
-- notify_*_not_removed.lua).
local function OnImage(FullImageName, ProcessId, ImageInfo)
  local system = (ImageInfo.Properties >> 8) & 1
  Log[#Log + 1] = string.format("image %d system %d size 0x%x", ProcessId, system,
                                ImageInfo.ImageSize)
  DbgPrint("procmon: image %wZ in %d\n", FullImageName, ProcessId)
end

local function OnThread(ProcessId, ThreadId, Create)
  assert(KeGetCurrentIrql() <= APC_LEVEL)
  -- Creation is heard on the new thread, exit on the exiting one.
  assert(PsGetCurrentThreadId() == ThreadId)
  Log[#Log + 1] = string.format("thread %d %s", ProcessId, Create and "create" or "exit")
end

local function OnProcess(Process, ProcessId, CreateInfo)
  assert(PsGetProcessId(Process) == ProcessId)
  if CreateInfo ~= nil then
    Log[#Log + 1] = string.format("process %d create parent %d", ProcessId,
                                  CreateInfo.ParentProcessId)
  else
    Log[#Log + 1] = string.format("process %d exit", ProcessId)
  end
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    Log = {}
    local status = PsSetLoadImageNotifyRoutine(OnImage)
    if not NT_SUCCESS(status) then return status end
    status = PsSetCreateThreadNotifyRoutine(OnThread)
    if NT_SUCCESS(status) then
      status = PsSetCreateProcessNotifyRoutineEx(OnProcess, false)
      if NT_SUCCESS(status) then
        DriverObject.DriverUnload = function(DriverObject)
          PsSetCreateProcessNotifyRoutineEx(OnProcess, true)
          if ProcMonForget ~= "thread" then PsRemoveCreateThreadNotifyRoutine(OnThread) end
          if ProcMonForget ~= "image" then PsRemoveLoadImageNotifyRoutine(OnImage) end
        end
        return status
      end
      PsRemoveCreateThreadNotifyRoutine(OnThread)
    end
    PsRemoveLoadImageNotifyRoutine(OnImage)
    return status
  end,
}
