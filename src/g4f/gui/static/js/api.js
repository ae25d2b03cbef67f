// The REST API client of the page: relative URLs only, the same endpoints any OpenAI client uses.

const KEY_STORAGE = "g4f.apiKey";

/** An error from the server, in OpenAI's shape: message, type, code, plus the HTTP status. */
export class ApiError extends Error {
  constructor(message, { status = 0, type = "api_error", code = null, param = null, details = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.details = details;
  }

  /** The server itself wants a key (not a provider behind it: those 401s carry code "missing_auth"). */
  get needsKey() {
    return this.status === 401 && this.code !== "missing_auth";
  }

  toJSON() {
    return { message: this.message, status: this.status, type: this.type, code: this.code, details: this.details };
  }

  static fromBody(body, status) {
    const err = body && typeof body === "object" ? body.error ?? body.detail ?? body : null;
    if (err && typeof err === "object" && !Array.isArray(err)) {
      const details = err.providers ?? err.errors ?? err.causes ?? null;
      return new ApiError(String(err.message ?? `HTTP ${status}`), {
        status, type: err.type ?? "api_error", code: err.code ?? null, param: err.param ?? null, details,
      });
    }
    if (Array.isArray(err)) {
      // FastAPI validation errors: [{loc, msg}]
      const message = err.map((e) => `${(e.loc || []).join(".")}: ${e.msg}`).join("; ");
      return new ApiError(message || `HTTP ${status}`, { status, type: "invalid_request_error" });
    }
    return new ApiError(typeof err === "string" && err ? err : `HTTP ${status}`, { status });
  }
}

export function getApiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
  syncKeyCookie();
}

/**
 * Images the server made (`/media/...`) load through <img>, which cannot send headers; the server
 * accepts the key from a same-site cookie for those paths, so the key is mirrored there.
 */
export function syncKeyCookie() {
  const key = getApiKey();
  const attrs = "path=/; SameSite=Strict";
  document.cookie = key ? `g4f_api_key=${encodeURIComponent(key)}; ${attrs}; max-age=31536000` : `g4f_api_key=; ${attrs}; max-age=0`;
}

function headers(json = true) {
  const out = {};
  if (json) out["Content-Type"] = "application/json";
  const key = getApiKey();
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

async function errorFrom(response) {
  let body = null;
  const text = await response.text().catch(() => "");
  try {
    body = JSON.parse(text);
  } catch {
    body = text.trim().slice(0, 500) || null;
  }
  return ApiError.fromBody(body, response.status);
}

async function request(method, path, { body, signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(`Cannot reach the server: ${e.message}`, { type: "network_error" });
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

const listOf = (body) => (Array.isArray(body) ? body : Array.isArray(body?.data) ? body.data : []);

export async function listModels() {
  return listOf(await (await request("GET", "/v1/models")).json());
}

export async function listProviders() {
  return listOf(await (await request("GET", "/v1/providers")).json());
}

/** POST /v1/images/generations; returns the list of image URLs. */
export async function generateImages({ prompt, model, provider, signal }) {
  // No response_format: the server keeps the images in its media directory and answers with
  // /media/... paths, which outlive a provider's short-lived URLs.
  const body = { prompt, model };
  if (provider) body.provider = provider;
  const data = await (await request("POST", "/v1/images/generations", { body, signal })).json();
  return listOf(data)
    .map((item) => item.url || (item.b64_json ? `data:image/png;base64,${item.b64_json}` : null))
    .filter(Boolean);
}

/**
 * POST /v1/chat/completions with stream: true. Calls `onChunk(chunk)` for each parsed SSE event;
 * throws ApiError for HTTP errors and in-band `{"error": ...}` events.
 */
export async function streamChat(body, { signal, onChunk }) {
  const response = await request("POST", "/v1/chat/completions", { body: { ...body, stream: true }, signal });
  const type = response.headers.get("content-type") || "";
  if (!type.includes("text/event-stream")) {
    // A server may answer a streaming request in one piece; treat it as one chunk.
    const data = await response.json();
    if (data?.error) throw ApiError.fromBody(data, response.status);
    const choice = data?.choices?.[0] ?? {};
    onChunk({ ...data, choices: [{ ...choice, delta: choice.message ?? {} }] });
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const handle = (event) => {
    const data = event
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (!data) return false;
    if (data === "[DONE]") return true;
    let chunk;
    try {
      chunk = JSON.parse(data);
    } catch {
      return false;
    }
    if (chunk?.error) throw ApiError.fromBody(chunk, response.status);
    onChunk(chunk);
    return false;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (handle(event)) {
        reader.cancel().catch(() => {});
        return;
      }
    }
  }
  if (buffer.trim()) handle(buffer);
}
