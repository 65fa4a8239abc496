-- wrk script for tests/load/soak.sh: cycles through the paths in $PATHS (one per line: entry
-- pages, /search, /api/search, static assets), varying the headers a browser, curl and a cache
-- send (Accept, Accept-Encoding: gzip, If-None-Match with a real ETag), and one request in
-- twenty is a search never asked before (a cache miss, so the cache's eviction path runs too).
-- Every status is counted per thread and printed by done() as "status CODE COUNT".
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
    if #line > 0 then
        paths[#paths + 1] = line
    end
end
local etag = os.getenv("ETAG") or ""
local threads = {}
local i = 0
local salt = 0
-- Global, not local: thread:get() reads a thread's globals.
counts = {}

local variants = {
    { ["Accept"] = "text/html", ["Accept-Encoding"] = "gzip, deflate, br" },
    { ["User-Agent"] = "curl/7.88.1" },
    { ["Accept"] = "*/*", ["Accept-Encoding"] = "gzip" },
    { ["Accept"] = "application/json" },
}

function setup(thread)
    threads[#threads + 1] = thread
end

function init(args)
    salt = tonumber(tostring({}):match("0x(%x+)"), 16) or os.time()
end

function request()
    i = i + 1
    local path = paths[(i % #paths) + 1]
    local headers = variants[(i % #variants) + 1]
    if i % 20 == 0 then
        path = string.format("/api/search?q=memory+z%x%x", salt % 1000003, i)
    elseif i % 20 == 7 and etag ~= "" then
        path = "/M8"
        headers = { ["Accept"] = "text/html", ["Accept-Encoding"] = "gzip", ["If-None-Match"] = etag }
    end
    return wrk.format("GET", path, headers)
end

function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        -- A thread's table comes back as a copy; walk the codes it could have seen.
        local c = t:get("counts")
        for code, n in pairs(c) do
            total[code] = (total[code] or 0) + n
        end
    end
    for code, n in pairs(total) do
        io.write(string.format("status %d %d\n", code, n))
    end
    io.write(string.format("latency_p50_ms %.3f\n", latency:percentile(50) / 1000))
    io.write(string.format("latency_p99_ms %.3f\n", latency:percentile(99) / 1000))
    io.write(string.format("latency_max_ms %.3f\n", latency.max / 1000))
end
