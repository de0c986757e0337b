-- Runs once per runtime, before any rule. Captures what the host needs, then strips the
-- real globals so nothing a rule can reach leads back to os, io, load, debug or Python.
local sethook, getinfo = debug.sethook, debug.getinfo
local setmetatable, rawset, rawget, type, error = setmetatable, rawset, rawget, type, error
local load, pairs, tostring, select = load, pairs, tostring, select
local string, table, math, os = string, table, math, os
local clock = os.clock

local MAX_SUBJECT = 16384        -- pattern subject cap (characters)
local MAX_REP = 1048576          -- string.rep result cap (bytes)
local COST_CAP = 2e7             -- subject_len ^ quantifiers, a bound on backtracking work

-- Lua patterns backtrack inside one C call that no hook can interrupt, so bound the work
-- before the call: n ^ q, where q counts the unbounded quantifiers in the pattern.
local function quantifiers(p)
  local q, i, n = 0, 1, #p
  while i <= n do
    local c = p:byte(i)
    if c == 37 then i = i + 2                                    -- %x escape
    elseif c == 91 then                                           -- [set]
      i = i + 1
      if p:byte(i) == 94 then i = i + 1 end
      if p:byte(i) == 93 then i = i + 1 end
      while i <= n and p:byte(i) ~= 93 do
        if p:byte(i) == 37 then i = i + 1 end
        i = i + 1
      end
      i = i + 1
    else
      if c == 42 or c == 43 or c == 45 then q = q + 1 end           -- * + -
      i = i + 1
    end
  end
  return q
end

local function guard(s, p, plain)
  if type(s) ~= "string" or type(p) ~= "string" or plain then return end
  if #s > MAX_SUBJECT then error("pattern subject too long (" .. #s .. " characters, limit " .. MAX_SUBJECT .. ")", 3) end
  local q = quantifiers(p)
  if q > 0 and (#s + 1) ^ q > COST_CAP then
    error("pattern too complex for a subject of " .. #s .. " characters (" .. q .. " repetitions); use string.find(s, text, 1, true)", 3)
  end
end

local s_find, s_match, s_gmatch, s_gsub, s_rep = string.find, string.match, string.gmatch, string.gsub, string.rep
string.find = function(s, p, init, plain) guard(s, p, plain); return s_find(s, p, init, plain) end
string.match = function(s, p, init) guard(s, p); return s_match(s, p, init) end
string.gmatch = function(s, p, init) guard(s, p); return s_gmatch(s, p, init) end
string.gsub = function(s, p, r, n) guard(s, p); return s_gsub(s, p, r, n) end
string.rep = function(s, n, sep)
  n = math.tointeger(n) or error("bad argument #2 to 'rep' (number has no integer representation)", 2)
  local total = (#tostring(s) + #tostring(sep or "")) * math.max(n, 0)
  if total > MAX_REP or n > MAX_REP then error("string.rep result too large (limit " .. MAX_REP .. " bytes)", 2) end
  return s_rep(s, n, sep)
end
string.dump = nil                -- the string metatable's __index is this very table

local function readonly(t, name)
  return setmetatable({}, {
    __index = t,
    __newindex = function() error("cannot modify " .. name, 2) end,
    __metatable = false,
  })
end

local safe_os = { time = os.time, date = os.date, clock = os.clock }
local safe_math = {}
for k, v in pairs(math) do if k ~= "random" and k ~= "randomseed" then safe_math[k] = v end end

local base = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  select = select, tonumber = tonumber, tostring = tostring, type = type,
  unpack = table.unpack, print = function() end,
  string = readonly(string, "string"), table = readonly(table, "table"),
  math = readonly(safe_math, "math"), os = readonly(safe_os, "os"),
}
base._G = nil
local base_ro = { __index = base, __metatable = false }

-- Budget: a count hook checks CPU time; once tripped it re-arms at every instruction so that
-- pcall loops cannot swallow the error and keep running.
local deadline = 0
local function hook()
  if clock() > deadline then
    sethook(hook, "", 1)
    error("rule exceeded its time budget (possible endless loop)", 0)
  end
end

local function arm(seconds)
  deadline = clock() + seconds
  sethook(hook, "", 1000)
end

-- The per-evaluation environment: a fresh table that reads through to the safe base.
-- `ctx` holds plain values (strings, numbers, booleans, nested tables) copied from the host.
-- The host converts `ctx` once per command; each snippet gets its own shallow copies of the
-- nested tables (args, flags, env, ...) so no snippet can change what the next one sees.
local function new_env(ctx)
  local env = setmetatable({}, base_ro)
  for k, v in pairs(ctx) do
    if type(v) == "table" then
      local copy = {}
      for k2, v2 in pairs(v) do copy[k2] = v2 end
      v = copy
    end
    rawset(env, k, v)
  end
  local argset, flagset = {}, {}
  for _, a in ipairs(ctx.args or {}) do argset[a] = true end
  for _, f in ipairs(ctx.flag_names or {}) do flagset[f] = true end
  rawset(env, "has_arg", function(s) return argset[s] == true end)
  rawset(env, "has_flag", function(s)
    s = tostring(s):gsub("^%-+", "")
    return flagset[s] == true
  end)
  rawset(env, "flag_names", nil)
  return env
end

-- Rules are compiled against a placeholder and receive their env as the chunk's argument,
-- so one compiled chunk serves every evaluation without sharing state.
local function compile(src, name)
  local header = "local _ENV = ...; "
  local fn, err = load(header .. "return " .. src, "=" .. name, "t", {})
  if not fn then
    fn, err = load(header .. src, "=" .. name, "t", {})
  end
  return fn, err
end

local function stringify(...)
  local n = select("#", ...)
  local out = { n = n }
  for i = 1, n do
    local v = select(i, ...)
    local t = type(v)
    if t == "string" or t == "number" or t == "boolean" or t == "nil" then out[i] = v
    else out[i] = "<" .. t .. ">" end
  end
  return out
end

-- Strip the real globals: nothing below is reachable from a rule's env anyway, but a rule
-- must not find a way back through them either.
for _, name in ipairs({ "os", "io", "package", "require", "load", "loadfile", "dofile", "debug",
    "collectgarbage", "getmetatable", "setmetatable", "rawset", "rawget", "rawequal", "rawlen",
    "coroutine", "python", "loadstring", "utf8", "warn" }) do
  _G[name] = nil
end

return { compile = compile, new_env = new_env, arm = arm, disarm = sethook, stringify = stringify }
