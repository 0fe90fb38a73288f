-- wrk: GET with a bearer token, and an optional Prefer header.
wrk.headers["Authorization"] = "Bearer bench"
local prefer = os.getenv("PREFER")
if prefer and prefer ~= "" then
  wrk.headers["Prefer"] = prefer
end
