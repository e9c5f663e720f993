-- __except filters: __try(body, handler, filter) is C's
-- __try { body } __except (filter) { handler }. A filter that answers
-- EXCEPTION_CONTINUE_SEARCH passes the exception to the next __try out;
-- GetExceptionCode() gives the code in a filter and in a handler, innermost
-- first; a boolean filter is a C comparison (TRUE executes the handler).
scenario { expect = "clean" }

driver "filter.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local seen = {}
    local outer = __try(function()
      return __try(function()
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES)
      end, function(code)
        error("the inner handler must not run")
      end, function(code)
        seen[#seen + 1] = GetExceptionCode()
        return EXCEPTION_CONTINUE_SEARCH          -- not ours: pass it on
      end)
    end, function(code)
      -- a nested exception inside a handler has its own code
      local inner = __try(function() ExRaiseStatus(STATUS_INVALID_PARAMETER) end,
                          function(c) return GetExceptionCode() end)
      assert(inner == STATUS_INVALID_PARAMETER)
      assert(GetExceptionCode() == STATUS_INSUFFICIENT_RESOURCES, "the outer code again")
      return code
    end, function(code)
      return GetExceptionCode() == STATUS_INSUFFICIENT_RESOURCES
    end)
    assert(outer == STATUS_INSUFFICIENT_RESOURCES and seen[1] == STATUS_INSUFFICIENT_RESOURCES)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "filter.sys"
  UnloadDriver "filter.sys"
end)
