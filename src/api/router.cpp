// Request routing for answered HTTP requests: see router.hpp.
#include "api/router.hpp"

#include <openssl/crypto.h>

#include "api/client_endpoints.hpp"
#include "api/demo.hpp"
#include "api/server_api.hpp"
#include "api/static_site.hpp"
#include "transport/worker_context.hpp"

namespace triplex::api {

namespace {

using reason = metrics::reject_reason;

// Constant-time comparison of the API key (the length is not secret).
bool key_matches(std::string_view given, std::string_view expected) {
  return !expected.empty() && given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

using method_fn = void (*)(transport::worker_context&, const protocol::http_request&, respond_fn);

method_fn api_method(std::string_view name) {
  if (name == "publish") return api_publish;
  if (name == "broadcast") return api_broadcast;
  if (name == "batch") return api_batch;
  if (name == "history") return api_history;
  if (name == "channels") return api_channels;
  if (name == "info") return api_info;
  if (name == "presence") return api_presence;
  if (name == "disconnect") return api_disconnect;
  if (name == "presence_stats") return api_presence_stats;
  return nullptr;
}

void handle_api(transport::worker_context& ctx, const protocol::http_request& req,
                respond_fn respond) {
  if (!key_matches(req.api_key, ctx.cfg->api_key)) {
    ctx.metrics->rejected[reason::bad_api_key].inc();
    return respond(error(core::status::unauthorized, ctx.cfg->api_key.empty()
                                                         ? "the server API is off: no api_key set"
                                                         : "missing or wrong X-API-Key"));
  }
  method_fn fn = api_method(std::string_view(req.target.path).substr(5));
  if (!fn) {
    ctx.metrics->rejected[reason::not_found].inc();
    return respond(error(core::status::not_found, "unknown API method"));
  }
  if (req.method != "POST") {
    ctx.metrics->rejected[reason::method_not_allowed].inc();
    return respond(error(core::status::method_not_allowed, "use POST"));
  }
  fn(ctx, req, std::move(respond));
}

protocol::http_response healthz(const transport::worker_context& ctx) {
  if (ctx.state->draining) return error(core::status::unavailable, "shutting down");
  return json_response("{\"status\":\"ok\"}");
}

protocol::http_response metrics_text(const transport::worker_context& ctx) {
  protocol::http_response res;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = ctx.metrics->render();
  return res;
}

protocol::http_response static_response(const static_site::file& f) {
  protocol::http_response res;
  res.content_type = f.content_type;
  res.body = f.body;  // a copy per request: static files are small
  res.headers.emplace_back("Cache-Control", "no-cache");
  return res;
}

}  // namespace

void handle(transport::worker_context& ctx, protocol::http_request req, respond_fn respond) {
  const std::string& path = req.target.path;
  if (path.starts_with("/api/")) return handle_api(ctx, req, std::move(respond));
  if (path == "/healthz") return respond(healthz(ctx));
  if (path == "/metrics") return respond(metrics_text(ctx));
  if (path == "/publish" && req.method == "POST")
    return client_publish(ctx, req, std::move(respond));
  if (path == "/history" && req.method == "GET")
    return client_history(ctx, req, std::move(respond));
  if (path == "/presence" && req.method == "GET")
    return client_presence(ctx, req, std::move(respond));
  if (path == "/client-config" && req.method == "GET")
    return respond(json_response(ctx.cfg->client_config_json));
  if (ctx.cfg->demo_endpoints && path == "/demo/token" && req.method == "GET")
    return demo_token(ctx, req, std::move(respond));
  if (ctx.cfg->demo_endpoints && path == "/demo/mention" && req.method == "POST")
    return demo_mention(ctx, req, std::move(respond));
  if (req.method == "GET" && ctx.cfg->static_files)
    if (const auto* f = ctx.cfg->static_files->find(path)) return respond(static_response(*f));
  ctx.metrics->rejected[reason::not_found].inc();
  respond(error(core::status::not_found, "no such endpoint"));
}

}  // namespace triplex::api
