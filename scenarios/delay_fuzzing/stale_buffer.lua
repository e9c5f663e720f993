-- stale_buffer: sampler.sys as first written: its timer DPC reads the
-- buffer pointer, then takes the spin lock and counts a sample into that
-- buffer, while a system thread on the other processor swaps in a fresh
-- buffer under the same lock and frees the old one. A swap that lands
-- between the DPC's read and its acquire leaves the DPC writing into freed
-- memory, and as /standard puts each buffer on a special pool page of its
-- own, the verifier stops at that store (0xD5).
--
-- The window is one KeAcquireSpinLockAtDpcLevel call wide: random
-- scheduling alone finds it on about one seed in a hundred. Kernel
-- synchronization delay fuzzing (/flags 0x800000) holds the acquire back
-- for microseconds on one call in four, and the race shows on most seeds:
--
--   drvsim sweep scenarios/delay_fuzzing/stale_buffer.lua --seeds 1..200
--   (200 runs: 30 clean, 170 x 0xD5)
--   drvsim sweep scenarios/delay_fuzzing/stale_buffer.lua --seeds 1..200 \
--     --verifier "/standard /driver sampler.sys"
--   (200 runs: 200 clean; 23 x 0xD5 in 2,000)
--
-- The seed below is one the first sweep found; the run replays it exactly.
-- stale_buffer_clean.lua is the fix: the DPC reads the pointer under the
-- lock, and no seed fails, delay fuzzing or not.
scenario {
  verifier = "/standard /flags 0x800000 /driver sampler.sys",
  cpus     = 2,
  seed     = 3,
  expect   = { bugcheck = 0xD5, driver = "sampler.sys" },
}

SAMPLER_FIXED = false
driver "sampler.sys" "drivers/sampler.lua"

run(function()
  LoadDriver "sampler.sys"
  Sleep "1s"
  UnloadDriver "sampler.sys"
end)
