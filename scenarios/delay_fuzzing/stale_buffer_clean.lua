-- stale_buffer_clean: sampler.sys with the fix: the timer DPC reads the
-- buffer pointer after it takes the spin lock the swapping thread holds, so
-- no delay anywhere can leave it with a freed buffer. Kernel
-- synchronization delay fuzzing (/flags 0x800000) holds its calls back as in
-- stale_buffer.lua; every seed is clean (the CLI suite sweeps 200 of them).
scenario {
  verifier = "/standard /flags 0x800000 /driver sampler.sys",
  cpus     = 2,
  expect   = "clean",
}

SAMPLER_FIXED = true
driver "sampler.sys" "drivers/sampler.lua"

run(function()
  LoadDriver "sampler.sys"
  Sleep "1s"
  UnloadDriver "sampler.sys"
end)
