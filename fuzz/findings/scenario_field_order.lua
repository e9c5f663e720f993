-- Found by fuzz_scenario (make fuzz), reduced by hand: issue 11 item 6, for the
-- lead (lua/scenario.c, not the fuzzer's parser). A scenario{} with two bad fields
-- names one of them in its error message, and which one depends on the order
-- lua_next walks the table, which Lua's per-state hash seed decides: two runs of
-- this one file in one process (build-fuzz/fuzz/fuzz_scenario THIS_FILE, run a few
-- times) print 'unknown field "verifierr"' in one run and 'expect must be "clean",
-- "timeout" or a table ..., got "c,ean"' in the other. Messages must not depend
-- on the run.
scenario {
  verifierr = "/standard",
  expect = "c,ean",
}

run(function() end)
