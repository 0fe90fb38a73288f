-- wrk: the sandbox's create-then-read (create_read.lua), with wrk's threads spread over several
-- replicas: PORTS="4101,4102,4103" gives thread 1 the first port, thread 2 the second…
-- Run with as many threads as ports (wrk -t3), from the bench/ folder or with BENCH_DIR set.
local ports = {}
for port in string.gmatch(os.getenv("PORTS") or "", "%d+") do
  ports[#ports + 1] = port
end
local started = 0

function setup(thread)
  started = started + 1
  if #ports > 0 then
    thread.addr = wrk.lookup("127.0.0.1", ports[(started - 1) % #ports + 1])[1]
  end
end

dofile((os.getenv("BENCH_DIR") or ".") .. "/create_read.lua")
