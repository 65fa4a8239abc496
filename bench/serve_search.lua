-- wrk script: GET /api/search cycling through bench/queries.txt (50 real queries), or, with
-- UNIQUE=1, a query no one asked before on every request (a cache miss every time).
local queries = {}
for line in io.lines(os.getenv("QUERIES") or "bench/queries.txt") do
    if #line > 0 then
        queries[#queries + 1] = line
    end
end
local unique = os.getenv("UNIQUE") == "1"
local i = 0
local salt = 0

local function urlencode(s)
    return (s:gsub("[^%w%-_%.~]", function(c)
        return string.format("%%%02X", string.byte(c))
    end))
end

function init(args)
    -- Each wrk thread has its own Lua state: a different salt keeps threads' queries apart.
    salt = tonumber(tostring({}):match("0x(%x+)"), 16) or os.time()
end

function request()
    i = i + 1
    local q = queries[(i % #queries) + 1]
    if unique then
        q = q .. " zq" .. string.format("%x%x", salt % 1000003, i)
    end
    return wrk.format("GET", "/api/search?q=" .. urlencode(q) .. "&limit=10")
end
