-- wrk script: cycle through the paths listed in the file given after `--`,
-- one request per path, preformatted once so wrk does no per-request formatting.
local requests = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then requests[#requests + 1] = wrk.format("GET", line) end
  end
  if #requests == 0 then error("no paths in " .. tostring(args[1])) end
end

function request()
  i = i % #requests + 1
  return requests[i]
end
