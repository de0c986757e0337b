-- Helpers shared by every pack rule. coterm prepends this file (then the pack's own `lib`)
-- to each rule's `match`, so a generated lint is one self-contained Lua chunk.
-- Keep it cheap: it runs once per evaluated rule. Plain `find` and byte loops only, since
-- pattern functions refuse long subjects (here-doc bodies can be large).


local function starts(s, prefix)
  return type(s) == "string" and s:sub(1, #prefix) == prefix
end

local function ends(s, suffix)
  return type(s) == "string" and (suffix == "" or s:sub(-#suffix) == suffix)
end

local function contains(s, text)
  return type(s) == "string" and s:find(text, 1, true) ~= nil
end

-- `-x`/`--long` given as a separate word, as `--long=value`, or inside a short bundle (`-rf`).
local function opt(short, long)
  if short and has_flag(short) then return true end
  if long and has_flag(long) then return true end
  return false
end

-- The values of a valued option: `-c X`, `-cX`, `--command X`, `--command=X`.
local function opt_values(names)
  local out = {}
  local n = #args
  local i = 1
  while i <= n do
    local a = args[i]
    if a == "--" then break end
    local taken = false
    for _, name in ipairs(names) do
      if a == name then
        if i < n then out[#out + 1] = args[i + 1] end
        i = i + 1
        taken = true
        break
      elseif starts(name, "--") or #name > 2 then
        if starts(a, name .. "=") then
          out[#out + 1] = a:sub(#name + 2)
          taken = true
          break
        end
      elseif #a > 2 and starts(a, name) and not starts(a, "--") then
        out[#out + 1] = a:sub(3)
        taken = true
        break
      end
    end
    i = i + 1
  end
  return out
end

-- True when `word` is one of the blank-separated words of `list` (" -n --namespace ").
-- Lists are plain strings because a table constructor would be rebuilt on every run.
local function listed(list, word)
  if type(word) ~= "string" or word == "" then return false end
  local from = 1
  while true do
    local a, b = list:find(word, from, true)
    if not a then return false end
    local before, after = list:byte(a - 1), list:byte(b + 1)
    if (before == 32 or before == 10) and (after == 32 or after == 10) then return true end
    from = a + 1
  end
end

-- Operands (words that are not options) from args[first] on. `valued` lists the options
-- that take the next word as their value. Everything after `--` is an operand.
local function operands(first, valued)
  local out = {}
  local n = #args
  local i = first or 1
  local rest = false
  while i <= n do
    local a = args[i]
    if rest then
      out[#out + 1] = a
    elseif a == "--" then
      rest = true
    elseif a:byte(1) == 45 and #a > 1 then -- "-"
      if valued and listed(valued, a) then i = i + 1 end
    else
      out[#out + 1] = a
    end
    i = i + 1
  end
  return out
end

-- Each argument up to `--` that starts with `-`, for tools with single-dash long options.
local function dash_arg(name)
  for _, a in ipairs(args) do
    if a == "--" then return false end
    if a == name or starts(a, name .. "=") then return true end
  end
  return false
end

-- "prod", "production", "prd", "live" or "prod2" as a whole word of a name:
-- `gke_acme_prod-eu` and `arn:...:cluster/production` look like production; `nonprod`,
-- `preprod` and `product-x` do not.
local function prodlike(s)
  if type(s) ~= "string" or s == "" or #s > 512 then return false end
  s = s:lower()
  local start = 1
  for i = 1, #s + 1 do
    local b = s:byte(i)
    if not b or not ((b >= 48 and b <= 57) or (b >= 97 and b <= 122)) then
      if i > start then
        local word = s:sub(start, i - 1)
        if word == "prod" or word == "production" or word == "prd" or word == "live" then return true end
        if #word > 4 and word:sub(1, 4) == "prod" then
          local digits = true
          for j = 5, #word do
            local d = word:byte(j)
            if d < 48 or d > 57 then digits = false break end
          end
          if digits then return true end
        end
      end
      start = i + 1
    end
  end
  return false
end

local function protected_branch(b)
  return b == "main" or b == "master" or starts(b, "release/")
end

local PROD_ENV = " AWS_PROFILE CLOUDSDK_CORE_PROJECT AZURE_SUBSCRIPTION_ID PGHOST PGDATABASE MYSQL_HOST REDIS_HOST RAILS_ENV NODE_ENV APP_ENV ENVIRONMENT DEPLOY_ENV STAGE "

-- The reason an escalation applies, or nil. Only runs for rules that matched.
local function escalation(kind, facts)
  if kind == "root" then
    if is_root then return "running as root" end
  elseif kind == "ssh" then
    for _, w in ipairs(wrappers or {}) do
      if w == "ssh" then return "on a remote host (via ssh)" end
    end
    if over_ssh then return "in an SSH session" end
  elseif kind == "k8s_prod" then
    local c = facts.kube_context or flags["kube-context"] or k8s_context
    if type(c) == "string" and prodlike(c) then return "production Kubernetes context '" .. c .. "'" end
    local ns = facts.namespace or k8s_namespace
    if type(ns) == "string" and prodlike(ns) then return "production namespace '" .. ns .. "'" end
  elseif kind == "tf_prod" then
    local ws = facts.workspace or tf_workspace or env.TF_WORKSPACE
    if type(ws) == "string" and prodlike(ws) then return "production workspace '" .. ws .. "'" end
    local stack = facts.stack or env.PULUMI_STACK
    if type(stack) == "string" and prodlike(stack) then return "production stack '" .. stack .. "'" end
    if prodlike(cwd) then return "production directory " .. cwd end
  elseif kind == "protected_branch" then
    local b = facts.branch or git_branch
    if type(b) == "string" and protected_branch(b) then return "protected branch '" .. b .. "'" end
  elseif kind == "prod_target" then
    for _, a in ipairs(args) do
      if #a <= 200 and not contains(a, " ") and prodlike(a) then
        return "production-looking target '" .. a .. "'"
      end
    end
    for name in PROD_ENV:gmatch("%S+") do
      local v = env[name]
      if type(v) == "string" and prodlike(v) then return name .. "=" .. v end
    end
  end
end

-- What a pack lint returns: nil (below the threshold) or the message the user confirms.
local function report(id, base, threshold, hit, facts, kinds, summary, safer)
  local SEVERITY = { "low", "medium", "high", "critical" }
  local RANK = { low = 1, medium = 2, high = 3, critical = 4 }
  if type(facts) ~= "table" then facts = {} end
  local sev = RANK[facts.severity] or base
  sev = math.min(sev + (facts.bump or 0), 4)
  local why = {}
  for _, kind in ipairs(kinds) do
    local reason = escalation(kind, facts)
    if reason then why[#why + 1] = reason end
  end
  local from = sev
  if #why > 0 then sev = math.min(sev + 1, 4) end
  if sev < threshold then return nil end
  local msg = id .. " [" .. SEVERITY[sev] .. "]: " .. summary
  if type(hit) == "string" and hit ~= "" then msg = msg .. " (" .. hit .. ")" end
  msg = msg .. ". Safer: " .. safer .. "."
  if #why > 0 then
    local how = from == sev and "Context" or ("Escalated from " .. SEVERITY[from])
    msg = msg .. " " .. how .. ": " .. table.concat(why, ", ") .. "."
  end
  return msg .. " (ddcoterm rules explain " .. id .. ")"
end
