// metrics_endpoint.cpp — the scrape endpoint's options, its port object, and
// the incarnation actor that owns one text_http_server.
#include "supervise/actors/metrics_endpoint.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include <arpa/inet.h>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "supervise/actors/errc.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "text_http_server.hpp"

namespace supervise::actors {

// -- http_endpoint --------------------------------------------------------------------

uint16_t http_endpoint::port() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return port_;
}

uint16_t http_endpoint::last_port() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return last_port_;
}

bool http_endpoint::listening() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return port_ != 0;
}

uint16_t http_endpoint::wait_listening(std::chrono::nanoseconds d) const {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait_for(guard, d, [this] { return port_ != 0; });
  return port_;
}

void http_endpoint::set(uint16_t port) {
  std::lock_guard<std::mutex> guard{mtx_};
  port_ = port;
  last_port_ = port;
  cv_.notify_all();
}

void http_endpoint::clear(uint16_t port) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (port_ == port)
    port_ = 0;
}

// -- validation -----------------------------------------------------------------------

namespace {

bool is_ipv4_literal(const std::string& a) {
  in_addr out;
  return ::inet_pton(AF_INET, a.c_str(), &out) == 1;
}

bool is_ipv6_literal(const std::string& a) {
  in6_addr out;
  return ::inet_pton(AF_INET6, a.c_str(), &out) == 1;
}

} // namespace

caf::error validate(const metrics_endpoint_options& opts) {
  name_category();
  std::vector<std::string> bad;
  if (!opts.source)
    bad.emplace_back("source is null");
  if (opts.port < 0 || opts.port > 65535)
    bad.push_back(fmt::format("port {} is out of range 0..65535", opts.port));
  if (opts.address.empty())
    bad.emplace_back("address is empty");
  else if (is_ipv6_literal(opts.address) && !detail::civetweb_has_ipv6())
    bad.push_back(fmt::format("address \"{}\": this civetweb has no IPv6", opts.address));
  else if (!is_ipv4_literal(opts.address) && !is_ipv6_literal(opts.address))
    bad.push_back(fmt::format("address \"{}\" is not an IP address literal", opts.address));
  if (opts.num_threads < 1 || opts.num_threads > 64)
    bad.push_back(fmt::format("num_threads {} is out of range 1..64", opts.num_threads));
  if (bad.empty())
    return {};
  return supervise::make_error(errc::invalid_option,
                               fmt::format("metrics_endpoint: {}", fmt::join(bad, "; ")));
}

namespace {

using endpoint_stopped_atom = caf::atom_constant<caf::atom("sv_epstop")>;

// One incarnation: owned by the behaviour's handlers and the exit cleanup.
struct scrape_incarnation {
  scrape_incarnation(caf::event_based_actor* s, const context& c,
                     std::shared_ptr<const metrics_endpoint_options> o)
    : self(s), opts(std::move(o)), log(get_logger(c)) {
    // nothing else: serve_metrics() starts the server
  }

  caf::event_based_actor* self;
  std::shared_ptr<const metrics_endpoint_options> opts;
  logger log;
  std::unique_ptr<detail::text_http_server> server;
  bool stopping = false; // a stop request arrived
  caf::error stop_reason;

  std::string where(uint16_t p) const { return fmt::format("{}:{}", opts->address, p); }

  // No longer reachable through the endpoint object.
  void unlist() {
    if (server && opts->endpoint)
      opts->endpoint->clear(server->port());
  }

  // A stop request: stop civetweb off this worker, end once it has.
  void stop(caf::error reason) {
    stopping = true;
    stop_reason = std::move(reason);
    unlist();
    auto me = self->address();
    server->stop_async([me] {
      if (auto target = caf::actor_cast<caf::strong_actor_ptr>(me))
        caf::anon_send(caf::actor_cast<caf::actor>(target), endpoint_stopped_atom::value);
    });
  }

  // Any end of the actor: unlisted, civetweb left to stop on its own thread
  // (at once after a completed stop: nothing left to do).
  void cleanup() {
    unlist();
    server.reset(); // abandon(): no callback into this incarnation from now
  }
};

caf::behavior serve_metrics(caf::event_based_actor* self, context& ctx,
                            std::shared_ptr<const metrics_endpoint_options> opts) {
  auto inc = std::make_shared<scrape_incarnation>(self, ctx, opts);
  self->attach_functor([inc] { inc->cleanup(); });
  detail::text_http_config cfg;
  cfg.address = opts->address;
  cfg.port = static_cast<uint16_t>(opts->port);
  cfg.threads = opts->num_threads;
  cfg.path = "/metrics";
  cfg.content_type = "text/plain; version=0.0.4; charset=utf-8";
  cfg.body = [source = opts->source] { return source->to_prometheus_text(); };
  cfg.log = [log = inc->log](std::string_view msg) { log.warning("civetweb: {}", msg); };
  std::string why;
  inc->server = detail::text_http_server::start(std::move(cfg), why);
  if (!inc->server) {
    auto text = fmt::format("{}: {}", inc->where(static_cast<uint16_t>(opts->port)), why);
    inc->log.error("cannot listen: {}", text);
    self->quit(make_error(actors_errc::bind_failed, std::move(text)));
    return {};
  }
  auto port = inc->server->port();
  if (opts->endpoint)
    opts->endpoint->set(port);
  inc->log.info("serving http://{}/metrics", inc->where(port));
  signal(ctx, signal_type::healthy);
  // The engine's stop request (user_shutdown) or any other exit request.
  self->set_exit_handler([inc](caf::exit_msg& msg) {
    if (!msg.reason || inc->stopping)
      return;
    inc->stop(std::move(msg.reason));
  });
  return {[inc](endpoint_stopped_atom) {
    inc->server->join();
    inc->log.info("stopped serving {}", inc->where(inc->server->port()));
    inc->self->quit(inc->stop_reason);
  }};
}

} // namespace

runnable metrics_endpoint(metrics_endpoint_options opts) {
  name_category();
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  auto shared = std::make_shared<const metrics_endpoint_options>(std::move(opts));
  return runnable::event_based(
    [shared](caf::event_based_actor* self, context& ctx) -> caf::behavior {
      return serve_metrics(self, ctx, shared);
    });
}

} // namespace supervise::actors
